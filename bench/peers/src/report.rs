//! Writes the results: `results.md` (one Markdown table of every figure,
//! Deskmate's ratio to the best peer in each row, the n/a reasons, where
//! Deskmate is behind), `results.csv` (the same figures), `latency.csv`
//! (every latency sample, for the plot) and `latency.png` (drawn by
//! `plot.py` with matplotlib).

use crate::results::{Better, Cell, Metric, Results, Scn};
use crate::systems::Kind;
use anyhow::{Context, Result};
use std::fmt::Write as _;
use std::path::Path;

/// Facts about the run for the header.
pub struct RunInfo {
    pub mode: &'static str,
    pub wall: std::time::Duration,
    pub header: Vec<String>,
}

fn fmt_num(v: f64) -> String {
    if v.is_infinite() {
        return "∞".into();
    }
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if a < 1.0 {
        format!("{v:.2}")
    } else if a < 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

/// A cell's value for comparisons (`Over` counts as infinitely late).
fn value(c: &Cell) -> Option<f64> {
    match c {
        Cell::Num(v) => Some(*v),
        Cell::Over(_) => Some(f64::INFINITY),
        Cell::Na(_) => None,
    }
}

/// Differences below this are noise, whatever the ratio.
fn epsilon(unit: &str) -> f64 {
    match unit {
        "ms" => 2.0,
        "kB" => 5.0,
        _ => 0.5,
    }
}

/// The best peer's name and value, the ratio text and the verdict.
pub struct Comparison {
    pub best: Option<(Kind, f64)>,
    pub ratio: String,
    pub verdict: &'static str,
}

pub fn compare(r: &Results, s: Scn, m: Metric) -> Comparison {
    let better = s.better(m);
    let none = Comparison {
        best: None,
        ratio: "–".into(),
        verdict: "",
    };
    if better == Better::Neither {
        return none;
    }
    let Some(dm) = value(&r.get(s, m, Kind::Deskmate)) else {
        return none;
    };
    // A peer that did not do the scenario's job (no latency: it never
    // showed the input) is no yardstick for what the job costs.
    let delivered = |k: &Kind| {
        !s.metrics().contains(&Metric::P50) || value(&r.get(s, Metric::P50, *k)).is_some()
    };
    let peers: Vec<(Kind, f64)> = r
        .systems
        .iter()
        .filter(|k| **k != Kind::Deskmate && delivered(k))
        .filter_map(|k| value(&r.get(s, m, *k)).map(|v| (*k, v)))
        .collect();
    let pick = peers.iter().copied().reduce(|a, b| match better {
        Better::Higher if b.1 > a.1 => b,
        Better::Lower if b.1 < a.1 => b,
        _ => a,
    });
    let Some((kind, best)) = pick else {
        return none;
    };
    let eps = epsilon(m.unit());
    let (worse, ahead) = match better {
        Better::Lower => (dm - best, best - dm),
        _ => (best - dm, dm - best),
    };
    let verdict = if dm == best || (worse.abs() <= eps && ahead.abs() <= eps) {
        "par"
    } else if worse > eps
        && (dm.is_infinite() || best.is_infinite() || worse > 0.1 * best.abs().max(dm.abs()))
    {
        "behind"
    } else if ahead > eps
        && (dm.is_infinite() || best.is_infinite() || ahead > 0.1 * best.abs().max(dm.abs()))
    {
        "ahead"
    } else {
        "par"
    };
    let ratio = if dm == best {
        "1.00×".to_string()
    } else if best == 0.0 || best.is_infinite() || dm.is_infinite() {
        match (dm.is_infinite(), best.is_infinite()) {
            (true, false) => "∞".into(),
            (false, true) => "0×".into(),
            _ => "∞".into(),
        }
    } else {
        format!("{:.2}×", dm / best)
    };
    Comparison {
        best: Some((kind, best)),
        ratio,
        verdict,
    }
}

struct Footnotes(Vec<String>);

impl Footnotes {
    fn mark(&mut self, why: &str) -> usize {
        if let Some(i) = self.0.iter().position(|w| w == why) {
            return i + 1;
        }
        self.0.push(why.to_string());
        self.0.len()
    }
}

fn show(c: &Cell, notes: &mut Footnotes) -> String {
    match c {
        Cell::Num(v) => fmt_num(*v),
        Cell::Over(limit) => format!("> {}", fmt_num(*limit)),
        Cell::Na(why) => format!("n/a [{}]", notes.mark(why)),
    }
}

fn csv_cell(c: &Cell) -> String {
    match c {
        Cell::Num(v) if v.is_infinite() => "inf".into(),
        Cell::Num(v) => format!("{v}"),
        Cell::Over(limit) => format!(">{limit}"),
        Cell::Na(why) => format!("n/a: {}", why.replace(['"', '\n'], "'")),
    }
}

fn csv_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "'"))
}

