//! `deskmate share`: the flow for the person who needs help — sign in,
//! enter the code, see who will help, consent, share, leave — either on the
//! sharer page (the web app, served by this agent on loopback and opened in
//! the browser) or on the terminal (scripts, no desktop browser).

use anyhow::Context;
use clap::{Args, ValueEnum};
use deskmate_agent::client::{ClientError, ServerClient};
use deskmate_agent::device::claim;
use deskmate_agent::device::identity::{self, DeviceIdentity};
use deskmate_agent::device::inventory::{self, Depth};
use deskmate_agent::share::ui::{self, UiCommand, UiEnds, UiEvent};
use deskmate_agent::sharer_page::{SharerPage, Stage};
use deskmate_e2e::session::E2eSession;
use deskmate_e2e::{Side, Transcript};
use deskmate_proto::code::{FullCode, SecurityCode};
use deskmate_proto::device::Inventory;
use deskmate_proto::messages::Mode;
use serde_json::Value;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

/// How consent requests are answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConsentMode {
    /// Ask on the terminal each time.
    Ask,
    /// Allow view and full control without asking (scripts, tests).
    Allow,
    /// Allow viewing only; decline full control.
    ViewOnly,
    /// Decline every request.
    Decline,
}

/// `deskmate share` options.
#[derive(Debug, Args)]
pub struct ShareArgs {
    /// The Deskmate server, e.g. https://help.example.org
    #[arg(long, env = "DESKMATE_SERVER")]
    pub server: String,
    /// Your e-mail address, to sign in with a password here; without it you
    /// sign in in the browser (the web app asks you to approve this device)
    #[arg(long, env = "DESKMATE_EMAIL")]
    pub email: Option<String>,
    /// The security code the helper gave you; asked for when missing
    #[arg(long)]
    pub code: Option<String>,
    /// Current code from your authenticator app, if your account has one
    #[arg(long)]
    pub totp: Option<String>,
    /// PEM certificate to trust for the server (e.g. its self-signed certificate)
    #[arg(long, env = "DESKMATE_CA_CERT", value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// How to answer the helper's requests on the terminal [default: ask]
    #[arg(long, value_enum, default_value_t = ConsentMode::Ask)]
    pub consent: ConsentMode,
    /// Where the sharer answers: the sharer page in a browser, or this terminal
    /// [default: the page on a desktop, the terminal with --code or without a display]
    #[arg(long, value_enum)]
    pub ui: Option<UiKind>,
    /// Print the sharer page's address instead of opening a browser
    #[arg(long)]
    pub no_browser: bool,
    /// Accept the server's 8-character code alone, without end-to-end
    /// encryption (for scripts and diagnostics; the helper console always
    /// gives 12 characters and encrypts)
    #[arg(long)]
    pub unencrypted: bool,
}

/// What the sharer typed: the part the server checks, and the whole code
/// that keys end-to-end encryption (`None` when running unencrypted).
fn parse_code(text: &str, unencrypted: bool) -> Result<(String, Option<FullCode>), String> {
    match FullCode::parse(text) {
        Ok(full) => Ok((full.rendezvous().normalized().to_string(), Some(full))),
        Err(err) => match SecurityCode::parse(text) {
            Ok(code) if unencrypted => Ok((code.normalized().to_string(), None)),
            Ok(_) => Err("this code is incomplete: the person helping you sees 12 letters and digits, like K7MQ-2XPA-H4RT".into()),
            Err(_) => Err(format!("{err}; codes have 12 letters and digits, like K7MQ-2XPA-H4RT")),
        },
    }
}

/// Where the sharer sees and answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UiKind {
    /// The sharer page, in the desktop's browser.
    Page,
    /// Prompts on this terminal.
    Terminal,
}

/// Asks on the terminal (blocking; run off the async threads).
fn ask_terminal(helper: &str, mode: Mode) -> bool {
    let what = match mode {
        Mode::View => "see your screen",
        Mode::Control => "see and CONTROL your screen (mouse and keyboard)",
    };
    print!("\n{helper} asks to {what}. Allow? [y/N] ");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    matches!(line.trim().to_lowercase().as_str(), "y" | "yes")
}

