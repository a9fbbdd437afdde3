//! `deskmate`: the one binary. Subcommands are thin shells over the
//! library crates; `serve` runs the service.

mod agent_cmd;
mod device_cmd;
mod share_cmd;
#[cfg(unix)]
mod syslog;

use anyhow::Context;
use clap::{Parser, Subcommand};
use deskmate_server::bootstrap;
use deskmate_server::clock::{Clock, SystemClock};
use deskmate_server::config::{LogFormat, ServeArgs, ServerConfig};
use deskmate_server::server::Server;
use deskmate_server::store::{Store, redact_url};
use deskmate_server::tls::CertSource;
use tracing_subscriber::EnvFilter;

/// Deskmate: self-hosted remote help for organisations.
#[derive(Debug, Parser)]
#[command(name = "deskmate", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the Deskmate server (HTTPS: web app, REST API, session relay).
    ///
    /// Options are read from a TOML file (--config), then DESKMATE_* environment
    /// variables, then flags; later sources win.
    Serve(ServeArgs),
    /// Get help: sign in, enter the helper's code and share this screen.
    Share(share_cmd::ShareArgs),
    /// Stay ready to get help: sign in once, then run one session after another
    /// (the sharer page or the terminal), reporting the device's inventory.
    Agent(agent_cmd::AgentArgs),
    /// This machine as a device of the organisation: enrol, report inventory, show.
    #[command(subcommand)]
    Device(device_cmd::DeviceCommand),
    /// Manage organisations on a server that hosts several.
    #[command(subcommand)]
    Tenant(TenantCommand),
}

#[derive(Debug, Subcommand)]
enum TenantCommand {
    /// Create an organisation and print the one-time link for its first administrator.
    ///
    /// Reads the same configuration as `serve` (file, DESKMATE_* variables, flags)
    /// to find the database.
    Create {
        /// The organisation's name
        #[arg(long)]
        name: String,
        #[command(flatten)]
        config: ServeArgs,
    },
}

async fn create_tenant(name: &str, args: ServeArgs) -> anyhow::Result<()> {
    let config = args.resolve().context("configuration")?;
    let name = name.trim();
    anyhow::ensure!(
        !name.is_empty() && name.chars().count() <= 100,
        "the organisation name must have 1 to 100 characters"
    );
    let store = Store::open(&config.database_url)
        .await
        .with_context(|| format!("opening the database {}", redact_url(&config.database_url)))?;
    let public_url = deskmate_server::server::public_url(&config, config.listen);
    let (tenant, link) = bootstrap::create_tenant(
        &store,
        name,
        &public_url,
        config.setup_link_ttl,
        SystemClock.now_ms(),
    )
    .await?;
    store.close().await;
    println!("Created organisation '{}' ({}).", tenant.name, tenant.id);
    println!(
        "Send this one-time link to its first administrator (valid {} hours):",
        config.setup_link_ttl / 3600
    );
    println!("  {link}");
    Ok(())
}

fn init_logging(config: &ServerConfig) {
    let filter = EnvFilter::try_new(&config.log).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match config.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

/// The agent logs to standard error and, where there is one, to the system log.
fn init_agent_logging() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = EnvFilter::try_from_env("DESKMATE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr));
    #[cfg(unix)]
    let registry = registry.with(syslog::SyslogLayer::connect(
        std::path::Path::new("/dev/log"),
        "deskmate",
    ));
    registry.init();
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = args.resolve().context("configuration")?;
    init_logging(&config);
    let database = redact_url(&config.database_url);
    let setup_ttl_hours = config.setup_link_ttl / 3600;
    let server = Server::start(config).await?;
    println!(
        "Deskmate {} listening on https://{}",
        env!("CARGO_PKG_VERSION"),
        server.local_addr
    );
    println!("  public address: {}", server.public_url);
    if let Some(addr) = server.metrics_addr {
        println!("  metrics:        http://{addr}/metrics");
    }
    println!("  database:       {database}");
    match &server.cert {
        CertSource::Configured(path) => println!("  certificate:    {}", path.display()),
        CertSource::SelfSigned { path, created } => println!(
            "  certificate:    self-signed{}, {} (configure --tls-cert/--tls-key for production)",
            if *created { ", generated now" } else { "" },
            path.display()
        ),
    }
    if let Some(link) = &server.setup_link {
        println!();
        println!("First run: open this link to set the first administrator's password.");
        println!(
            "It works once and expires in {setup_ttl_hours} hours; restarting prints a new one."
        );
        println!("  {link}");
    }
    println!();
    println!("Ready. Press Ctrl+C to stop.");
    server.run(shutdown_signal()).await;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    match cli.command {
        Command::Serve(args) => runtime.block_on(serve(args)),
        Command::Share(args) => {
            init_agent_logging();
            runtime.block_on(share_cmd::share(args))
        }
        Command::Agent(args) => {
            init_agent_logging();
            runtime.block_on(agent_cmd::agent(args))
        }
        Command::Device(command) => {
            init_agent_logging();
            runtime.block_on(device_cmd::run(command))
        }
        Command::Tenant(TenantCommand::Create { name, config }) => {
            runtime.block_on(create_tenant(&name, config))
        }
    }
}
