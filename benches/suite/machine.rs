//! The machine a run measured: cores, memory, CPU model, PostgreSQL's version, and the load
//! average before and after (the machine is shared; a figure means little without it).

use std::time::Duration;

use diesel::{Connection, RunQueryDsl};

pub struct Machine {
    pub load: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

impl Machine {
    pub fn now() -> Self {
        let load = std::fs::read_to_string("/proc/loadavg")
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(", "))
            .unwrap_or_else(|_| "?".into());
        Self {
            load,
            at: chrono::Utc::now(),
        }
    }
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).trim().to_string())
        })
        .unwrap_or_else(|| "?".into())
}

fn memory_gib() -> String {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            let kib: f64 = s
                .lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))?
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .ok()?;
            Some(format!("{:.1} GiB", kib / 1024.0 / 1024.0))
        })
        .unwrap_or_else(|| "?".into())
}

fn postgres_version() -> String {
    let url = crate::support::postgres_admin_url();
    diesel::PgConnection::establish(&url)
        .ok()
        .and_then(|mut c| {
            diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(
                "current_setting('server_version')",
            ))
            .get_result::<String>(&mut c)
            .ok()
        })
        .unwrap_or_else(|| "not reachable".into())
}

/// The generated section's opening: when, what command, on what, under what load.
pub fn header(command: &str, before: &Machine, after: &Machine, wall: Duration) -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "## The suite: `cargo bench --bench suite` (generated)\n\n\
         This section is written by the suite; do not edit it by hand.\n\n\
         - run: {} to {} UTC, {:.0} s wall time\n\
         - command: `{command}`\n\
         - machine: {cores} cores ({}), {} memory, PostgreSQL {}; the server, the load \
         generators and PostgreSQL share these cores\n\
         - load average (1, 5, 15 min) before: {}; after: {}\n",
        before.at.format("%Y-%m-%d %H:%M"),
        after.at.format("%H:%M"),
        wall.as_secs_f64(),
        cpu_model(),
        memory_gib(),
        postgres_version(),
        before.load,
        after.load,
    )
}
