//! What a scenario measured, and how the suite writes it into benches/RESULTS.md: one table per
//! backend and size, between the markers of its generated section (the rest of the file is prose).

use std::fmt::Write as _;

/// One path's figures under load. `ceiling` names the row of the same table (backend and size)
/// this path is compared with, e.g. "GET /healthz" or "pgbench TPC-B"; the ratio is computed when
/// the table is written.
#[derive(Debug, Clone)]
pub struct Measured {
    /// What was measured, as the table shows it: "GET /v1/vouchers/{code}".
    pub path: String,
    /// Operations per second at saturation (requests, transactions or rows, as `unit` says).
    pub per_second: f64,
    pub unit: &'static str,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    /// p99 at half the saturated rate (open loop), where the issue sets a target.
    pub half_load_p99_ms: Option<f64>,
    pub ceiling: Option<&'static str>,
    /// How it was run (connections, rows), in a few words.
    pub note: String,
}

/// The rows other rows name as their ceiling, and the rows the issue sets targets for: one
/// spelling shared by the scenarios and the target table below.
pub const HEALTHZ: &str = "GET /healthz";
pub const VOUCHER_GET: &str = "GET /v1/vouchers/{code}";
pub const PURCHASE_FLOW: &str = "purchase flow (3 write transactions a checkout)";
pub const PGBENCH_SELECT: &str = "pgbench -S";
pub const PGBENCH_TPCB: &str = "pgbench TPC-B";
pub const DB_CEILING: &str = "diesel: debit + voucher insert";

/// A target of issue 11 for one row.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// per_second / the ceiling's per_second at least this.
    RatioAtLeast(f64),
    /// Half-load p99 below this many milliseconds.
    HalfLoadP99Below(f64),
}

/// The targets for `path` on `backend` ("SQLite" or "PostgreSQL").
pub fn targets(backend: &str, path: &str) -> Vec<Target> {
    let postgres = backend == "PostgreSQL";
    match path {
        VOUCHER_GET if postgres => vec![Target::RatioAtLeast(0.5), Target::HalfLoadP99Below(10.0)],
        VOUCHER_GET => vec![Target::RatioAtLeast(0.5)],
        PURCHASE_FLOW if postgres => {
            vec![Target::RatioAtLeast(0.6), Target::HalfLoadP99Below(25.0)]
        }
        _ => Vec::new(),
    }
}

/// The rows of one backend and size.
pub struct Table {
    pub backend: &'static str,
    pub size: &'static str,
    pub rows: Vec<Measured>,
}

fn ms(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.2}")).unwrap_or_default()
}

/// Thousands separated, as the prose of RESULTS.md writes figures.
fn count(v: f64) -> String {
    if v < 100.0 {
        return format!("{v:.1}");
    }
    let digits = format!("{:.0}", v);
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

impl Table {
    fn ratio(&self, m: &Measured) -> Option<f64> {
        let ceiling = self
            .rows
            .iter()
            .find(|r| Some(r.path.as_str()) == m.ceiling)?;
        (ceiling.per_second > 0.0).then(|| m.per_second / ceiling.per_second)
    }

    /// The target column and whether it is met ("yes", "no", or "?" when a figure is missing).
    fn verdict(&self, m: &Measured) -> (String, String) {
        let (mut said, mut met) = (Vec::new(), Vec::new());
        for t in targets(self.backend, &m.path) {
            match t {
                Target::RatioAtLeast(r) => {
                    said.push(format!("≥ {r:.2} of {}", m.ceiling.unwrap_or("?")));
                    met.push(self.ratio(m).map(|x| x >= r));
                }
                Target::HalfLoadP99Below(b) => {
                    said.push(format!("half-load p99 < {b:.0} ms"));
                    met.push(m.half_load_p99_ms.map(|x| x < b));
                }
            }
        }
        let met = met
            .iter()
            .map(|m| match m {
                Some(true) => "yes",
                Some(false) => "no",
                None => "?",
            })
            .collect::<Vec<_>>()
            .join("; ");
        (said.join("; "), met)
    }

    pub fn markdown(&self) -> String {
        let mut out = format!("### {}, {} size\n\n", self.backend, self.size);
        out.push_str("| path | per second | p50 ms | p99 ms | half-load p99 ms | ceiling | ratio | target | met | how |\n");
        out.push_str("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for m in &self.rows {
            let (target, met) = self.verdict(m);
            let _ = writeln!(
                out,
                "| {} | {} {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                m.path,
                count(m.per_second),
                m.unit,
                ms(m.p50_ms),
                ms(m.p99_ms),
                ms(m.half_load_p99_ms),
                m.ceiling.unwrap_or(""),
                self.ratio(m).map(|r| format!("{r:.2}")).unwrap_or_default(),
                target,
                met,
                m.note
            );
        }
        out
    }
}

/// National p99 over small p99, per backend and path, where both sizes measured it (target 1.2).
pub fn size_comparison(tables: &[Table]) -> Option<String> {
    let mut out = String::from("### National p99 / small p99 (target ≤ 1.2)\n\n");
    out.push_str("| backend | path | small p99 ms | national p99 ms | ratio | met |\n");
    out.push_str("| --- | --- | --- | --- | --- | --- |\n");
    let mut any = false;
    for national in tables.iter().filter(|t| t.size == "national") {
        let Some(small) = tables
            .iter()
            .find(|t| t.size == "small" && t.backend == national.backend)
        else {
            continue;
        };
        for n in &national.rows {
            let s = small.rows.iter().find(|s| s.path == n.path);
            if let (Some(sp), Some(np)) = (s.and_then(|s| s.p99_ms), n.p99_ms)
                && sp > 0.0
            {
                any = true;
                let r = np / sp;
                let met = if r <= 1.2 { "yes" } else { "no" };
                let _ = writeln!(
                    out,
                    "| {} | {} | {sp:.2} | {np:.2} | {r:.2} | {met} |",
                    national.backend, n.path
                );
            }
        }
    }
    any.then_some(out)
}

pub const BEGIN: &str = "<!-- suite:begin -->";
pub const END: &str = "<!-- suite:end -->";

/// `file` with the text between the markers replaced by `section`; the markers go after the
/// title when the file has none yet.
pub fn splice(file: &str, section: &str) -> String {
    let block = format!("{BEGIN}\n{section}\n{END}");
    if let (Some(b), Some(e)) = (file.find(BEGIN), file.find(END))
        && b < e
    {
        return format!("{}{block}{}", &file[..b], &file[e + END.len()..]);
    }
    match file.split_once("\n\n") {
        Some((title, rest)) => format!("{title}\n\n{block}\n\n{rest}"),
        None => format!("{file}\n\n{block}\n"),
    }
}
