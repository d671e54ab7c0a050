//! wrk, the outside load generator: `wrk -t2 -c32 -d<s>s --latency`, its figures read back from
//! its report. Being another process (C, epoll), it costs the server's cores far less than a
//! reqwest client in the bench process would.

use std::process::Command;

/// What one wrk run reported.
pub struct WrkRun {
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Answers other than 2xx or 3xx (wrk counts them and carries on).
    pub non_2xx: u64,
}

/// A wrk latency like `535.00us`, `2.29ms` or `1.01s`, in milliseconds.
fn latency_ms(s: &str) -> Option<f64> {
    let (number, factor) = if let Some(v) = s.strip_suffix("us") {
        (v, 0.001)
    } else if let Some(v) = s.strip_suffix("ms") {
        (v, 1.0)
    } else if let Some(v) = s.strip_suffix('s') {
        (v, 1000.0)
    } else if let Some(v) = s.strip_suffix('m') {
        (v, 60_000.0)
    } else {
        return None;
    };
    number.parse::<f64>().ok().map(|n| n * factor)
}

fn parse(out: &str) -> Result<WrkRun, String> {
    let field = |prefix: &str| {
        out.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .map(str::trim)
    };
    let per_second = field("Requests/sec:")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("no Requests/sec in wrk's output:\n{out}"))?;
    let p = |q: &str| {
        field(q)
            .and_then(latency_ms)
            .ok_or_else(|| format!("no {q} latency in wrk's output:\n{out}"))
    };
    Ok(WrkRun {
        per_second,
        p50_ms: p("50%")?,
        p99_ms: p("99%")?,
        non_2xx: field("Non-2xx or 3xx responses:")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
    })
}

/// Runs wrk against `url` for `seconds`, with `script` (Lua) if given.
pub fn run(url: &str, seconds: u64, script: Option<&std::path::Path>) -> Result<WrkRun, String> {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t2", "-c32", &format!("-d{seconds}s"), "--latency"]);
    if let Some(script) = script {
        cmd.arg("-s").arg(script);
    }
    let out = cmd
        .arg(url)
        .output()
        .map_err(|e| format!("wrk could not be started (is it installed?): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "wrk failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    parse(&String::from_utf8_lossy(&out.stdout))
}

/// A wrk script sending `GET paths[i]` round-robin with `Authorization: Bearer token`, in a temp
/// file that lives as long as the value.
pub fn round_robin_script(
    token: &str,
    paths: &[String],
) -> Result<tempfile::NamedTempFile, String> {
    use std::io::Write;
    let list = paths
        .iter()
        .map(|p| format!("{p:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let lua = format!(
        "local paths = {{ {list} }}\n\
         local i = 0\n\
         request = function()\n\
         \x20 i = i + 1\n\
         \x20 return wrk.format(\"GET\", paths[(i % #paths) + 1], {{ [\"Authorization\"] = \"Bearer {token}\" }})\n\
         end\n"
    );
    let mut file = tempfile::NamedTempFile::new().map_err(|e| format!("temp file: {e}"))?;
    file.write_all(lua.as_bytes())
        .map_err(|e| format!("wrk script: {e}"))?;
    Ok(file)
}
