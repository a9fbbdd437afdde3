//! The sharer's page: the web app's `share.html`, served by this agent on
//! 127.0.0.1 and opened in the sharer's browser with a secret key in the
//! address. Only a page holding the key can talk to the agent, one at a
//! time, so no other browser or device can consent for this agent.
//!
//! [`SharerPage`] is what the share flow drives: it waits for a code from
//! the page, reports redemption, then bridges the session driver's
//! [`UiEvent`](crate::share::ui::UiEvent)s and the page's decisions.

mod picture;
mod server;

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
    /// Bumped by every new page connection; older ones then close.
    pub(crate) generation: tokio::sync::watch::Sender<u64>,
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
        let mut key = [0u8; 32];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut key)
            .map_err(|_| PageError::Random)?;
        let key: String = key.iter().map(|b| format!("{b:02x}")).collect();
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
            generation: tokio::sync::watch::Sender::new(0),
        });
        tokio::spawn(server::serve(listener, Arc::clone(&shared)));
        Ok(SharerPage { shared, commands })
    }

    /// The address to open (it carries the key; do not log it).
    pub fn url(&self) -> String {
        format!(
            "http://{}/share.html#key={}",
            self.shared.addr, self.shared.key
        )
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
