//! The sharer's page: the web app's `share.html`, served by this agent on
//! 127.0.0.1. Only a page holding the agent's secret key can talk to it, so
//! no other browser or device can consent for this agent.
//!
//! The key never appears in an address: a browser is started with the
//! address on its command line, which every local user can read in
//! `/proc`. The address carries a launch token instead, good once and for
//! a few minutes, which the page exchanges for the key (`launch.rs`).
//!
//! One page at a time: while a page is connected, another is refused
//! (it is told why and tries again later), and the connected page is told
//! that another page tried, so the sharer sees it.
//!
//! [`SharerPage`] is what the share flow drives: it waits for a code from
//! the page, reports redemption, then bridges the session driver's
//! [`UiEvent`](crate::share::ui::UiEvent)s and the page's decisions.

mod launch;
mod picture;
mod server;
#[cfg(test)]
mod tests;

use crate::share::ui::{UiCommand, UiEnds};
use picture::Picture;
pub use picture::Stage;
use serde::Deserialize;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, mpsc};

/// What the page asks for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum PageCommand {
    /// Redeem this code.
    Redeem {
        /// The code as typed.
        code: String,
    },
    /// Answer the helper's request.
    Consent {
        /// The mode asked for.
        mode: deskmate_proto::messages::Mode,
        /// Allowed or declined.
        allow: bool,
    },
    /// Send a chat message.
    Chat {
        /// The text.
        text: String,
    },
    /// End the session (or, before one, close the agent).
    Leave {},
}

/// Why the page could not start.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// No loopback port.
    #[error("cannot listen on 127.0.0.1: {0}")]
    Listen(std::io::Error),
    /// No randomness for the key.
    #[error("no random numbers for the page's key")]
    Random,
    /// This binary has no web app.
    #[error("this binary was built without the web app (run scripts/build-web, then build)")]
    NotBuilt,
}

/// State shared by the server and the flow.
pub(crate) struct Shared {
    pub(crate) picture: Mutex<Picture>,
    pub(crate) updates: broadcast::Sender<String>,
    pub(crate) commands: mpsc::UnboundedSender<PageCommand>,
    pub(crate) key: String,
    pub(crate) addr: SocketAddr,
    /// The launch token that opens the page once, until it is spent.
    pub(crate) launch: Mutex<Option<launch::LaunchToken>>,
    /// Set while a page is connected.
    pub(crate) page_open: std::sync::atomic::AtomicBool,
}

impl Shared {
    /// Changes the picture and tells the page, as one step.
    pub(crate) fn update(&self, change: impl FnOnce(&mut Picture) -> Vec<Value>) {
        let mut picture = self
            .picture
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for message in change(&mut picture) {
            let _ = self.updates.send(message.to_string());
        }
    }
}

/// The running page.
pub struct SharerPage {
    shared: Arc<Shared>,
    commands: mpsc::UnboundedReceiver<PageCommand>,
}

impl SharerPage {
    /// Starts serving the page for the signed-in sharer (`me`: the server's
    /// user view, of which the name and e-mail address are shown).
    pub async fn start(me: &Value) -> Result<SharerPage, PageError> {
        if !deskmate_web::built() {
            return Err(PageError::NotBuilt);
        }
        let key = launch::random_hex().ok_or(PageError::Random)?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(PageError::Listen)?;
        let addr = listener.local_addr().map_err(PageError::Listen)?;
        let (commands_tx, commands) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            picture: Mutex::new(Picture::new(me)),
            updates: broadcast::channel(256).0,
            commands: commands_tx,
            key,
            addr,
            launch: Mutex::new(None),
            page_open: std::sync::atomic::AtomicBool::new(false),
        });
        tokio::spawn(server::serve(listener, Arc::clone(&shared)));
        Ok(SharerPage { shared, commands })
    }

    /// A new address to open the page with. It carries a fresh launch
    /// token, not the key: the token opens the page once within
    /// [`launch::LAUNCH_TTL`] and replaces any earlier, unspent one.
    pub fn url(&self) -> Result<String, PageError> {
        let token = launch::LaunchToken::new().ok_or(PageError::Random)?;
        let url = format!(
            "http://{}/share.html#launch={}",
            self.shared.addr,
            token.secret()
        );
        *self
            .shared
            .launch
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(token);
        Ok(url)
    }

    /// Moves the page to another stage.
    pub fn stage(&self, stage: Stage) {
        self.shared.update(|p| p.set_stage(stage));
    }

    /// Waits for the page to send a code; `None` if the sharer closed the
    /// page's flow (Leave) instead.
    pub async fn next_code(&mut self) -> Option<String> {
        loop {
            match self.commands.recv().await? {
                PageCommand::Redeem { code } => return Some(code),
                PageCommand::Leave {} => return None,
                other => tracing::debug!(?other, "ignored before a session"),
            }
        }
    }

    /// The code was refused; the page asks again, saying why.
    pub fn code_refused(&self, message: &str) {
        self.shared.update(|p| p.code_refused(message));
    }

    /// The code was accepted: show the helper (the server's profile view).
    pub fn paired(&self, helper: &Value) {
        self.shared.update(|p| p.paired(helper));
    }

    /// The session is over.
    pub fn ended(&self, by: &str, reason: &str) {
        self.shared.update(|p| p.ended(by, reason));
    }

    /// Clears the last session from the page, ready for another code.
    pub fn ready_again(&self) {
        self.shared.update(Picture::ready_again);
    }

    /// Connects the page to a running session driver until either side closes.
    pub fn bridge(&mut self, ends: UiEnds) -> tokio::task::JoinHandle<()> {
        let UiEnds {
            mut events,
            commands,
        } = ends;
        let shared = Arc::clone(&self.shared);
        let mut page = std::mem::replace(&mut self.commands, mpsc::unbounded_channel().1);
        let (back_tx, back_rx) = mpsc::unbounded_channel();
        self.commands = back_rx;
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    event = events.recv() => match event {
                        Some(event) => shared.update(|p| p.apply(&event)),
                        None => break,
                    },
                    command = page.recv() => {
                        let Some(command) = command else { break };
                        let for_driver = match command {
                            PageCommand::Consent { mode, allow } => {
                                shared.update(|p| p.answered());
                                Some(UiCommand::Consent { mode, allow })
                            }
                            PageCommand::Chat { text } => Some(UiCommand::Chat(text)),
                            PageCommand::Leave {} => Some(UiCommand::Leave),
                            PageCommand::Redeem { .. } => None,
                        };
                        if let Some(command) = for_driver
                            && commands.send(command).is_err()
                        {
                            break;
                        }
                    }
                }
            }
            // Whatever the page sends from now on goes back to the flow.
            while let Some(command) = page.recv().await {
                if back_tx.send(command).is_err() {
                    break;
                }
            }
        })
    }
}
