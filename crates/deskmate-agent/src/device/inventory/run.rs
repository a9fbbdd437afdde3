//! Running a system tool for an inventory fact, with a time limit, so a
//! hung tool cannot hang the agent.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `program` with `args`; its standard output if it exits successfully
/// within `limit`, else `None` (the process is killed on time-out).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub fn output(program: &str, args: &[&str], limit: Duration) -> Option<String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .env("LC_ALL", "C")
        .spawn()
        .ok()?;
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let mut text = String::new();
                if let Some(mut out) = child.stdout.take() {
                    use std::io::Read;
                    out.read_to_string(&mut text).ok()?;
                }
                return status.success().then_some(text);
            }
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_returned_and_hung_tools_are_stopped() {
        assert_eq!(
            output("sh", &["-c", "echo hello"], Duration::from_secs(5)).as_deref(),
            Some("hello\n")
        );
        assert_eq!(
            output("sh", &["-c", "exit 3"], Duration::from_secs(5)),
            None
        );
        let started = Instant::now();
        assert_eq!(output("sleep", &["10"], Duration::from_millis(200)), None);
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(
            output("no-such-tool-here", &[], Duration::from_secs(1)),
            None
        );
    }
}
