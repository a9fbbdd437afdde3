//! The figures of a run: a fixed list of rows (scenario × metric, with a
//! unit and which direction is better), one cell per row and system (a
//! measured number, a number beyond a limit, or an explained n/a), the
//! latency samples for the plot, and notes.

use crate::systems::Kind;
use std::collections::HashMap;

/// The scenarios, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scn {
    Idle,
    Typing,
    ScrollTerm,
    ScrollWeb,
    Drag,
    Motion,
    Cursor,
    Connect,
    Constrained,
}

/// The metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    Wire,
    Updates,
    Shown,
    P50,
    P95,
    P99,
    CpuSharer,
    CpuServer,
    CpuViewer,
    CpuX,
    Psnr,
    Identical,
    Local,
    Other,
    Connect,
    ConnectBytes,
    Recovery,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Lower,
    Higher,
    /// Context only; no ratio.
    Neither,
}

impl Metric {
    pub fn label(self) -> &'static str {
        match self {
            Metric::Wire => "bytes on the wire (veth, both directions)",
            Metric::Updates => "updates/s seen by the viewer",
            Metric::Shown => "input states shown/s (distinct keystrokes, lines, frames, positions)",
            Metric::P50 => "input → pixel latency p50",
            Metric::P95 => "input → pixel latency p95",
            Metric::P99 => "input → pixel latency p99",
            Metric::CpuSharer => "CPU sharer",
            Metric::CpuServer => "CPU server (relay)",
            Metric::CpuViewer => "CPU viewer",
            Metric::CpuX => "CPU Xvfb",
            Metric::Psnr => "PSNR at the end",
            Metric::Identical => "end of input → identical to the source (> : not within)",
            Metric::Local => "XTest → pixels in Xvfb (local, no remote) p50",
            Metric::Other => "other load on the machine",
            Metric::Connect => "connect → first full frame",
            Metric::ConnectBytes => "bytes on the wire to the first full frame",
            Metric::Recovery => "1 s link cut: link back → change made during the cut shown",
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            Metric::Wire => "kB/s",
            Metric::Updates | Metric::Shown => "1/s",
            Metric::P50 | Metric::P95 | Metric::P99 | Metric::Local => "ms",
            Metric::Identical | Metric::Connect | Metric::Recovery => "ms",
            Metric::CpuSharer | Metric::CpuServer | Metric::CpuViewer | Metric::CpuX => "% core",
            Metric::Other => "% core",
            Metric::Psnr => "dB",
            Metric::ConnectBytes => "kB",
        }
    }
}

impl Scn {
    pub const ALL: [Scn; 9] = [
        Scn::Idle,
        Scn::Typing,
        Scn::ScrollTerm,
        Scn::ScrollWeb,
        Scn::Drag,
        Scn::Motion,
        Scn::Cursor,
        Scn::Connect,
        Scn::Constrained,
    ];

    /// Which metrics the scenario reports (latency only where there is input).
    pub fn metrics(self) -> Vec<Metric> {
        use Metric::*;
        let activity = vec![
            Wire, Updates, Shown, P50, P95, P99, CpuSharer, CpuServer, CpuViewer, CpuX, Psnr,
            Identical, Other,
        ];
        match self {
            Scn::Idle => vec![
                Wire, Updates, CpuSharer, CpuServer, CpuViewer, CpuX, Psnr, Identical, Other,
            ],
            Scn::Typing => {
                let mut m = activity;
                m.insert(6, Local);
                m
            }
            Scn::Connect => vec![Connect, ConnectBytes, Recovery],
            Scn::Constrained => vec![
                Connect,
                ConnectBytes,
                Wire,
                Updates,
                Shown,
                P50,
                P95,
                P99,
                Recovery,
            ],
            _ => activity,
        }
    }

    pub fn better(self, m: Metric) -> Better {
        match m {
            Metric::Local | Metric::Other => Better::Neither,
            Metric::Psnr => Better::Higher,
            Metric::Updates if self == Scn::Idle => Better::Lower,
            // Servers split or merge updates differently: context only.
            Metric::Updates => Better::Neither,
            Metric::Shown => Better::Higher,
            _ => Better::Lower,
        }
    }
}

/// One cell.
#[derive(Debug, Clone)]
pub enum Cell {
    Num(f64),
    /// Not reached within this many ms.
    Over(f64),
    Na(String),
}

/// Everything measured.
pub struct Results {
    pub systems: Vec<Kind>,
    pub titles: HashMap<Scn, String>,
    pub cells: HashMap<(Scn, Metric, Kind), Cell>,
    /// (scenario, system, latency samples in ms).
    pub latencies: Vec<(Scn, Kind, Vec<f64>)>,
    /// Why a scenario could not run for a system.
    pub failures: HashMap<(Scn, Kind), String>,
    pub notes: Vec<String>,
}

impl Results {
    pub fn new(systems: Vec<Kind>) -> Self {
        Self {
            systems,
            titles: HashMap::new(),
            cells: HashMap::new(),
            latencies: Vec::new(),
            failures: HashMap::new(),
            notes: Vec::new(),
        }
    }

    pub fn title(&mut self, s: Scn, title: String) {
        self.titles.insert(s, title);
    }

    /// Sets a cell (ignored if the scenario has no such row).
    pub fn set(&mut self, s: Scn, m: Metric, k: Kind, c: Cell) {
        if s.metrics().contains(&m) {
            self.cells.insert((s, m, k), c);
        }
    }

    pub fn num(&mut self, s: Scn, m: Metric, k: Kind, v: f64) {
        self.set(s, m, k, Cell::Num(v));
    }

    pub fn na(&mut self, s: Scn, m: Metric, k: Kind, why: &str) {
        self.set(s, m, k, Cell::Na(why.to_string()));
    }

    pub fn failed(&mut self, s: Scn, k: Kind, why: String) {
        self.failures.insert((s, k), why);
    }

    /// The cell, or an n/a saying why it is missing.
    pub fn get(&self, s: Scn, m: Metric, k: Kind) -> Cell {
        if let Some(c) = self.cells.get(&(s, m, k)) {
            return c.clone();
        }
        match self.failures.get(&(s, k)) {
            Some(why) => Cell::Na(format!("the scenario failed: {why}")),
            None => Cell::Na("not measured (an earlier step of this system failed)".into()),
        }
    }
}
