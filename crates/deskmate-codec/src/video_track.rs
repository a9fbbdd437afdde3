//! The screen encoder's video state: when a video rectangle starts, grows
//! or ends, its encoder session, and which area the viewer shows lossy
//! and must get again as lossless tiles.
//!
//! Life of a rectangle: the motion detector finds a region in steady
//! motion → a session starts (a new video encoder, a keyframe first) and
//! tiles inside it are no longer sent losslessly → every update in which
//! something inside changed carries one picture → after [`QUIET`] without
//! a change the session ends, and that update repaints the rectangle
//! losslessly. Motion spreading beyond the rectangle starts a new, larger
//! session; motion resuming in the same place soon after (a video that
//! paused, a busy machine that stalled the player) restarts at once. An encoder that fails ends its session the same way and video
//! pauses for a while; the screen stays right, only more expensive.

use crate::frame::{Frame, Rect};
use crate::motion::{MotionDetector, contains, snap, union};
use crate::video::{VIDEO_FLAG_KEYFRAME, coded_size};
use crate::video_encoder::{I420, VideoEncoder, VideoEncoderFactory};
use crate::wire::Kind;
use std::time::{Duration, Instant};

/// How long a rectangle may stay unchanged before it is made lossless again.
pub const QUIET: Duration = Duration::from_millis(80);
/// How long after a session ended motion in its rectangle restarts it at once.
const RESUME_WITHIN: Duration = Duration::from_secs(3);
/// How long video stays off after an encoder failed.
const PAUSE_AFTER_ERROR: Duration = Duration::from_secs(5);

struct Session {
    rect: Rect,
    encoder: Box<dyn VideoEncoder>,
    keyframe_due: bool,
}

/// See the module documentation.
pub(crate) struct VideoTrack {
    factory: Option<VideoEncoderFactory>,
    pub(crate) detector: MotionDetector,
    session: Option<Session>,
    /// The area the viewer shows from video, to repaint losslessly.
    lossy: Option<Rect>,
    last_motion: Instant,
    paused_until: Option<Instant>,
    /// The rectangle of the session that ended last, and when.
    recent: Option<(Rect, Instant)>,
    picture: I420,
    /// The last encoder failure, for diagnostics.
    pub(crate) last_error: Option<String>,
}

impl VideoTrack {
    /// Video through `factory`, or none.
    pub(crate) fn new(factory: Option<VideoEncoderFactory>) -> Self {
        Self {
            factory,
            detector: MotionDetector::new(0, 0),
            session: None,
            lossy: None,
            last_motion: Instant::now(),
            paused_until: None,
            recent: None,
            picture: I420::default(),
            last_error: None,
        }
    }

    /// The screen changed size: everything starts over.
    pub(crate) fn resize(&mut self, width: u32, height: u32) {
        self.detector = MotionDetector::new(width, height);
        self.session = None;
        self.lossy = None;
        self.recent = None;
    }

    /// A screen keyframe is being sent: the viewer's video stream restarts
    /// (a running session sends a keyframe); everything else in it is lossless.
    pub(crate) fn keyframe(&mut self) {
        match &mut self.session {
            Some(s) => {
                s.keyframe_due = true;
                self.lossy = Some(s.rect);
            }
            None => self.lossy = None,
        }
    }

    /// The running session's rectangle once it has had no change for
    /// [`QUIET`]: if this update leaves it unchanged too, the session ends.
    pub(crate) fn quiet_rect(&self, now: Instant) -> Option<Rect> {
        self.session
            .as_ref()
            .filter(|_| now.duration_since(self.last_motion) >= QUIET)
            .map(|s| s.rect)
    }

    /// Starts an update: ends the session when it has been quiet long enough
    /// and `still` (nothing in it changed in this update either; updates
    /// further apart than [`QUIET`] do not end a session that still moves).
    /// Returns the area this update must repaint losslessly.
    pub(crate) fn begin(&mut self, now: Instant, still: bool) -> Option<Rect> {
        self.detector.next_update();
        if let Some(s) = &self.session
            && still
            && now.duration_since(self.last_motion) >= QUIET
        {
            self.recent = Some((s.rect, now));
            self.session = None;
            // The motion is over: no video again until it has been seen anew.
            self.detector.clear();
        }
        if self.session.is_none() {
            return self.lossy.take();
        }
        None
    }