/// Writes results.md, results.csv and latency.csv into `out`, then the plot.
pub fn write(r: &Results, info: &RunInfo, out: &Path) -> Result<String> {
    std::fs::create_dir_all(out).with_context(|| format!("create {}", out.display()))?;
    let mut md = String::new();
    let mut csv = String::from("scenario,metric,unit,better");
    for k in &r.systems {
        let _ = write!(csv, ",{}", csv_quote(k.label()));
    }
    csv.push_str(",best_peer,best_peer_value,deskmate_to_best_peer,verdict\n");
    let _ = writeln!(
        md,
        "# Deskmate and its peers ({} run, {:.0} s)\n",
        info.mode,
        info.wall.as_secs_f64()
    );
    for line in &info.header {
        let _ = writeln!(md, "{line}");
    }
    let _ = write!(md, "\n| Scenario | Metric | Unit |");
    for k in &r.systems {
        let _ = write!(md, " {} |", k.label());
    }
    let _ = writeln!(md, " Best peer | Deskmate ÷ best peer |");
    let _ = write!(md, "|---|---|---|");
    for _ in &r.systems {
        let _ = write!(md, "---:|");
    }
    let _ = writeln!(md, "---|---|");
    let mut notes = Footnotes(Vec::new());
    let mut behind = Vec::new();
    let mut ahead = 0;
    let mut compared = 0;
    for s in Scn::ALL {
        let title = r
            .titles
            .get(&s)
            .cloned()
            .unwrap_or_else(|| format!("{s:?}"));
        for (i, m) in s.metrics().into_iter().enumerate() {
            let _ = write!(
                md,
                "| {} | {} | {} |",
                if i == 0 { title.as_str() } else { "" },
                m.label(),
                m.unit()
            );
            let _ = write!(
                csv,
                "{},{},{},{:?}",
                csv_quote(&title),
                csv_quote(m.label()),
                m.unit(),
                s.better(m)
            );
            for k in &r.systems {
                let c = r.get(s, m, *k);
                let _ = write!(md, " {} |", show(&c, &mut notes));
                let _ = write!(csv, ",{}", csv_quote(&csv_cell(&c)));
            }
            let cmp = compare(r, s, m);
            let best = cmp
                .best
                .map_or("–".to_string(), |(k, _)| k.label().to_string());
            let verdict = match cmp.verdict {
                "behind" => " **behind**".to_string(),
                "" => String::new(),
                v => format!(" {v}"),
            };
            let _ = writeln!(md, " {best} | {}{verdict} |", cmp.ratio);
            let _ = writeln!(
                csv,
                ",{},{},{},{}",
                csv_quote(&best),
                cmp.best.map_or(String::new(), |(_, v)| format!("{v}")),
                cmp.ratio,
                cmp.verdict
            );
            if !cmp.verdict.is_empty() {
                compared += 1;
            }
            if cmp.verdict == "ahead" {
                ahead += 1;
            }
            if cmp.verdict == "behind"
                && let Some((k, v)) = cmp.best
            {
                behind.push(format!(
                    "{title} — {}: Deskmate {} vs {} {} {}",
                    m.label(),
                    show(&r.get(s, m, Kind::Deskmate), &mut Footnotes(Vec::new())),
                    k.label(),
                    fmt_num(v),
                    m.unit()
                ));
            }
        }
    }
    if !notes.0.is_empty() {
        let _ = writeln!(md, "\nn/a:\n");
        for (i, why) in notes.0.iter().enumerate() {
            let _ = writeln!(md, "{}. {why}", i + 1);
        }
    }
    let _ = writeln!(
        md,
        "\nCompared rows: {compared}; Deskmate ahead of the best peer in {ahead}, behind in {}, on par in the rest \
         (\"behind\"/\"ahead\": more than 10 % and more than the noise floor of the unit apart).",
        behind.len()
    );
    if !behind.is_empty() {
        let _ = writeln!(md, "\n### Where Deskmate is behind the best peer\n");
        for b in &behind {
            let _ = writeln!(md, "- {b}");
        }
    }
    if !r.notes.is_empty() {
        let _ = writeln!(md, "\n### Notes\n");
        for n in &r.notes {
            let _ = writeln!(md, "- {n}");
        }
    }
    let _ = writeln!(
        md,
        "\n![Latency distributions](latency.png)\n\nHow to read this: [bench/peers/README.md](../README.md)."
    );
    let mut lat = String::from("scenario,system,latency_ms\n");
    for (s, k, samples) in &r.latencies {
        let title = r.titles.get(s).cloned().unwrap_or_default();
        for v in samples {
            let _ = writeln!(lat, "{},{},{v:.3}", csv_quote(&title), csv_quote(k.label()));
        }
    }
    std::fs::write(out.join("results.md"), &md).context("write results.md")?;
    std::fs::write(out.join("results.csv"), &csv).context("write results.csv")?;
    std::fs::write(out.join("latency.csv"), &lat).context("write latency.csv")?;
    Ok(md)
}

/// Draws `latency.png` from `latency.csv` with `plot.py` (Debian's python3
/// and python3-matplotlib).
pub fn plot(out: &Path) -> Result<()> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("plot.py");
    let python = if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    };
    let status = std::process::Command::new(python)
        .arg(&script)
        .arg(out.join("latency.csv"))
        .arg(out.join("latency.png"))
        .status()
        .with_context(|| format!("run {} {}", python, script.display()))?;
    if !status.success() {
        anyhow::bail!("plot.py failed ({status})");
    }
    Ok(())
}
