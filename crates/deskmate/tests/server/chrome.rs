//! Headless Chromium for the web app's tests: one chromedriver per test,
//! browser sessions through fantoccini, and the checks every page gets
//! (axe-core accessibility scan, screenshots kept under target/test-artifacts).

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running chromedriver, stopped on drop.
pub struct Chrome {
    driver: Child,
    url: String,
}

impl Drop for Chrome {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Chrome {
    /// Starts chromedriver, or `None` (saying why) when Chromium is not
    /// installed and this is not CI.
    pub async fn start() -> Option<Chrome> {
        let installed = ["/usr/bin/chromium", "/usr/bin/chromedriver"]
            .iter()
            .all(|p| std::path::Path::new(p).exists());
        if !installed {
            assert!(
                std::env::var_os("CI").is_none(),
                "Chromium is required in CI (apt-get install chromium chromium-driver)"
            );
            eprintln!("SKIPPED: chromium and chromium-driver are not installed");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let chrome = Chrome {
            driver,
            url: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Some(chrome)
    }

    /// A new browser (its own profile and cookies), with a light or dark colour scheme.
    pub async fn browser(&self, dark: bool) -> Client {
        let mut args = vec![
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--ignore-certificate-errors",
            "--window-size=1400,1000",
        ];
        if dark {
            args.push("--force-dark-mode");
        }
        let caps = json!({
            "browserName": "chrome",
            "acceptInsecureCerts": true,
            "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": args },
        });
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a Chromium session")
    }
}

/// Waits for an element matching `css`.
pub async fn find(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css} on the page: {e}"))
}

/// Waits until an element matching `css` is shown and enabled, then clicks it.
pub async fn click(client: &Client, css: &str) {
    let started = Instant::now();
    loop {
        let last = match client.find(Locator::Css(css)).await {
            Ok(element) => match element.click().await {
                Ok(()) => return,
                Err(e) => e.to_string(),
            },
            Err(e) => e.to_string(),
        };
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "could not click {css}: {last}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the element's text satisfies `f`; returns the text.
pub async fn text_until(
    client: &Client,
    css: &str,
    what: &str,
    f: impl Fn(&str) -> bool,
) -> String {
    let started = Instant::now();
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && let Ok(text) = element.text().await
            && f(&text)
        {
            return text;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let body = client.find(Locator::Css("body")).await.ok();
            let text = match body {
                Some(b) => b.text().await.unwrap_or_default(),
                None => String::new(),
            };
            panic!("{css} never showed {what}; the page says:\n{text}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs a script that returns JSON.
pub async fn eval(client: &Client, script: &str) -> Value {
    client
        .execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
}

/// Sets an input's value as typing would (fires `input`).
pub async fn set_value(client: &Client, css: &str, value: &str) {
    find(client, css).await;
    client
        .execute(
            "const el = document.querySelector(arguments[0]);
             el.value = arguments[1];
             el.dispatchEvent(new Event('input', {bubbles: true}));
             el.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![json!(css), json!(value)],
        )
        .await
        .expect("set value");
}

/// Scans the page with axe-core and returns the violations (id and targets).
pub async fn axe_violations(client: &Client) -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../web/node_modules/axe-core/axe.min.js"
    );
    let source =
        std::fs::read_to_string(path).expect("axe-core (web/node_modules; run scripts/build-web)");
    client
        .execute(&source, vec![])
        .await
        .expect("load axe-core");
    let result = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document).then(
               r => done(r.violations.map(v => v.id + ' (' + v.impact + '): ' +
                 v.nodes.map(n => n.target.join(' ')).join(', '))),
               e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .expect("axe run");
    result
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Saves a screenshot as `target/test-artifacts/web/NAME.png`.
pub async fn screenshot(client: &Client, name: &str) {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts/web");
    let _ = std::fs::create_dir_all(&dir);
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("save screenshot");
}
