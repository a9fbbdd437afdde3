//! The Deskmate service: identity, tenants, settings and the REST API,
//! served over HTTPS on one port, stored in SQLite or PostgreSQL.
//!
//! `deskmate serve` (in the `deskmate` crate) is a thin shell over
//! [`server::Server`]; everything else lives here so tests can start the
//! real thing.

pub mod audit;
pub mod audit_signing;
pub mod audit_syslog;
pub mod auth;
pub mod bootstrap;
pub mod clock;
pub mod compliance;
pub mod config;
pub mod conn_limit;
pub mod delegation;
pub mod device_keys;
pub mod http;
pub mod ids;
pub mod listener;
pub mod pairing;
pub mod permissions;
pub mod prefixed;
pub mod private_files;
pub mod relay;
pub mod retention;
pub mod secrets;
pub mod server;
pub mod store;
pub mod tls;
