//! `deskmate device`: enrol this machine in an organisation with an
//! enrolment token, send a signed inventory report (run it from a timer so
//! compliance stays current), and show what the device reports.

use anyhow::Context;
use clap::{Args, Subcommand};
use deskmate_agent::client::ServerClient;
use deskmate_agent::device::claim;
use deskmate_agent::device::identity::{self, DeviceIdentity, Enrolment, NewKey};
use deskmate_agent::device::inventory::{self, Depth};
use serde_json::Value;
use std::path::PathBuf;

/// `deskmate device` subcommands.
#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Enrol this machine with an enrolment token from the admin centre.
    Enrol(EnrolArgs),
    /// Send this device's inventory to its server (signed with its key).
    Report(ReportArgs),
    /// Print this device's identity and inventory.
    Show,
}

/// Where the server is and how to trust it.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// PEM certificate to trust for the server (e.g. its self-signed certificate)
    #[arg(long, env = "DESKMATE_CA_CERT", value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
}

/// `deskmate device enrol` options.
#[derive(Debug, Args)]
pub struct EnrolArgs {
    /// The Deskmate server, e.g. https://help.example.org
    #[arg(long, env = "DESKMATE_SERVER")]
    pub server: String,
    /// The enrolment token (Devices → Enrolment in the admin centre)
    #[arg(long, env = "DESKMATE_ENROLMENT_TOKEN")]
    pub token: String,
    #[command(flatten)]
    pub tls: ServerArgs,
}

/// `deskmate device report` options.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub tls: ServerArgs,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn print_compliance(reply: &Value) {
    if reply["compliant"].as_bool() == Some(true) {
        println!("The device meets the organisation's compliance policy.");
    } else {
        println!("The device does not meet the organisation's compliance policy:");
        for reason in reply["compliance_reasons"].as_array().into_iter().flatten() {
            println!("  - {}", reason.as_str().unwrap_or(""));
        }
    }
}

async fn enrol(args: EnrolArgs) -> anyhow::Result<()> {
    let path = identity::default_path()?;
    let mut identity = DeviceIdentity::load_or_create(&path)
        .with_context(|| format!("reading this device's identity ({})", path.display()))?;
    if let Some(existing) = &identity.enrolment {
        anyhow::bail!(
            "this device is already enrolled with {} as {}; an administrator must remove it in the admin centre, \
             and {} be deleted, before it can enrol again",
            existing.server,
            existing.device_id,
            path.display()
        );
    }
    println!("Collecting this device's inventory…");
    let inventory = inventory::collect(Depth::Full);
    let key = NewKey::generate()?;
    let client = ServerClient::new(&args.server, args.tls.ca_cert.as_deref())?;
    let reply = client
        .enrol(&claim::enrol_request(
            &identity,
            &key,
            &args.token,
            &inventory,
        ))
        .await
        .context("enrolling")?;
    let device_id = reply["device_id"]
        .as_str()
        .context("the server did not return a device id")?;
    identity.enrolment = Some(Enrolment {
        server: client.base().to_string(),
        device_id: device_id.to_string(),
        tenant_id: reply["tenant_id"].as_str().unwrap_or_default().to_string(),
        key_pkcs8: key.pkcs8,
    });
    identity
        .save(&path)
        .with_context(|| format!("saving the enrolment to {}", path.display()))?;
    tracing::info!(device = device_id, "enrolled");
    println!(
        "Enrolled as {} (device {device_id}). The key is kept in {}.",
        reply["name"].as_str().unwrap_or(""),
        path.display()
    );
    print_compliance(&reply);
    Ok(())
}

/// Collects the full inventory (on a blocking thread: it runs system tools),
/// signs it as of now and sends it; the server's verdict.
pub(crate) async fn send_report(
    client: &ServerClient,
    identity: &DeviceIdentity,
) -> anyhow::Result<Value> {
    let inventory = tokio::task::spawn_blocking(|| inventory::collect(Depth::Full))
        .await
        .context("collecting the inventory")?;
    let (device_id, body) =
        claim::inventory_report(identity, &inventory, now_ms()).context("signing the report")?;
    client
        .report_inventory(&device_id, &body)
        .await
        .context("sending the inventory")
}

async fn report(args: ReportArgs) -> anyhow::Result<()> {
    let path = identity::default_path()?;
    let identity = DeviceIdentity::load(&path)?
        .filter(|i| i.enrolment.is_some())
        .with_context(|| {
            format!(
                "this device is not enrolled (no enrolment in {}); run `deskmate device enrol` first",
                path.display()
            )
        })?;
    let server = identity
        .enrolment
        .as_ref()
        .map(|e| e.server.clone())
        .unwrap_or_default();
    let client = ServerClient::new(&server, args.tls.ca_cert.as_deref())?;
    let reply = send_report(&client, &identity).await?;
    println!("Inventory sent to {server}.");
    print_compliance(&reply);
    Ok(())
}

fn show() -> anyhow::Result<()> {
    let path = identity::default_path()?;
    let identity = DeviceIdentity::load(&path)?;
    println!("Identity file: {}", path.display());
    match &identity {
        None => {
            println!("No identity yet (made on first `deskmate share` or `deskmate device enrol`).")
        }
        Some(i) => {
            println!("Installation id: {}", i.install_id);
            match &i.enrolment {
                Some(e) => println!("Enrolled with {} as device {}", e.server, e.device_id),
                None => println!("Not enrolled."),
            }
        }
    }
    let inventory = inventory::collect(Depth::Full);
    println!("{}", serde_json::to_string_pretty(&inventory)?);
    Ok(())
}

/// Runs a `deskmate device` subcommand.
pub async fn run(command: DeviceCommand) -> anyhow::Result<()> {
    match command {
        DeviceCommand::Enrol(args) => enrol(args).await,
        DeviceCommand::Report(args) => report(args).await,
        DeviceCommand::Show => show(),
    }
}
