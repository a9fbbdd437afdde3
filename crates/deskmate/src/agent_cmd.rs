//! `deskmate agent`: the long-running agent of a desktop session. It signs
//! in once (through the browser by default) and stays signed in by renewing
//! its token; it keeps the sharer page open (or reads codes from the
//! terminal, one per line) and runs one session after another; and on an
//! enrolled device it reports the inventory on a schedule so compliance
//! stays current.

use crate::device_cmd;
use crate::share_cmd::{self, Prepared, ShareArgs, UiKind};
use anyhow::Context;
use clap::Args;
use deskmate_agent::client::ServerClient;
use deskmate_agent::device::identity::DeviceIdentity;
use deskmate_agent::sharer_page::Stage;
use std::time::Duration;
use tokio::io::AsyncBufReadExt;

/// `deskmate agent` options.
#[derive(Debug, Args)]
pub struct AgentArgs {
    #[command(flatten)]
    pub share: ShareArgs,
    /// Minutes between inventory reports of an enrolled device (0: never)
    #[arg(long, default_value_t = 360, value_name = "MINUTES")]
    pub report_every: u64,
}

/// Reports the inventory every `every` while the agent runs, if this device
/// is enrolled with `server`.
fn schedule_reports(
    identity: &DeviceIdentity,
    server: &str,
    ca_cert: Option<&std::path::Path>,
    every: Duration,
) {
    if identity.enrolment_for(server).is_none() || every.is_zero() {
        return;
    }
    let Ok(client) = ServerClient::new(server, ca_cert) else {
        return;
    };
    let identity = identity.clone();
    tokio::spawn(async move {
        loop {
            match device_cmd::send_report(&client, &identity).await {
                Ok(reply) => tracing::info!(
                    compliant = reply["compliant"].as_bool().unwrap_or(false),
                    "inventory reported"
                ),
                Err(err) => {
                    tracing::warn!(error = %format!("{err:#}"), "the inventory report failed")
                }
            }
            tokio::time::sleep(every).await;
        }
    });
}

/// The next code from the terminal; `None` at the end of input or on Ctrl+C.
async fn next_typed_code(
    lines: &mut tokio::io::Lines<tokio::io::BufReader<tokio::io::Stdin>>,
) -> Option<String> {
    loop {
        println!("Enter the security code from the person helping you (Ctrl+D to stop):");
        let line = tokio::select! {
            line = lines.next_line() => line.ok().flatten()?,
            _ = tokio::signal::ctrl_c() => return None,
        };
        if !line.trim().is_empty() {
            return Some(line.trim().to_string());
        }
    }
}

/// Runs `deskmate agent` until the sharer stops it.
pub async fn agent(args: AgentArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.share.code.is_none(),
        "deskmate agent takes codes on the sharer page or the terminal, not --code"
    );
    let mut prepared: Prepared = share_cmd::prepare(&args.share).await?;
    schedule_reports(
        prepared.device.identity(),
        &args.share.server,
        args.share.ca_cert.as_deref(),
        Duration::from_secs(args.report_every.saturating_mul(60)),
    );
    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let on_page = prepared.page.is_some() && args.share.ui != Some(UiKind::Terminal);
    tracing::info!("the agent is ready for sessions");
    loop {
        prepared
            .client
            .refresh_if_due()
            .await
            .context("renewing the sign-in")?;
        let redeemed = if on_page {
            tokio::select! {
                redeemed = share_cmd::redeem_from_page(&mut prepared, args.share.unencrypted) => match redeemed {
                    Some(redeemed) => redeemed,
                    // Leave before any session: stay ready for the next code.
                    None => continue,
                },
                _ = tokio::signal::ctrl_c() => break,
            }
        } else {
            let Some(typed) = next_typed_code(&mut stdin).await else {
                break;
            };
            prepared
                .client
                .refresh_if_due()
                .await
                .context("renewing the sign-in")?;
            match share_cmd::redeem_typed(&prepared, &typed, args.share.unencrypted).await {
                Ok(redeemed) => redeemed,
                Err(err) => {
                    println!("{err:#}");
                    continue;
                }
            }
        };
        if let Err(err) = share_cmd::run_session(&mut prepared, &args.share, redeemed).await {
            println!("The session failed: {err:#}");
            tracing::error!(error = %format!("{err:#}"), "a session failed");
        }
        if let Some(page) = &prepared.page {
            // Show how it ended for a moment, then be ready for the next code.
            tokio::time::sleep(Duration::from_secs(3)).await;
            page.ready_again();
            page.stage(Stage::EnterCode);
        }
    }
    println!("The agent stopped.");
    tracing::info!("the agent stopped");
    Ok(())
}
