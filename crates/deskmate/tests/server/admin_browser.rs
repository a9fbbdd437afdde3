//! The admin centre (admin.html) in headless Chromium against the real
//! server, used as administrators, auditors and helpers would (SPEC §2, §4,
//! §5, §11): settings with field errors and a concurrent edit, users and
//! groups, roles and the assignment stepper, the monitor, the sessions
//! report and its CSV against sessions made in the test, the audit log,
//! the read-only auditor and the refused helper. Every page is scanned with
//! axe-core and photographed (target/test-artifacts/web/admin-*.png).

use crate::admin_api::auditor;
use crate::chrome::{Chrome, axe_violations, click, eval, find, screenshot, set_value, text_until};
use crate::common::*;
use crate::pairing::{is_msg, issue, org, redeem};
use crate::rbac::{builtin_role, create_group, create_member};
use crate::relay::active_session;
use crate::retention::ended_session_with_chat;
use deskmate_proto::messages::{ClientMessage, ServerMessage};
use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(20);

pub(crate) async fn accessible(client: &Client, page: &str) {
    let violations = axe_violations(client).await;
    assert!(
        violations.is_empty(),
        "axe-core found problems on {page}:\n{}",
        violations.join("\n")
    );
}

/// Text without Fluent's Unicode isolation marks around placeables.
fn clean(text: &str) -> String {
    text.replace(['\u{2068}', '\u{2069}'], "")
}

/// Waits until the element's text (without isolation marks) satisfies `f`; returns it.
pub(crate) async fn seen(
    client: &Client,
    css: &str,
    what: &str,
    f: impl Fn(&str) -> bool,
) -> String {
    clean(&text_until(client, css, what, |t| f(&clean(t))).await)
}

