//! The end-to-end layer for the helper's page: the same rounds, sealing and
//! checks as the agent (`deskmate-e2e`). Randomness comes from the page
//! (`crypto.getRandomValues`), since the crate itself has none.

use deskmate_e2e::session::E2eSession as Inner;
use deskmate_e2e::{Side, Transcript};
use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;

fn random(bytes: &[u8]) -> Result<[u8; 32], JsError> {
    bytes
        .try_into()
        .map_err(|_| JsError::new("32 random bytes are needed"))
}

/// One session's end-to-end layer.
#[wasm_bindgen]
pub struct E2eSession(Inner);

#[wasm_bindgen]
impl E2eSession {
    /// `side` is `"helper"` or `"sharer"`; `code` the whole code as shown
    /// (rendezvous and secret parts); the ids bind the exchange to this
    /// session and these two people. `unconfirmed_rounds` is what
    /// `unconfirmed_rounds` said of an earlier layer of the same session (0
    /// for a new one): the bound on guesses holds across page reloads.
    #[wasm_bindgen(constructor)]
    pub fn new(
        side: &str,
        code: &str,
        session_id: &str,
        helper_id: &str,
        sharer_id: &str,
        unconfirmed_rounds: u32,
    ) -> Result<E2eSession, JsError> {
        let side = match side {
            "helper" => Side::Helper,
            "sharer" => Side::Sharer,
            other => return Err(JsError::new(&format!("unknown side {other}"))),
        };
        Ok(E2eSession(Inner::resume(
            side,
            code,
            Transcript::new(session_id, helper_id, sharer_id),
            unconfirmed_rounds,
        )))
    }

    /// Sharer: start a round (both sides connected); returns the `e2e` data to send.
    pub fn start_round(&mut self, random32: &[u8]) -> Result<String, JsError> {
        self.0
            .start_round(random(random32)?)
            .map_err(|e| JsError::new(&e.to_string()))
    }

    /// Takes the other side's `e2e` data; returns the data to send back (an
    /// array of strings). Throws when the session must end (wrong code or
    /// interference).
    pub fn receive(&mut self, data: &str, random32: &[u8]) -> Result<Array, JsError> {
        let out = self
            .0
            .receive(data, random(random32)?)
            .map_err(|e| JsError::new(&e.to_string()))?;
        Ok(out.into_iter().map(JsValue::from).collect())
    }

    /// Rounds taken and not confirmed so far: keep it with the code.
    #[wasm_bindgen(getter)]
    pub fn unconfirmed_rounds(&self) -> u32 {
        self.0.unconfirmed_rounds()
    }

    /// Whether frames can flow.
    #[wasm_bindgen(getter)]
    pub fn ready(&self) -> bool {
        self.0.is_ready()
    }

    /// The verification string both people can compare (`"482 913"`), once ready.
    #[wasm_bindgen(getter)]
    pub fn verification(&self) -> Option<String> {
        self.0.verification().map(str::to_string)
    }

    /// A whole data frame (channel byte + sealed payload); `undefined` until ready.
    pub fn seal_frame(&mut self, channel: u8, payload: &[u8]) -> Option<Vec<u8>> {
        let sealed = self.0.seal(channel, payload)?;
        let mut frame = Vec::with_capacity(sealed.len() + 1);
        frame.push(channel);
        frame.extend_from_slice(&sealed);
        Some(frame)
    }

    /// Opens a whole data frame; returns the plain payload, or `undefined`
    /// for a frame of an earlier round (drop it). Throws when the session
    /// must end (altered, replayed, reordered).
    pub fn open_frame(&mut self, frame: &[u8]) -> Result<Option<Uint8Array>, JsError> {
        let (&channel, sealed) = frame
            .split_first()
            .ok_or_else(|| JsError::new("empty frame"))?;
        let opened = self
            .0
            .open(channel, sealed)
            .map_err(|e| JsError::new(&e.to_string()))?;
        Ok(opened.map(|p| Uint8Array::from(&p[..])))
    }

    /// Chat text sealed for a `chat` message with `sealed: true`; `undefined` until ready.
    pub fn seal_chat(&mut self, text: &str) -> Option<String> {
        self.0.seal_chat(text)
    }

    /// Opens a sealed chat message from the other side; `undefined` if it
    /// was sealed before a reconnect. Throws when the session must end.
    pub fn open_chat(&mut self, data: &str) -> Result<Option<String>, JsError> {
        self.0
            .open_chat(data)
            .map_err(|e| JsError::new(&e.to_string()))
    }
}

/// A secret part for a new code: `n` symbols of the code alphabet, from
/// random bytes (unbiased; bytes that would bias are skipped, so pass plenty).
#[wasm_bindgen]
pub fn secret_part(random: &[u8], n: usize) -> Result<String, JsError> {
    deskmate_proto::code::secret_from_random(random, n)
        .ok_or_else(|| JsError::new("not enough random bytes"))
}
