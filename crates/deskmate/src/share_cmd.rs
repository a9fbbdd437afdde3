//! `deskmate share`: the terminal flow for the person who needs help —
//! sign in, enter the code, see who will help, consent, share, leave.

use anyhow::Context;
use clap::{Args, ValueEnum};
use deskmate_agent::client::{ClientError, ServerClient};
use deskmate_agent::share::{Consent, ConsentPrompt, FixedConsent};
use deskmate_proto::messages::Mode;
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
    /// Your e-mail address (sign-in name)
    #[arg(long, env = "DESKMATE_EMAIL")]
    pub email: String,
    /// The security code the helper gave you; asked for when missing
    #[arg(long)]
    pub code: Option<String>,
    /// Current code from your authenticator app, if your account has one
    #[arg(long)]
    pub totp: Option<String>,
    /// PEM certificate to trust for the server (e.g. its self-signed certificate)
    #[arg(long, env = "DESKMATE_CA_CERT", value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// How to answer the helper's requests [default: ask]
    #[arg(long, value_enum, default_value_t = ConsentMode::Ask)]
    pub consent: ConsentMode,
}

struct TerminalConsent;

impl ConsentPrompt for TerminalConsent {
    fn ask(&mut self, helper: &str, mode: Mode) -> Consent {
        let what = match mode {
            Mode::View => "see your screen",
            Mode::Control => "see and CONTROL your screen (mouse and keyboard)",
        };
        print!("\n{helper} asks to {what}. Allow? [y/N] ");
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        let _ = std::io::stdin().lock().read_line(&mut line);
        if matches!(line.trim().to_lowercase().as_str(), "y" | "yes") {
            Consent::Allow
        } else {
            Consent::Decline
        }
    }
}

fn ask_line(prompt: &str) -> anyhow::Result<String> {
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

fn device_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown device".into())
}

fn os_name() -> String {
    std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|text| {
            text.lines().find_map(|l| {
                l.strip_prefix("PRETTY_NAME=")
                    .map(|v| v.trim_matches('"').to_string())
            })
        })
        .unwrap_or_else(|| std::env::consts::OS.to_string())
}

/// Runs `deskmate share`.
pub async fn share(args: ShareArgs) -> anyhow::Result<()> {
    let mut client = ServerClient::new(&args.server, args.ca_cert.as_deref())?;
    let password = match std::env::var("DESKMATE_PASSWORD") {
        Ok(p) => p,
        Err(_) => rpassword::prompt_password(format!("Password for {}: ", args.email))
            .context("reading the password")?,
    };
    let mut totp = args.totp.clone();
    let me = loop {
        match client
            .sign_in(&args.email, &password, totp.as_deref())
            .await
        {
            Err(ClientError::TotpRequired) if totp.is_none() => {
                totp = Some(ask_line("Code from your authenticator app")?)
            }
            other => break other.context("signing in")?,
        }
    };
    println!(
        "Signed in as {} {}.",
        me["user"]["first_name"].as_str().unwrap_or(""),
        me["user"]["last_name"].as_str().unwrap_or("")
    );
    let code = match &args.code {
        Some(c) => c.clone(),
        None => ask_line("Security code from the person helping you")?,
    };
    let session = client
        .redeem(&code, &device_name(), &os_name())
        .await
        .context("entering the code")?;
    let helper = &session["helper"];
    let helper_name = format!(
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
    println!(
        "{helper_name}{}{verified} will help you.",
        if title.is_empty() {
            String::new()
        } else {
            format!(" ({title})")
        }
    );
    let session_id = session["id"]
        .as_str()
        .context("the server did not return a session id")?
        .to_string();
    let (screen, input) = deskmate_agent::platform::open().context("opening the screen")?;
    let ws = client
        .join(&session_id, 0)
        .await
        .context("joining the session")?;
    println!("Connected. Press Ctrl+C to end the session at any time.");
    tracing::info!(session = %session_id, helper = %helper_name, "remote help session joined");
    let mut prompt: Box<dyn ConsentPrompt> = match args.consent {
        ConsentMode::Ask => Box::new(TerminalConsent),
        ConsentMode::Allow => Box::new(FixedConsent {
            max: Some(Mode::Control),
        }),
        ConsentMode::ViewOnly => Box::new(FixedConsent {
            max: Some(Mode::View),
        }),
        ConsentMode::Decline => Box::new(FixedConsent { max: None }),
    };
    let (leave_tx, mut leave_rx) = tokio::sync::mpsc::unbounded_channel();
    let overlay = match deskmate_agent::platform::open_overlay(leave_tx) {
        Ok(overlay) => Some(overlay),
        Err(err) => {
            tracing::warn!(error = %err, "no on-screen indicator; the terminal shows the session instead");
            None
        }
    };
    let leave = async {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = leave_rx.recv() => {},
        }
    };
    let cursor = deskmate_agent::platform::open_cursor()
        .map_err(|err| tracing::warn!(error = %err, "the cursor will not be shown separately"))
        .ok();
    let devices = deskmate_agent::share::Devices {
        screen,
        input,
        cursor,
        overlay: overlay.as_ref(),
        monitors: deskmate_agent::platform::list_monitors().unwrap_or_default(),
    };
    let ended =
        deskmate_agent::share::run(ws, &helper_name, devices, prompt.as_mut(), leave).await?;
    println!("The session ended ({}): {}", ended.by, ended.reason);
    tracing::info!(session = %session_id, by = %ended.by, reason = %ended.reason, "remote help session ended");
    Ok(())
}
