// First-run page: reads the one-time token from the link's fragment (which
// never reaches the server's logs) and creates the first administrator.
"use strict";
(function () {
  const form = document.getElementById("setup");
  const message = document.getElementById("message");
  const token = new URLSearchParams(location.hash.slice(1)).get("token") || "";
  const say = (text, isError) => {
    message.textContent = text;
    message.className = isError ? "error" : "ok";
  };
  // The token travels in a header, never in an address (addresses are logged).
  fetch("/api/v1/setup", { headers: token ? { "X-Setup-Token": token } : {} }).then((r) => r.json()).then((status) => {
    if (status.tenant_name) document.getElementById("tenant").textContent = status.tenant_name;
    if (!token) {
      form.hidden = true;
      say("This page needs the link the server printed.", true);
    } else if (!status.pending) {
      form.hidden = true;
      say("This link was already used, has expired or was replaced. Sign in, or ask for a new link.", true);
    }
  }).catch(() => say("The server cannot be reached.", true));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = Object.fromEntries(new FormData(form).entries());
    body.token = token;
    const response = await fetch("/api/v1/setup", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (response.ok) {
      form.hidden = true;
      history.replaceState(null, "", "/setup");
      say("The administrator account is ready. You can now sign in as " + body.email + ".", false);
      document.getElementById("next").hidden = false;
    } else {
      const problem = await response.json().catch(() => ({ detail: "Unexpected answer from the server." }));
      say(problem.detail, true);
    }
  });
})();