    /// The rectangle sent as video in this update.
    pub(crate) fn active(&self) -> Option<Rect> {
        self.session.as_ref().map(|s| s.rect)
    }

    /// Whether the viewer shows (or is about to show) anything lossy: copies
    /// from its screen would then copy lossy pixels.
    pub(crate) fn busy(&self) -> bool {
        self.session.is_some() || self.lossy.is_some()
    }

    /// When the encoder must run even without new damage: to end a quiet
    /// session or to repaint a lossy area.
    pub(crate) fn wake_at(&self) -> Option<Instant> {
        if self.session.is_some() {
            Some(self.last_motion + QUIET)
        } else if self.lossy.is_some() {
            Some(self.last_motion)
        } else {
            None
        }
    }

    /// Ends the update: appends the picture of the video rectangle when
    /// something in it `changed`, then starts or grows a session for the
    /// motion seen. Returns whether a rectangle was appended.
    pub(crate) fn finish(
        &mut self,
        frame: &Frame,
        changed: bool,
        now: Instant,
        out: &mut Vec<u8>,
    ) -> bool {
        let mut appended = false;
        if let Some(s) = &mut self.session
            && (changed || s.keyframe_due)
        {
            self.picture.fill(frame, s.rect);
            match s.encoder.encode(&self.picture, s.keyframe_due) {
                Ok(p) if p.keyframe || !s.keyframe_due => {
                    let flags = if p.keyframe { VIDEO_FLAG_KEYFRAME } else { 0 };
                    for v in [s.rect.x, s.rect.y, s.rect.w, s.rect.h] {
                        out.extend_from_slice(&(v as u16).to_le_bytes());
                    }
                    out.push(Kind::Video as u8);
                    out.extend_from_slice(&((p.data.len() + 2) as u32).to_le_bytes());
                    out.push(s.encoder.codec() as u8);
                    out.push(flags);
                    out.extend_from_slice(&p.data);
                    s.keyframe_due = false;
                    appended = true;
                    if changed {
                        self.last_motion = now;
                    }
                }
                result => {
                    let why = match result {
                        Err(e) => e.to_string(),
                        Ok(_) => "the encoder did not start a new stream when asked".into(),
                    };
                    self.fail(why, now);
                }
            }
        }
        if self.paused_until.is_some_and(|until| now < until) {
            return appended;
        }
        if self.session.is_none()
            && let Some((rect, ended)) = self.recent
            && now.duration_since(ended) < RESUME_WITHIN
            && rect.fits(frame.width, frame.height)
            && self.detector.busy_in(rect)
        {
            self.start(rect, frame, now);
            return appended;
        }
        if let Some(region) = self.detector.moving_region() {
            match self.active() {
                None => self.start(region, frame, now),
                Some(rect) if !contains(rect, region) => {
                    let grown = snap(union(rect, region), frame.width, frame.height);
                    self.start(grown, frame, now);
                }
                Some(_) => {}
            }
        }
        appended
    }

    /// Starts a session for `rect` from the next update on.
    fn start(&mut self, rect: Rect, frame: &Frame, now: Instant) {
        let Some(factory) = &self.factory else {
            return;
        };
        if rect.w == 0 || rect.h == 0 || !rect.fits(frame.width, frame.height) {
            return;
        }
        let (cw, ch) = coded_size(rect.w, rect.h);
        match factory(cw, ch) {
            Ok(encoder) => {
                self.session = Some(Session {
                    rect,
                    encoder,
                    keyframe_due: true,
                });
                self.lossy = Some(self.lossy.map_or(rect, |l| union(l, rect)));
                self.last_motion = now;
            }
            Err(e) => self.fail(e.to_string(), now),
        }
    }

    /// The encoder failed: the session ends, its area is repainted
    /// losslessly, and video pauses.
    fn fail(&mut self, why: String, now: Instant) {
        if let Some(s) = self.session.take() {
            self.lossy = Some(self.lossy.map_or(s.rect, |l| union(l, s.rect)));
        }
        self.last_error = Some(why);
        self.paused_until = Some(now + PAUSE_AFTER_ERROR);
        self.detector.clear();
    }
}