/// Answers the driver on the terminal: consent by policy or by asking, chat printed.
fn terminal_ui(ends: UiEnds, consent: ConsentMode, helper: String) {
    let UiEnds {
        mut events,
        commands,
    } = ends;
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            match event {
                UiEvent::ConsentRequested(mode) => {
                    let allow = match consent {
                        ConsentMode::Ask => {
                            let helper = helper.clone();
                            tokio::task::spawn_blocking(move || ask_terminal(&helper, mode))
                                .await
                                .unwrap_or(false)
                        }
                        ConsentMode::Allow => ui::fixed_answer(Some(Mode::Control), mode),
                        ConsentMode::ViewOnly => ui::fixed_answer(Some(Mode::View), mode),
                        ConsentMode::Decline => ui::fixed_answer(None, mode),
                    };
                    let _ = commands.send(UiCommand::Consent { mode, allow });
                }
                UiEvent::Chat(message) => println!("[{}] {}", message.from.as_str(), message.text),
                UiEvent::Refused(message) => eprintln!("Refused: {message}"),
                UiEvent::Verified(code) => println!(
                    "Security check: {code} — the screen of the person helping you shows the same numbers."
                ),
                UiEvent::Shown {
                    monitor,
                    width,
                    height,
                } => match monitor {
                    Some(name) => {
                        println!("{helper} can see your monitor {name} ({width}x{height}).")
                    }
                    None => println!("{helper} can see your whole screen ({width}x{height})."),
                },
                UiEvent::State { .. } => {}
            }
        }
    });
}

/// Opens `url` in the desktop's browser; false if there is none to start.
fn open_browser(url: &str) -> bool {
    let browser = std::env::var("BROWSER").unwrap_or_else(|_| "xdg-open".into());
    std::process::Command::new(browser)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_ok()
}

pub(crate) fn ask_line(prompt: &str) -> anyhow::Result<String> {
    anyhow::ensure!(
        std::io::stdin().is_terminal(),
        "{prompt} is needed, and there is no terminal to ask on"
    );
    print!("{prompt}: ");
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().to_string())
}

/// This device as it appears in redemptions: its identity file (created
/// on first use; an enrolled device signs with its key) and its names.
pub(crate) struct ThisDevice {
    identity: DeviceIdentity,
    inventory: Inventory,
    server: String,
}

impl ThisDevice {
    fn load(server: &str) -> anyhow::Result<Self> {
        let path = identity::default_path()?;
        let identity = DeviceIdentity::load_or_create(&path)
            .with_context(|| format!("reading this device's identity ({})", path.display()))?;
        if identity.enrolment_for(server).is_some() {
            tracing::info!(file = %path.display(), "this device is enrolled with the server");
        }
        Ok(Self {
            identity,
            inventory: inventory::collect(Depth::Quick),
            server: server.to_string(),
        })
    }

    /// The identity file as read at start-up.
    pub(crate) fn identity(&self) -> &DeviceIdentity {
        &self.identity
    }

    fn claim(&self, rendezvous: &str) -> Value {
        claim::redeem_claim(&self.identity, &self.server, &self.inventory, rendezvous)
    }
}

