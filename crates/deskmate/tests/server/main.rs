//! Integration tests: the real `deskmate serve` binary, started per test on
//! an ephemeral port against a fresh SQLite file and a fresh PostgreSQL
//! database, exercised over HTTPS as users and administrators would.

mod common;

mod admin_api;
mod admin_browser;
mod admin_devices_browser;
mod agent;
mod agent_layout;
mod agent_loop;
mod agent_video;
mod bad_input;
mod bootstrap;
mod browser;
mod browser_layout;
mod chrome;
mod cli;
mod device_auth_limits;
mod device_sign_in;
mod devices;
mod durability;
mod e2e;
mod isolation;
mod listener_limits;
mod metrics_access;
mod pairing;
mod rbac;
mod refresh_family;
mod relay;
mod reports;
mod retention;
mod session_client;
mod settings;
mod setup_token;
mod signin;
mod ws_origin;