/// Waits until an element matching `css` is shown.
pub(crate) async fn shown(client: &Client, css: &str) -> Element {
    let started = Instant::now();
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && element.is_displayed().await.unwrap_or(false)
        {
            return element;
        }
        if started.elapsed() > WAIT {
            let body = eval(client, "return document.body.innerText").await;
            panic!("{css} was never shown; the page says:\n{body}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until a script returns true (a script that throws, e.g. while the
/// page re-renders, counts as not yet).
pub(crate) async fn until(client: &Client, script: &str, what: &str) {
    let started = Instant::now();
    loop {
        if matches!(client.execute(script, vec![]).await, Ok(v) if v == json!(true)) {
            return;
        }
        if started.elapsed() > WAIT {
            let body = eval(client, "return document.body.innerText").await;
            panic!("never {what}; the page says:\n{body}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Clears an input and types into it, key by key.
pub(crate) async fn type_into(client: &Client, css: &str, text: &str) {
    let element = shown(client, css).await;
    element.clear().await.expect("clear");
    element.send_keys(text).await.expect("type");
}

/// Clicks a shown element (waiting for it).
pub(crate) async fn press(client: &Client, css: &str) {
    shown(client, css).await;
    click(client, css).await;
}

/// Opens the admin centre and signs in with the form.
pub(crate) async fn sign_in_admin(client: &Client, base: &str, email: &str, password: &str) {
    client
        .goto(&format!("{base}/admin.html"))
        .await
        .expect("admin centre");
    type_into(client, "#email", email).await;
    type_into(client, "#password", password).await;
    press(client, "#sign-in").await;
}

/// Goes to a page of the admin centre and waits for its heading to have focus.
pub(crate) async fn open(client: &Client, base: &str, hash: &str, page: &str) {
    client
        .goto(&format!("{base}/admin.html{hash}"))
        .await
        .expect("page");
    shown(client, &format!(".{page} h1")).await;
    until(
        client,
        &format!("return document.activeElement === document.querySelector('.{page} h1')"),
        &format!("focus on the heading of {page}"),
    )
    .await;
}

/// The text of a field's error message (the element its input points at).
pub(crate) async fn field_error(client: &Client, name: &str) -> String {
    let script = format!(
        "const el = document.querySelector('dialog [name=\"{name}\"]') || document.querySelector('#admin-view [name=\"{name}\"]');
         if (!el || el.getAttribute('aria-invalid') !== 'true') return '';
         const ids = (el.getAttribute('aria-describedby') || '').split(' ');
         const msg = ids.map(id => document.getElementById(id)).find(e => e && e.classList.contains('field-error'));
         return msg ? msg.textContent : '';"
    );
    let started = Instant::now();
    loop {
        let text = eval(client, &script).await;
        if let Some(text) = text.as_str().filter(|t| !t.is_empty()) {
            return text.to_string();
        }
        if started.elapsed() > WAIT {
            let body = eval(client, "return document.body.innerText").await;
            panic!("no error shown next to {name}; the page says:\n{body}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// GET in the page, with the page's cookie: (status, body).
pub(crate) async fn fetch(client: &Client, url: &str) -> (u64, String) {
    let v = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0], {credentials: 'same-origin'})
               .then(async r => done([r.status, await r.text()]), e => done([0, String(e)]));",
            vec![json!(url)],
        )
        .await
        .expect("fetch");
    (
        v[0].as_u64().unwrap_or(0),
        v[1].as_str().unwrap_or("").to_string(),
    )
}

/// A write in the page, with the cookie and the CSRF token as the web app sends them: the status.
pub(crate) async fn fetch_write(client: &Client, method: &str, url: &str, body: &Value) -> u64 {
    client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const csrf = document.cookie.split(';').map(c => c.trim().split('='))
               .find(([n]) => n === '__Host-deskmate_csrf');
             fetch(arguments[1], {method: arguments[0], credentials: 'same-origin',
               headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf ? decodeURIComponent(csrf[1]) : ''},
               body: JSON.stringify(arguments[2])}).then(r => done(r.status), e => done(0));",
            vec![json!(method), json!(url), body.clone()],
        )
        .await
        .expect("fetch")
        .as_u64()
        .unwrap_or(0)
}

pub(crate) async fn count(client: &Client, css: &str) -> usize {
    client
        .execute(
            "return document.querySelectorAll(arguments[0]).length",
            vec![json!(css)],
        )
        .await
        .unwrap_or_else(|e| panic!("count {css}: {e}"))
        .as_u64()
        .unwrap_or(0) as usize
}

pub(crate) async fn confirm(client: &Client) {
    press(client, ".confirm-dialog .dialog-confirm").await;
    until(
        client,
        "return !document.querySelector('.confirm-dialog')",
        "the dialog closed",
    )
    .await;
}

pub(crate) async fn get(api: &Api, path: &str) -> Value {
    expect_json(api.get(path).await, StatusCode::OK).await
}

async fn admin_changes_settings_with_field_errors_and_concurrent_edits(backend: Backend) {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let Some(fx) = Fixture::start(backend).await else {
        return;
    };
    let admin = setup_admin(&fx.server).await;
    let base = &fx.server.base;
    let browser = chrome.browser(false).await;

    browser
        .goto(&format!("{base}/admin.html"))
        .await
        .expect("admin centre");
    shown(&browser, "#sign-in-view").await;
    seen(
        &browser,
        "#sign-in-title",
        "the admin centre's sign-in",
        |t| t.contains("admin centre"),
    )
    .await;
    accessible(&browser, "the admin centre's sign-in").await;
    screenshot(&browser, "admin-sign-in").await;
    sign_in_admin(&browser, base, ADMIN_EMAIL, ADMIN_PASSWORD).await;

    // An administrator lands on Remote help → Settings, with the defaults (SPEC §2).
    shown(&browser, ".settings-page h1").await;
    until(
        &browser,
        "return location.hash === '#/remote-help/settings'",
        "the settings address",
    )
    .await;
    let off = eval(
        &browser,
        "return document.querySelector('[name=remote_help_enabled]').checked",
    )
    .await;
    assert_eq!(off, json!(false), "remote help is off by default");
    let lifetime = eval(
        &browser,
        "return document.querySelector('[name=code_lifetime_secs]').value",
    )
    .await;
    assert_eq!(lifetime, json!("10"), "ten minutes");
    assert_eq!(count(&browser, ".admin-nav a").await, 6);
    accessible(&browser, "the settings tab").await;
    screenshot(&browser, "admin-settings").await;

    // Bad values: each message is shown next to its field, nothing is saved.
    press(&browser, "#admin-view [name=remote_help_enabled]").await;
    type_into(&browser, "#admin-view [name=code_lifetime_secs]", "0.5").await;
    type_into(&browser, "#admin-view [name=min_client_version]", "one").await;
    press(&browser, ".settings-save").await;
    let lifetime_error = field_error(&browser, "code_lifetime_secs").await;
    assert!(lifetime_error.contains("60"), "{lifetime_error}");
    let version_error = field_error(&browser, "min_client_version").await;
    assert!(version_error.contains("version"), "{version_error}");
    seen(&browser, ".form-summary", "the summary", |t| {
        t.contains("2 fields")
    })
    .await;
    let focused = eval(&browser, "return document.activeElement.name").await;
    assert_eq!(
        focused,
        json!("code_lifetime_secs"),
        "focus goes to the first bad field"
    );
    assert_eq!(
        get(&admin, "/api/v1/tenant/settings").await["remote_help_enabled"],
        false
    );
    accessible(&browser, "the settings with field errors").await;
    screenshot(&browser, "admin-settings-errors").await;

    // Good values are saved.
    type_into(&browser, "#admin-view [name=code_lifetime_secs]", "5").await;
    type_into(&browser, "#admin-view [name=min_client_version]", "1.2").await;
    type_into(
        &browser,
        "#admin-view [name=recommended_client_version]",
        "1.10",
    )
    .await;
    type_into(&browser, "#admin-view [name=retention_days]", "90").await;
    press(&browser, ".settings-save").await;
    seen(&browser, ".save-status", "Saved", |t| t.contains("Saved")).await;
    let saved = get(&admin, "/api/v1/tenant/settings").await;
    assert_eq!(saved["remote_help_enabled"], true);
    assert_eq!(saved["code_lifetime_secs"], 300);
    assert_eq!(saved["retention_days"], 90);
    assert_eq!(saved["min_client_version"], "1.2");
    assert_eq!(saved["recommended_client_version"], "1.10");
    assert_eq!(count(&browser, "[aria-invalid=true]").await, 0);

    // Someone else saves in between: the browser's save is refused, not merged.
    expect_json(
        admin
            .patch("/api/v1/tenant/settings", &json!({"chat_disabled": true}))
            .await,
        StatusCode::OK,
    )
    .await;
    press(&browser, "#admin-view [name=allow_unenrolled_devices]").await;
    press(&browser, ".settings-save").await;
    seen(&browser, ".stale-banner", "the stale warning", |t| {
        t.contains("Someone else changed this")
    })
    .await;
    let after = get(&admin, "/api/v1/tenant/settings").await;
    assert_eq!(
        after["allow_unenrolled_devices"], false,
        "nothing was overwritten"
    );
    assert_eq!(after["chat_disabled"], true);
    accessible(&browser, "the stale-settings warning").await;
    screenshot(&browser, "admin-settings-stale").await;
    press(&browser, ".stale-reload").await;
    until(
        &browser,
        "return !document.querySelector('.stale-banner') && document.querySelector('[name=chat_disabled]')?.checked === true",
        "the other person's change after reload",
    )
    .await;
    let _ = browser.close().await;
}

async fn admin_manages_users_and_groups(backend: Backend) {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let Some(fx) = Fixture::start(backend).await else {
        return;
    };
    let admin = setup_admin(&fx.server).await;
    let base = &fx.server.base;
    // Tom has a second factor, to be reset.
    let tom = create_member(&admin, "tom@example.org", "tom's long password", &[]).await;
    let tom_id = tom["id"].as_str().expect("id").to_string();
    let tom_api = sign_in(
        &fx.server.client(),
        "tom@example.org",
        "tom's long password",
    )
    .await;
    let enrolment = get_post(&tom_api, "/api/v1/me/totp").await;
    let secret = enrolment["secret"].as_str().expect("secret").to_string();
    let confirmed = tom_api
        .post(
            "/api/v1/me/totp/confirm",
            &json!({"code": totp_now(&secret)}),
        )
        .await;
    assert_eq!(confirmed.status(), StatusCode::NO_CONTENT);

    let browser = chrome.browser(false).await;
    sign_in_admin(&browser, base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    shown(&browser, ".settings-page h1").await;

    // Groups: create two from the navigation; a taken name is refused next to the field.
    press(&browser, ".admin-nav .nav-groups").await;
    shown(&browser, ".groups-page h1").await;
    for name in ["Helpdesk", "Staff"] {
        press(&browser, ".new-group").await;
        shown(&browser, ".new-group-page h1").await;
        type_into(&browser, "#admin-view [name=name]", name).await;
        type_into(
            &browser,
            "#admin-view [name=description]",
            &format!("The {name} team"),
        )
        .await;
        press(&browser, ".group-save").await;
        seen(&browser, ".flash", "the group was created", |t| {
            t.contains("was created")
        })
        .await;
        press(&browser, ".admin-nav .nav-groups").await;
        shown(&browser, ".groups-page").await;
    }
    press(&browser, ".new-group").await;
    type_into(&browser, "#admin-view [name=name]", "Helpdesk").await;
    press(&browser, ".group-save").await;
    let taken = field_error(&browser, "name").await;
    assert!(taken.contains("already exists"), "{taken}");
    open(&browser, base, "#/groups", "groups-page").await;
    assert_eq!(
        count(&browser, ".groups-table tbody tr").await,
        3,
        "with Administrators"
    );
    accessible(&browser, "the groups list").await;
    screenshot(&browser, "admin-groups").await;
    let groups = get(&admin, "/api/v1/groups").await;
    let group_id = |name: &str| {
        groups
            .as_array()
            .expect("groups")
            .iter()
            .find(|g| g["name"] == name)
            .expect("group")["id"]
            .as_str()
            .expect("id")
            .to_string()
    };
    let (helpdesk, staff) = (group_id("Helpdesk"), group_id("Staff"));

    // A new user: every bad field at once, then a good one.
    open(&browser, base, "#/users", "users-page").await;
    press(&browser, ".new-user").await;
    shown(&browser, ".new-user-page h1").await;
    accessible(&browser, "the new-user form").await;
    type_into(&browser, "#admin-view [name=email]", "nobody").await;
    type_into(&browser, "#admin-view [name=first_name]", "Lea").await;
    type_into(&browser, "#admin-view [name=password]", "short").await;
    press(&browser, ".user-create").await;
    assert!(
        field_error(&browser, "email")
            .await
            .contains("e-mail address")
    );
    assert!(field_error(&browser, "last_name").await.contains("empty"));
    assert!(field_error(&browser, "password").await.contains("12"));
    assert_eq!(
        eval(&browser, "return document.activeElement.name").await,
        json!("email")
    );
    accessible(&browser, "the new-user form with errors").await;
    screenshot(&browser, "admin-user-new-errors").await;
    type_into(&browser, "#admin-view [name=email]", "lea@example.org").await;
    type_into(&browser, "#admin-view [name=last_name]", "Lind").await;
    type_into(&browser, "#admin-view [name=job_title]", "Accountant").await;
    type_into(
        &browser,
        "#admin-view [name=password]",
        "lea's long password",
    )
    .await;
    let staff_box = format!("input[type=checkbox][value='{staff}']");
    press(&browser, &staff_box).await;
    press(&browser, ".user-create").await;
    seen(&browser, ".flash", "the user was created", |t| {
        t.contains("was created")
    })
    .await;
    shown(&browser, ".user-page .security-card").await;
    let lea_id = eval(&browser, "return location.hash.split('/').pop()").await;
    let lea_id = lea_id.as_str().expect("id").to_string();
    let lea = get(&admin, &format!("/api/v1/users/{lea_id}")).await;
    assert_eq!(lea["email"], "lea@example.org");
    assert_eq!(lea["job_title"], "Accountant");
    let staff_members = get(&admin, &format!("/api/v1/groups/{staff}")).await;
    assert_eq!(staff_members["members"], json!([lea_id]));
    sign_in(
        &fx.server.client(),
        "lea@example.org",
        "lea's long password",
    )
    .await;
    accessible(&browser, "a user's page").await;
    screenshot(&browser, "admin-user").await;

    // Profile and groups in one save.
    type_into(&browser, "#admin-view [name=job_title]", "Controller").await;
    press(&browser, &staff_box).await;
    press(
        &browser,
        &format!("input[type=checkbox][value='{helpdesk}']"),
    )
    .await;
    press(&browser, ".user-save").await;
    seen(&browser, ".save-status", "Saved", |t| t.contains("Saved")).await;
    assert_eq!(
        get(&admin, &format!("/api/v1/users/{lea_id}")).await["job_title"],
        "Controller"
    );
    assert_eq!(
        get(&admin, &format!("/api/v1/groups/{staff}")).await["members"],
        json!([])
    );
    assert_eq!(
        get(&admin, &format!("/api/v1/groups/{helpdesk}")).await["members"],
        json!([lea_id])
    );

    // Reset the password in a dialog: the rules are the server's.
    press(&browser, ".reset-password").await;
    shown(&browser, ".password-dialog").await;
    type_into(&browser, ".password-dialog [name=password]", "short").await;
    press(&browser, ".password-set").await;
    assert!(field_error(&browser, "password").await.contains("12"));
    accessible(&browser, "the reset-password dialog").await;
    screenshot(&browser, "admin-password-dialog").await;
    type_into(
        &browser,
        ".password-dialog [name=password]",
        "lea's brand new password",
    )
    .await;
    press(&browser, ".password-set").await;
    seen(&browser, ".security-status", "the reset", |t| {
        t.contains("reset")
    })
    .await;
    let old = fx
        .server
        .client()
        .post(
            "/api/v1/auth/login",
            &json!({"email": "lea@example.org", "password": "lea's long password"}),
        )
        .await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    sign_in(
        &fx.server.client(),
        "lea@example.org",
        "lea's brand new password",
    )
    .await;

    // Disabling asks first: Cancel changes nothing, Disable does.
    press(&browser, ".disable-user").await;
    shown(&browser, ".confirm-dialog").await;
    accessible(&browser, "the disable confirmation").await;
    screenshot(&browser, "admin-confirm-disable").await;
    let focused = eval(
        &browser,
        "return document.activeElement.classList.contains('dialog-cancel')",
    )
    .await;
    assert_eq!(focused, json!(true), "Cancel has focus first");
    press(&browser, ".confirm-dialog .dialog-cancel").await;
    until(
        &browser,
        "return !document.querySelector('.confirm-dialog')",
        "the dialog closed",
    )
    .await;
    assert_eq!(
        get(&admin, &format!("/api/v1/users/{lea_id}")).await["disabled"],
        false
    );
    press(&browser, ".disable-user").await;
    confirm(&browser).await;
    seen(&browser, ".flash", "disabled", |t| t.contains("disabled")).await;
    shown(&browser, ".enable-user").await;
    assert_eq!(
        get(&admin, &format!("/api/v1/users/{lea_id}")).await["disabled"],
        true
    );
    let refused = fx
        .server
        .client()
        .post(
            "/api/v1/auth/login",
            &json!({"email": "lea@example.org", "password": "lea's brand new password"}),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

    // Tom lost his phone: reset his second factor.
    open(&browser, base, &format!("#/users/{tom_id}"), "user-page").await;
    press(&browser, ".reset-totp").await;
    confirm(&browser).await;
    seen(&browser, ".flash", "the reset", |t| t.contains("reset")).await;
    assert_eq!(
        get(&admin, &format!("/api/v1/users/{tom_id}")).await["totp_enabled"],
        false
    );
    sign_in(
        &fx.server.client(),
        "tom@example.org",
        "tom's long password",
    )
    .await;

    // The list: search, status.
    open(&browser, base, "#/users", "users-page").await;
    assert_eq!(count(&browser, ".users-table tbody tr").await, 3);
    type_into(&browser, "#admin-view [name=q]", "lind").await;
    until(
        &browser,
        "return document.querySelectorAll('.users-table tbody tr').length === 1",
        "one match",
    )
    .await;
    seen(&browser, ".users-table tbody", "Lea disabled", |t| {
        t.contains("Disabled")
    })
    .await;
    accessible(&browser, "the users list").await;
    screenshot(&browser, "admin-users").await;

    // A group's members: add Tom, remove Lea (asked first), then delete Staff.
    open(
        &browser,
        base,
        &format!("#/groups/{helpdesk}"),
        "group-page",
    )
    .await;
    set_value(&browser, "#admin-view [name=user]", &tom_id).await;
    press(&browser, ".add-member").await;
    seen(&browser, ".flash", "added", |t| t.contains("added")).await;
    press(
        &browser,
        &format!(".members-table tr[data-id='{lea_id}'] .remove-member"),
    )
    .await;
    confirm(&browser).await;
    seen(&browser, ".flash", "removed", |t| t.contains("removed")).await;
    assert_eq!(
        get(&admin, &format!("/api/v1/groups/{helpdesk}")).await["members"],
        json!([tom_id])
    );
    accessible(&browser, "a group's page").await;
    screenshot(&browser, "admin-group").await;
    open(&browser, base, &format!("#/groups/{staff}"), "group-page").await;
    type_into(
        &browser,
        "#admin-view [name=description]",
        "Everyone we help",
    )
    .await;
    press(&browser, ".group-save").await;
    seen(&browser, ".save-status", "Saved", |t| t.contains("Saved")).await;
    assert_eq!(
        get(&admin, &format!("/api/v1/groups/{staff}")).await["description"],
        "Everyone we help"
    );
    press(&browser, ".delete-group").await;
    confirm(&browser).await;
    shown(&browser, ".groups-page").await;
    let gone = admin.get(&format!("/api/v1/groups/{staff}")).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let _ = browser.close().await;
}

async fn get_post(api: &Api, path: &str) -> Value {
    expect_json(api.post(path, &json!({})).await, StatusCode::OK).await
}

fn totp_now(secret: &str) -> String {
    use deskmate_server::auth::totp;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    format!(
        "{:06}",
        totp::code_at_step(secret, totp::step_of(now), 6).expect("secret")
    )
}

async fn admin_edits_roles_and_assignments(backend: Backend) {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let Some(fx) = Fixture::start(backend).await else {
        return;
    };
    let admin = setup_admin(&fx.server).await;
    let base = &fx.server.base;
    let helpdesk = create_group(&admin, "Helpdesk").await;
    let staff = create_group(&admin, "Staff").await;
    let operator = builtin_role(&admin, "Help Desk Operator").await;
    let browser = chrome.browser(false).await;
    sign_in_admin(&browser, base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    shown(&browser, ".settings-page h1").await;

    // Built-in roles are shown read-only.
    press(&browser, ".admin-nav .nav-roles").await;
    shown(&browser, ".roles-page h1").await;
    assert_eq!(count(&browser, ".roles-table tbody tr").await, 3);
    accessible(&browser, "the roles list").await;
    screenshot(&browser, "admin-roles").await;
    press(
        &browser,
        &format!(".roles-table tr[data-id='{operator}'] a"),
    )
    .await;
    shown(&browser, ".built-in-note").await;
    assert_eq!(count(&browser, ".role-page input:not(:disabled)").await, 0);
    assert_eq!(count(&browser, ".role-save").await, 0);
    assert_eq!(
        count(&browser, ".role-page input[role=switch]:checked").await,
        5
    );
    accessible(&browser, "a built-in role").await;
    screenshot(&browser, "admin-role-built-in").await;

    // Duplicate it as a custom role; the server insists on one permission at least.
    press(&browser, ".duplicate-role").await;
    until(
        &browser,
        "return document.querySelector('[name=name]')?.value === 'Copy of Help Desk Operator'",
        "the copy's name",
    )
    .await;
    for permission in [
        "view_screen",
        "take_full_control",
        "elevation",
        "chat",
        "laser_pointer",
    ] {
        press(&browser, &format!("#admin-view [name=perm-{permission}]")).await;
    }
    type_into(&browser, "#admin-view [name=name]", "Chat only").await;
    press(&browser, ".role-save").await;
    seen(
        &browser,
        ".permissions-field .field-error",
        "the permissions error",
        |t| t.contains("at least one"),
    )
    .await;
    press(&browser, "#admin-view [name=perm-view_screen]").await;
    press(&browser, "#admin-view [name=perm-chat]").await;
    press(&browser, ".role-save").await;
    seen(&browser, ".flash", "created", |t| t.contains("was created")).await;
    let role_id = eval(&browser, "return location.hash.split('/').pop()").await;
    let role_id = role_id.as_str().expect("id").to_string();
    let role = get(&admin, &format!("/api/v1/roles/{role_id}")).await;
    assert_eq!(role["permissions"], json!(["view_screen", "chat"]));
    assert_eq!(role["built_in"], false);

    // Two administrators edit the role at once: the second save is refused, not merged.
    let current = admin
        .get(&format!("/api/v1/roles/{role_id}"))
        .await
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("etag")
        .to_string();
    let other = admin
        .request(Method::PUT, &format!("/api/v1/roles/{role_id}"))
        .header("If-Match", current)
        .json(&json!({"name": "Chat only", "description": "Changed elsewhere", "permissions": ["view_screen", "chat"]}))
        .send()
        .await
        .expect("put");
    assert_eq!(other.status(), StatusCode::OK);
    type_into(&browser, "#admin-view [name=name]", "Chat helpers").await;
    press(&browser, ".role-save").await;
    seen(&browser, ".stale-banner", "the stale warning", |t| {
        t.contains("Someone else changed this")
    })
    .await;
    let kept = get(&admin, &format!("/api/v1/roles/{role_id}")).await;
    assert_eq!(
        kept["name"], "Chat only",
        "the other change was not overwritten"
    );
    accessible(&browser, "the stale-role warning").await;
    screenshot(&browser, "admin-role-stale").await;
    press(&browser, ".stale-reload").await;
    until(
        &browser,
        "return document.querySelector('[name=description]')?.value === 'Changed elsewhere'",
        "the reloaded role",
    )
    .await;
    type_into(&browser, "#admin-view [name=name]", "Chat helpers").await;
    press(&browser, ".role-save").await;
    seen(&browser, ".save-status", "Saved", |t| t.contains("Saved")).await;
    assert_eq!(
        get(&admin, &format!("/api/v1/roles/{role_id}")).await["name"],
        "Chat helpers"
    );

    // The assignment stepper: the server's errors open the step they belong to.
    press(&browser, ".admin-nav .nav-roles").await;
    press(&browser, ".subnav .tab-assignments").await;
    shown(&browser, ".assignments-page h1").await;
    press(&browser, ".new-assignment").await;
    shown(&browser, ".step-basics[aria-current=step]").await;
    accessible(&browser, "step 1 of the assignment stepper").await;
    screenshot(&browser, "admin-assignment-step-1").await;
    for _ in 0..3 {
        press(&browser, ".step-next").await;
    }
    shown(&browser, ".step-review[aria-current=step]").await;
    press(&browser, ".assignment-save").await;
    shown(&browser, ".step-basics[aria-current=step]").await;
    assert!(field_error(&browser, "name").await.contains("empty"));
    assert!(field_error(&browser, "role_id").await.contains("role"));
    assert_eq!(
        count(&browser, ".stepper-step.has-error").await,
        3,
        "basics, members and scope"
    );
    accessible(&browser, "the stepper with errors").await;
    screenshot(&browser, "admin-assignment-errors").await;
    type_into(
        &browser,
        "#admin-view [name=name]",
        "Helpdesk chats with staff",
    )
    .await;
    set_value(&browser, "#admin-view [name=role_id]", &role_id).await;
    press(&browser, ".step-next").await;
    shown(&browser, ".step-members[aria-current=step]").await;
    press(
        &browser,
        &format!(".panel-members input[value='{helpdesk}']"),
    )
    .await;
    screenshot(&browser, "admin-assignment-step-2").await;
    press(&browser, ".step-next").await;
    shown(&browser, ".step-scope[aria-current=step]").await;
    press(&browser, &format!(".panel-scope input[value='{staff}']")).await;
    accessible(&browser, "the scope step").await;
    screenshot(&browser, "admin-assignment-step-3").await;
    press(&browser, ".step-next").await;
    let review = seen(&browser, ".review", "the review", |t| {
        t.contains("Chat helpers")
    })
    .await;
    assert!(
        review.contains("Helpdesk") && review.contains("Staff"),
        "{review}"
    );
    accessible(&browser, "the review step").await;
    screenshot(&browser, "admin-assignment-step-4").await;
    press(&browser, ".assignment-save").await;
    seen(&browser, ".flash", "created", |t| t.contains("was created")).await;
    let assignments = get(&admin, "/api/v1/role-assignments").await;
    let made = assignments
        .as_array()
        .expect("list")
        .iter()
        .find(|a| a["name"] == "Helpdesk chats with staff")
        .expect("the assignment")
        .clone();
    assert_eq!(made["role_id"], role_id.as_str());
    assert_eq!(made["member_groups"], json!([helpdesk]));
    assert_eq!(made["scope_groups"], json!([staff]));
    assert_eq!(made["all_users"], false);

    // Change its scope to All users.
    press(&browser, ".step-scope").await;
    press(&browser, "#admin-view [name=all_users]").await;
    press(&browser, ".step-review").await;
    press(&browser, ".assignment-save").await;
    seen(&browser, ".assignment-page .save-status", "Saved", |t| {
        t.contains("Saved")
    })
    .await;
    let id = made["id"].as_str().expect("id");
    assert_eq!(
        get(&admin, &format!("/api/v1/role-assignments/{id}")).await["all_users"],
        true
    );

    // The role in use cannot be deleted; after the assignment goes, it can.
    open(&browser, base, &format!("#/roles/{role_id}"), "role-page").await;
    press(&browser, ".delete-role").await;
    confirm(&browser).await;
    seen(&browser, ".danger-zone .form-error", "why not", |t| {
        t.contains("assignment")
    })
    .await;
    open(
        &browser,
        base,
        &format!("#/assignments/{id}"),
        "assignment-page",
    )
    .await;
    press(&browser, ".delete-assignment").await;
    confirm(&browser).await;
    shown(&browser, ".assignments-page").await;
    open(&browser, base, &format!("#/roles/{role_id}"), "role-page").await;
    press(&browser, ".delete-role").await;
    confirm(&browser).await;
    shown(&browser, ".roles-page").await;
    assert_eq!(
        admin
            .get(&format!("/api/v1/roles/{role_id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let _ = browser.close().await;
}

/// Adds `n` ended sessions of Hana's, `days` back, straight into the database.
async fn old_sessions(o: &crate::pairing::Org, n: usize) {
    let me = get(&o.hana, "/api/v1/me").await;
    let hana = me["user"]["id"].as_str().expect("id").to_string();
    let tenant = me["tenant"]["id"].as_str().expect("tenant").to_string();
    let pool = raw_pool(&o.fx.db.url).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    for i in 0..n {
        let at = now - (i as i64 + 2) * 86_400_000;
        sqlx::query(
            "INSERT INTO remote_sessions (id, tenant_id, helper_id, code_hash, code_expires_at, state, device_name, \
             mode, ended_by, created_at, started_at, ended_at) \
             VALUES ($1, $2, $3, $4, $5, 'ended', 'old-pc', 'control', 'sharer', $6, $7, $8)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(&tenant)
        .bind(&hana)
        .bind(uuid::Uuid::new_v4().simple().to_string())
        .bind(at)
        .bind(at)
        .bind(at + 1000)
        .bind(at + 61_000)
        .execute(&pool)
        .await
        .expect("insert a session");
    }
}

async fn the_sessions_report_monitor_and_csv_match_the_sessions(backend: Backend) {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let Some(o) = org(backend).await else { return };
    let base = &o.fx.server.base;
    // Sessions of every kind: ended with chat, refused, viewed and ended, paired now, waiting.
    let chatted = ended_session_with_chat(&o, "hello").await;
    let (code, refused) = issue(&o.hana).await;
    expect_json(redeem(&o.olga, &code).await, StatusCode::FORBIDDEN).await;
    let (viewed, mut helper, _sharer) = active_session(&o).await;
    helper.send(&ClientMessage::Leave { reason: None }).await;
    helper
        .until("ended", |i| {
            is_msg(i, |m| matches!(m, ServerMessage::Ended { .. }))
        })
        .await;
    let (code, paired) = issue(&o.hana).await;
    expect_json(redeem(&o.sam, &code).await, StatusCode::OK).await;
    let (_, waiting) = issue(&o.hana).await;
    old_sessions(&o, 26).await;
    let total = 31;

    let browser = chrome.browser(false).await;
    sign_in_admin(&browser, base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    shown(&browser, ".settings-page h1").await;
    press(&browser, ".subnav .tab-sessions").await;
    shown(&browser, ".sessions-table").await;
    seen(&browser, ".page-position", "the count", |t| {
        t.contains(&format!("of {total}"))
    })
    .await;
    assert_eq!(count(&browser, ".sessions-table tbody tr").await, 31);
    for id in [&chatted, &refused, &viewed, &paired, &waiting] {
        assert_eq!(
            count(&browser, &format!(".sessions-table tr[data-id='{id}']")).await,
            1,
            "{id}"
        );
    }
    let row = |id: &str, col: &str| format!(".sessions-table tr[data-id='{id}'] .{col}");
    let helper_cell = seen(&browser, &row(&viewed, "col-helper"), "the helper", |t| {
        t.contains("hana")
    })
    .await;
    assert!(helper_cell.contains("hana@example.org"), "{helper_cell}");
    let hana_id = get(&o.hana, "/api/v1/me").await["user"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert!(
        helper_cell.contains(&hana_id),
        "the provider id is shown: {helper_cell}"
    );
    seen(&browser, &row(&viewed, "col-sharer"), "the sharer", |t| {
        t.contains("sam Example")
    })
    .await;
    seen(&browser, &row(&viewed, "col-device"), "the device", |t| {
        t == "sam-laptop"
    })
    .await;
    seen(&browser, &row(&viewed, "col-mode"), "the mode", |t| {
        t == "View only"
    })
    .await;
    seen(
        &browser,
        &row(&viewed, "col-ended-by"),
        "who ended it",
        |t| t == "Helper",
    )
    .await;
    seen(
        &browser,
        &row(&viewed, "col-duration"),
        "the duration",
        |t| t.ends_with('s'),
    )
    .await;
    seen(&browser, &row(&viewed, "col-start"), "the start", |t| {
        !t.is_empty()
    })
    .await;
    seen(&browser, &row(&chatted, "col-chat"), "chat used", |t| {
        t == "Yes"
    })
    .await;
    seen(&browser, &row(&refused, "col-state"), "the refusal", |t| {
        t.contains("Refused") && t.contains("not-in-scope")
    })
    .await;
    seen(&browser, &row(&paired, "col-state"), "paired", |t| {
        t.contains("Paired")
    })
    .await;
    accessible(&browser, "the sessions report").await;
    screenshot(&browser, "admin-sessions").await;

    // Sorting: by issue time, oldest first, then by duration.
    press(&browser, "th.col-time button[data-sort=created]").await;
    until(&browser, "return document.querySelector('th.col-time:has(button[data-sort=created])').getAttribute('aria-sort') === 'ascending'", "ascending order").await;
    until(
        &browser,
        "return location.hash.includes('order=asc')",
        "the order in the address",
    )
    .await;
    let oldest = eval(
        &browser,
        "return document.querySelector('.sessions-table tbody tr').dataset.id",
    )
    .await;
    let expected = get(
        &o.admin,
        "/api/v1/reports/sessions?sort=created&order=asc&limit=1",
    )
    .await;
    assert_eq!(oldest, expected["rows"][0]["id"]);

    // Paging: 25 a page.
    set_value(&browser, ".page-size", "25").await;
    seen(&browser, ".page-position", "the first page", |t| {
        t.contains("1–25 of 31")
    })
    .await;
    press(&browser, ".page-next").await;
    seen(&browser, ".page-position", "the second page", |t| {
        t.contains("26–31 of 31")
    })
    .await;
    assert_eq!(count(&browser, ".sessions-table tbody tr").await, 6);
    let last = eval(
        &browser,
        "return [...document.querySelectorAll('.sessions-table tbody tr')].pop().dataset.id",
    )
    .await;
    let newest = get(
        &o.admin,
        "/api/v1/reports/sessions?sort=created&order=desc&limit=1",
    )
    .await;
    assert_eq!(
        last, newest["rows"][0]["id"],
        "the last row of the last page is the newest"
    );
    assert_eq!(
        eval(
            &browser,
            "return document.querySelector('.page-next').disabled"
        )
        .await,
        json!(true)
    );
    // The address keeps the page: a reload shows the same rows.
    browser.refresh().await.expect("reload");
    seen(&browser, ".page-position", "the same page", |t| {
        t.contains("26–31 of 31")
    })
    .await;

    // Filters: outcome, a search, a date range with nothing in it.
    set_value(&browser, "#admin-view [name=state]", "refused").await;
    seen(&browser, ".page-position", "one refused", |t| {
        t.contains("1–1 of 1")
    })
    .await;
    assert_eq!(
        count(
            &browser,
            &format!(".sessions-table tr[data-id='{refused}']")
        )
        .await,
        1
    );
    let href = eval(
        &browser,
        "return document.querySelector('.export-csv').href",
    )
    .await;
    assert!(
        href.as_str().is_some_and(|h| h.contains("state=refused")),
        "{href}"
    );
    let (status, csv) = fetch(&browser, href.as_str().unwrap_or("")).await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2, "the CSV has the filter too:\n{csv}");
    assert!(lines[1].contains(&refused));
    press(&browser, ".filter-clear").await;
    seen(&browser, ".page-position", "all again", |t| {
        t.contains("of 31")
    })
    .await;
    type_into(&browser, "#admin-view [name=q]", "olga").await;
    press(&browser, ".filter-apply").await;
    seen(&browser, ".page-position", "olga's", |t| {
        t.contains("1–1 of 1")
    })
    .await;
    press(&browser, ".filter-clear").await;
    set_value(&browser, "#admin-view [name=from]", "2001-01-01").await;
    set_value(&browser, "#admin-view [name=to]", "2001-01-31").await;
    press(&browser, ".filter-apply").await;
    seen(&browser, ".report-empty", "the empty state", |t| {
        t.contains("No sessions match")
    })
    .await;
    accessible(&browser, "the report's empty state").await;
    press(&browser, ".filter-clear").await;
    seen(&browser, ".page-position", "all again", |t| {
        t.contains("of 31")
    })
    .await;

    // The CSV (every page) holds exactly the sessions of the report, in its order.
    let href = eval(
        &browser,
        "return document.querySelector('.export-csv').href",
    )
    .await;
    let (status, csv) = fetch(&browser, href.as_str().expect("href")).await;
    assert_eq!(status, 200);
    let csv_ids: Vec<String> = csv
        .split("\r\n")
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.split(',')
                .next()
                .unwrap_or("")
                .trim_matches('"')
                .to_string()
        })
        .collect();
    let all = get(
        &o.admin,
        "/api/v1/reports/sessions?sort=created&order=asc&limit=1000",
    )
    .await;
    let api_ids: Vec<String> = all["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect();
    assert_eq!(csv_ids, api_ids, "the CSV matches the report");
    let viewed_line = csv
        .split("\r\n")
        .find(|l| l.starts_with(&format!("\"{viewed}\"")))
        .expect("viewed");
    assert!(
        viewed_line.contains("\"sam-laptop\",\"ended\",\"view\",\"false\",\"false\",\"helper\""),
        "{viewed_line}"
    );

    // Monitor: live sessions, sessions per day and the average, as the API says.
    let summary = get(&o.admin, "/api/v1/reports/summary").await;
    press(&browser, ".subnav .tab-monitor").await;
    let active = seen(
        &browser,
        ".stat-active .stat-value",
        "the live count",
        |t| !t.is_empty(),
    )
    .await;
    assert_eq!(active, summary["active_now"].to_string());
    assert_eq!(active, "1", "the paired session");
    assert_eq!(count(&browser, "rect.chart-bar").await, 30);
    let drawn = eval(&browser, "return [...document.querySelectorAll('rect.chart-bar')].reduce((s, r) => s + Number(r.dataset.sessions), 0)").await;
    let per_day: i64 = summary["per_day"]
        .as_array()
        .expect("days")
        .iter()
        .map(|d| d["sessions"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(drawn, json!(per_day));
    assert_eq!(
        per_day, 27,
        "the viewed session and the 26 old ones (within 30 days)"
    );
    seen(&browser, ".stat-average .stat-value", "the average", |t| {
        t.contains("min") || t.ends_with('s')
    })
    .await;
    accessible(&browser, "the monitor").await;
    screenshot(&browser, "admin-monitor").await;

    // The same pages in dark mode.
    let dark = chrome.browser(true).await;
    sign_in_admin(&dark, base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    shown(&dark, ".settings-page h1").await;
    open(&dark, base, "#/remote-help/monitor", "monitor-page").await;
    accessible(&dark, "the monitor in dark mode").await;
    screenshot(&dark, "admin-monitor-dark").await;
    open(&dark, base, "#/remote-help/sessions", "sessions-page").await;
    accessible(&dark, "the sessions report in dark mode").await;
    screenshot(&dark, "admin-sessions-dark").await;
    let _ = dark.close().await;
    let _ = browser.close().await;
}

async fn the_audit_log_is_filtered_exported_and_verified(backend: Backend) {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let Some(o) = org(backend).await else { return };
    let base = &o.fx.server.base;
    let browser = chrome.browser(false).await;
    sign_in_admin(&browser, base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    shown(&browser, ".settings-page h1").await;
    // A change made in this browser is audited with where it came from.
    press(&browser, "#admin-view [name=chat_disabled]").await;
    press(&browser, ".settings-save").await;
    seen(&browser, ".save-status", "Saved", |t| t.contains("Saved")).await;
    let (code, _) = issue(&o.hana).await;
    expect_json(redeem(&o.olga, &code).await, StatusCode::FORBIDDEN).await;

    press(&browser, ".admin-nav .nav-audit").await;
    shown(&browser, ".audit-table").await;
    let newest = seen(
        &browser,
        ".audit-table tbody tr:first-child",
        "the refusal",
        |t| t.contains("Security code refused"),
    )
    .await;
    assert!(newest.contains("olga"), "{newest}");
    let settings_row = ".audit-table tbody tr:has([data-action=settings_changed])";
    let row = seen(&browser, settings_row, "the settings change", |t| {
        t.contains("127.0.0.1")
    })
    .await;
    assert!(row.contains("Ana Admin") || row.contains("Ana"), "{row}");
    accessible(&browser, "the audit log").await;
    screenshot(&browser, "admin-audit").await;

    // Filters: an action, an actor, a time range.
    set_value(&browser, "#admin-view [name=action]", "group_created").await;
    until(&browser, "return [...document.querySelectorAll('.audit-table tbody tr')].length === 2 && [...document.querySelectorAll('.audit-table [data-action]')].every(e => e.dataset.action === 'group_created')", "only group creations").await;
    until(
        &browser,
        "return location.hash.includes('action=group_created')",
        "the filter in the address",
    )
    .await;
    let href = eval(
        &browser,
        "return document.querySelector('.export-csv').href",
    )
    .await;
    let (status, csv) = fetch(&browser, href.as_str().expect("href")).await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 3, "header and the two group creations:\n{csv}");
    assert!(lines[0].starts_with("seq,time,actor_id,actor_name"));
    press(&browser, ".filter-clear").await;
    let me = get(&o.hana, "/api/v1/me").await;
    let hana = me["user"]["id"].as_str().expect("id").to_string();
    set_value(&browser, "#admin-view [name=actor]", &hana).await;
    until(
        &browser,
        "return document.querySelectorAll('.audit-table tbody tr').length === 2",
        "Hana's sign-in and code",
    )
    .await;
    seen(&browser, ".audit-table tbody", "the code issued", |t| {
        t.contains("Security code issued")
    })
    .await;
    press(&browser, ".filter-clear").await;
    set_value(&browser, "#admin-view [name=from]", "2001-01-01").await;
    set_value(&browser, "#admin-view [name=to]", "2001-01-02").await;
    press(&browser, ".filter-apply").await;
    seen(&browser, ".audit-page .admin-empty", "nothing then", |t| {
        t.contains("No events")
    })
    .await;
    set_value(&browser, "#admin-view [name=to]", "2000-01-01").await;
    press(&browser, ".filter-apply").await;
    assert!(field_error(&browser, "to").await.contains("later"));
    press(&browser, ".filter-clear").await;
    shown(&browser, ".audit-table").await;

    // The whole chain verifies.
    press(&browser, ".verify-audit").await;
    let verified = seen(&browser, ".verify-result", "the verdict", |t| {
        t.contains("intact")
    })
    .await;
    let events = get(&o.admin, "/api/v1/audit/verify").await["events"].to_string();
    assert!(verified.contains(&events), "{verified} vs {events}");
    let _ = browser.close().await;
}

async fn the_auditor_reads_and_a_helper_is_refused(backend: Backend) {
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let Some(o) = org(backend).await else { return };
    let base = &o.fx.server.base;
    auditor(&o).await;
    let _ = ended_session_with_chat(&o, "hello").await;
    let sam = get(&o.sam, "/api/v1/me").await["user"]["id"]
        .as_str()
        .expect("id")
        .to_string();

    // The Read-only Auditor (dark mode) sees everything, with nothing to change.
    let rita = chrome.browser(true).await;
    sign_in_admin(&rita, base, "rita@example.org", "rita's long password").await;
    shown(&rita, ".settings-page h1").await;
    shown(&rita, ".read-only-note").await;
    assert_eq!(count(&rita, ".admin-nav a").await, 6);
    assert_eq!(count(&rita, ".settings-page input:not(:disabled)").await, 0);
    assert_eq!(count(&rita, ".settings-save").await, 0);
    accessible(&rita, "the auditor's settings").await;
    screenshot(&rita, "admin-auditor-settings-dark").await;
    open(&rita, base, "#/remote-help/sessions", "sessions-page").await;
    seen(&rita, ".page-position", "the session", |t| {
        t.contains("of 1")
    })
    .await;
    open(&rita, base, "#/users", "users-page").await;
    assert_eq!(count(&rita, ".new-user").await, 0);
    open(&rita, base, &format!("#/users/{sam}"), "user-page").await;
    assert_eq!(count(&rita, ".user-page input:not(:disabled)").await, 0);
    assert_eq!(
        count(&rita, ".user-save, .disable-user, .reset-password").await,
        0
    );
    open(&rita, base, "#/roles", "roles-page").await;
    assert_eq!(count(&rita, ".new-role").await, 0);
    open(&rita, base, "#/assignments", "assignments-page").await;
    assert_eq!(count(&rita, ".new-assignment").await, 0);
    press(&rita, ".assignments-table a").await;
    shown(&rita, ".assignment-page").await;
    assert_eq!(
        count(&rita, ".assignment-save, .delete-assignment").await,
        0
    );
    open(&rita, base, "#/users/new", "admin-page").await;
    seen(&rita, ".admin-view", "the refusal", |t| {
        t.contains("don't allow")
    })
    .await;
    open(&rita, base, "#/audit", "audit-page").await;
    accessible(&rita, "the auditor's audit log").await;
    screenshot(&rita, "admin-audit-dark").await;
    // Not only hidden: the server refuses her writes, even from the web app's own origin.
    let refused = fetch_write(
        &rita,
        "PATCH",
        "/api/v1/tenant/settings",
        &json!({"remote_help_enabled": false}),
    )
    .await;
    assert_eq!(refused, 403);
    let refused = fetch_write(&rita, "POST", "/api/v1/groups", &json!({"name": "Mine"})).await;
    assert_eq!(refused, 403);
    assert_eq!(
        get(&o.admin, "/api/v1/tenant/settings").await["remote_help_enabled"],
        true
    );

    // A helper: no link in the console, no admin centre, and the API refuses.
    let hana = chrome.browser(false).await;
    hana.goto(base).await.expect("console");
    type_into(&hana, "#email", "hana@example.org").await;
    type_into(&hana, "#password", "hana's long password").await;
    press(&hana, "#sign-in").await;
    shown(&hana, "#get-code").await;
    assert_eq!(
        eval(&hana, "return document.querySelector('#admin-link').hidden").await,
        json!(true)
    );
    hana.goto(&format!("{base}/admin.html#/remote-help/sessions"))
        .await
        .expect("admin centre");
    shown(&hana, "#no-access-view").await;
    seen(&hana, "#no-access-title", "the refusal", |t| {
        t.contains("don't have access")
    })
    .await;
    assert_eq!(
        eval(&hana, "return document.querySelector('#admin-nav').hidden").await,
        json!(true)
    );
    assert_eq!(count(&hana, ".sessions-table").await, 0);
    for path in [
        "/api/v1/reports/sessions",
        "/api/v1/reports/sessions.csv",
        "/api/v1/audit",
        "/api/v1/audit.csv",
        "/api/v1/users",
        "/api/v1/tenant/settings",
    ] {
        let (status, body) = fetch(&hana, path).await;
        assert_eq!(status, 403, "{path}: {body}");
        assert!(body.contains("urn:deskmate:problem:forbidden"), "{body}");
    }
    accessible(&hana, "the helper's refusal").await;
    screenshot(&hana, "admin-no-access").await;

    // An administrator's console links to the admin centre.
    let ana = chrome.browser(false).await;
    ana.goto(base).await.expect("console");
    type_into(&ana, "#email", ADMIN_EMAIL).await;
    type_into(&ana, "#password", ADMIN_PASSWORD).await;
    press(&ana, "#sign-in").await;
    press(&ana, "#admin-link").await;
    shown(&ana, ".settings-page h1").await;
    press(&ana, "#console-link").await;
    shown(&ana, "#get-code").await;
    let _ = find(&ana, "#admin-link").await;
    let _ = rita.close().await;
    let _ = hana.close().await;
    let _ = ana.close().await;
}

crate::both_backends!(
    admin_changes_settings_with_field_errors_and_concurrent_edits,
    admin_manages_users_and_groups,
    admin_edits_roles_and_assignments,
    the_sessions_report_monitor_and_csv_match_the_sessions,
    the_audit_log_is_filtered_exported_and_verified,
    the_auditor_reads_and_a_helper_is_refused,
);