/// The helper as people read it: "Sam Berg (IT support, Example Ltd) — example.org (verified)".
fn describe_helper(helper: &Value) -> (String, String) {
    let name = format!(
        "{} {}",
        helper["first_name"].as_str().unwrap_or(""),
        helper["last_name"].as_str().unwrap_or("")
    );
    let title = [
        helper["job_title"].as_str(),
        helper["company_name"].as_str(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    let verified = helper["verified_domain"]
        .as_str()
        .map(|d| format!(" — {d} (verified)"))
        .unwrap_or_default();
    let title = if title.is_empty() {
        String::new()
    } else {
        format!(" ({title})")
    };
    let long = format!("{name}{title}{verified}");
    (name, long)
}

/// Signs in: in the browser when no e-mail address is given, else with the
/// password (environment or prompt) and, if asked, a TOTP code.
pub(crate) async fn sign_in(
    client: &mut ServerClient,
    args: &ShareArgs,
    device: &ThisDevice,
) -> anyhow::Result<Value> {
    let Some(email) = &args.email else {
        let client_name = format!("deskmate share on {}", device.inventory.hostname);
        let no_browser = args.no_browser;
        return client
            .sign_in_with_browser(&client_name, |url, code| {
                tracing::info!(url, "browser sign-in started");
                if no_browser || !open_browser(url) {
                    println!("To sign in, open {url} and check that it shows the code {code}.");
                } else {
                    println!("Continue signing in in your browser; check that it shows the code {code} (or open {url}).");
                }
            })
            .await
            .context("signing in through the browser");
    };
    let password = match std::env::var("DESKMATE_PASSWORD") {
        Ok(p) => p,
        Err(_) => rpassword::prompt_password(format!("Password for {email}: "))
            .context("reading the password")?,
    };
    let mut totp = args.totp.clone();
    loop {
        match client.sign_in(email, &password, totp.as_deref()).await {
            Err(ClientError::TotpRequired) if totp.is_none() => {
                totp = Some(ask_line("Code from your authenticator app")?)
            }
            other => return other.context("signing in"),
        }
    }
}

/// Asks for codes on the sharer page until one is accepted; `None` if the sharer gave up.
async fn redeem_on_page(
    client: &ServerClient,
    device: &ThisDevice,
    page: &mut SharerPage,
    unencrypted: bool,
) -> Option<(Value, Option<FullCode>)> {
    loop {
        page.stage(Stage::EnterCode);
        let typed = page.next_code().await?;
        let (code, full) = match parse_code(&typed, unencrypted) {
            Ok(parts) => parts,
            Err(message) => {
                page.code_refused(&message);
                continue;
            }
        };
        page.stage(Stage::Redeeming);
        match client
            .redeem(&code, device.claim(&code), full.is_some())
            .await
        {
            Ok(session) => return Some((session, full)),
            Err(err) => {
                tracing::info!(error = %err, "a code was refused");
                page.code_refused(&err.to_string());
            }
        }
    }
}

/// Signs in and prepares this device and, on a desktop, the sharer page.
pub(crate) struct Prepared {
    pub client: ServerClient,
    pub device: ThisDevice,
    pub page: Option<SharerPage>,
}

/// Signs in, loads this device's identity and opens the sharer page when
/// the sharer answers there.
pub(crate) async fn prepare(args: &ShareArgs) -> anyhow::Result<Prepared> {
    let mut client = ServerClient::new(&args.server, args.ca_cert.as_deref())?;
    let device = ThisDevice::load(&args.server)?;
    let me = sign_in(&mut client, args, &device).await?;
    println!(
        "Signed in as {} {}.",
        me["user"]["first_name"].as_str().unwrap_or(""),
        me["user"]["last_name"].as_str().unwrap_or("")
    );
    let on_page = match args.ui {
        Some(kind) => kind == UiKind::Page,
        None => args.code.is_none() && std::env::var_os("DISPLAY").is_some(),
    };
    let page = if on_page {
        let page = SharerPage::start(&me)
            .await
            .context("starting the sharer page")?;
        // The address carries a one-time launch token, never the page's key:
        // the browser's command line is readable by every local user.
        let url = page.url().context("starting the sharer page")?;
        if args.no_browser || !open_browser(&url) {
            println!("Open this address in your browser to continue: {url}");
        } else {
            println!("Continue in your browser (or open {url}).");
        }
        Some(page)
    } else {
        None
    };
    Ok(Prepared {
        client,
        device,
        page,
    })
}

/// Redeems a code typed on the terminal.
pub(crate) async fn redeem_typed(
    prepared: &Prepared,
    typed: &str,
    unencrypted: bool,
) -> anyhow::Result<(Value, Option<FullCode>)> {
    let (code, full) = parse_code(typed, unencrypted).map_err(anyhow::Error::msg)?;
    let session = prepared
        .client
        .redeem(&code, prepared.device.claim(&code), full.is_some())
        .await
        .context("entering the code")?;
    Ok((session, full))
}

/// Runs `deskmate share`: one session.
pub async fn share(args: ShareArgs) -> anyhow::Result<()> {
    let mut prepared = prepare(&args).await?;
    let redeemed = match prepared.page.as_mut() {
        Some(page) => {
            match redeem_on_page(&prepared.client, &prepared.device, page, args.unencrypted).await {
                Some(redeemed) => redeemed,
                None => {
                    println!("No session was started.");
                    return Ok(());
                }
            }
        }
        None => {
            let typed = match &args.code {
                Some(c) => c.clone(),
                None => ask_line("Security code from the person helping you")?,
            };
            redeem_typed(&prepared, &typed, args.unencrypted).await?
        }
    };
    run_session(&mut prepared, &args, redeemed).await?;
    Ok(())
}

/// Asks for codes on the sharer page until one is accepted (agent mode); `None` if the sharer gave up.
pub(crate) async fn redeem_from_page(
    prepared: &mut Prepared,
    unencrypted: bool,
) -> Option<(Value, Option<FullCode>)> {
    let Prepared {
        client,
        device,
        page,
    } = prepared;
    let page = page.as_mut()?;
    redeem_on_page(client, device, page, unencrypted).await
}

/// Runs `session` while renewing the sign-in when it is due: the server
/// disconnects a session connection whose sign-in expired.
async fn keep_signed_in<T>(
    client: &mut ServerClient,
    session: impl std::future::Future<Output = T>,
) -> T {
    tokio::pin!(session);
    loop {
        tokio::select! {
            out = &mut session => return out,
            () = tokio::time::sleep(std::time::Duration::from_secs(2)) => {
                if let Err(err) = client.refresh_if_due().await {
                    tracing::warn!(error = %err, "could not renew the sign-in");
                }
            }
        }
    }
}

/// Runs one session after the code was accepted, until it ends.
pub(crate) async fn run_session(
    prepared: &mut Prepared,
    args: &ShareArgs,
    (session, full_code): (Value, Option<FullCode>),
) -> anyhow::Result<deskmate_agent::share::Ended> {
    let client = &prepared.client;
    let page = &mut prepared.page;
    let helper = &session["helper"];
    let (helper_name, helper_long) = describe_helper(helper);
    println!("{helper_long} will help you.");
    if let Some(page) = &page {
        page.paired(helper);
    }
    let session_id = session["id"]
        .as_str()
        .context("the server did not return a session id")?
        .to_string();
    let e2e = match &full_code {
        Some(full) => {
            let transcript = Transcript::new(
                session_id.clone(),
                helper["id"].as_str().unwrap_or_default(),
                session["sharer"]["id"].as_str().unwrap_or_default(),
            );
            Some(E2eSession::new(Side::Sharer, full.whole(), transcript))
        }
        None => {
            tracing::warn!("this session is not end-to-end encrypted (--unencrypted)");
            None
        }
    };
    let (screen, input) = deskmate_agent::platform::open().context("opening the screen")?;
    let ws = client
        .join(&session_id, 0)
        .await
        .context("joining the session")?;
    println!("Connected. Press Ctrl+C to end the session at any time.");
    tracing::info!(session = %session_id, helper = %helper_name, "remote help session joined");
    let (driver_ui, ends) = ui::channel();
    let leave = ends.commands.clone();
    let bridge = match page.as_mut() {
        Some(page) => Some(page.bridge(ends)),
        None => {
            terminal_ui(ends, args.consent, helper_name.clone());
            None
        }
    };
    let (leave_tx, mut leave_rx) = tokio::sync::mpsc::unbounded_channel();
    let overlay = match deskmate_agent::platform::open_overlay(leave_tx) {
        Ok(overlay) => Some(overlay),
        Err(err) => {
            tracing::warn!(error = %err, "no on-screen indicator; the terminal shows the session instead");
            None
        }
    };
    tokio::spawn(async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = leave_rx.recv() => {},
        }
        let _ = leave.send(UiCommand::Leave);
    });
    let cursor = deskmate_agent::platform::open_cursor()
        .map_err(|err| tracing::warn!(error = %err, "the cursor will not be shown separately"))
        .ok();
    let devices = deskmate_agent::share::Devices {
        screen,
        input,
        cursor,
        overlay: overlay.as_ref(),
    };
    let secure = deskmate_agent::share::secure::Secure::new(e2e);
    let result = keep_signed_in(
        &mut prepared.client,
        deskmate_agent::share::run(ws, &helper_name, devices, driver_ui, secure),
    )
    .await;
    let (by, reason) = match &result {
        Ok(ended) => (ended.by.clone(), ended.reason.clone()),
        Err(err) => ("system".to_string(), err.to_string()),
    };
    if let Some(page) = &page {
        page.ended(&by, &reason);
        // Give the page a moment to show how it ended.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    drop(bridge);
    let ended = result?;
    println!("The session ended ({}): {}", ended.by, ended.reason);
    tracing::info!(session = %session_id, by = %ended.by, reason = %ended.reason, "remote help session ended");
    Ok(ended)
}
