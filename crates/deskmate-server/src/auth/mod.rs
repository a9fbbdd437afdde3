//! Identity: passwords, second factors, tokens and brakes on guessing.

pub mod password;
pub mod rate_limit;
pub mod tokens;
pub mod totp;
pub mod window;
pub mod workers;
