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
mod at_rest;
mod audit_trail;
mod bad_input;
mod bootstrap;
mod browser;
mod browser_layout;
mod chrome;
mod cli;
mod delegation;
mod device_auth_limits;
mod device_sign_in;
mod devices;
mod durability;
mod e2e;
mod e2e_hostile;
mod hostile_relay;
mod isolation;
mod lifecycle;
mod listener_limits;
mod metrics_access;
mod pairing;
mod password_limits;
mod rbac;
mod refresh_family;
mod relay;
mod reports;
mod retention;
mod revocation;
mod session_client;
mod settings;
mod setup_token;
mod signin;
mod unencrypted;
mod ws_origin;
