//! Headless Chromium for black-box checks of pages: `Chromium::find()` locates the binary
//! (`$CHROMIUM`, else `chromium` or `chromium-browser` on PATH), `load()` renders a URL with
//! `--dump-dom` and records its network log, under a temp profile and a timeout.
//!
//! Every host name resolves to nothing except the ones a caller maps to 127.0.0.1
//! (`--host-resolver-rules`), so a load never reaches the internet; the network log still
//! records each request the page tried, which is what `Page::requests` reads.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Longest a page load may take in real time before Chromium is killed and the test fails.
const TIMEOUT: Duration = Duration::from_secs(90);
/// Virtual time Chromium lets pass before dumping the DOM: scripts run and fetches complete
/// within it (virtual time waits for pending network loads), so a page that fetches its content
/// has rendered it.
const VIRTUAL_TIME_BUDGET_MS: u32 = 15_000;

pub struct Chromium {
    binary: PathBuf,
}

/// A rendered page: its DOM after scripts ran, and the URLs of the requests it made.
pub struct Page {
    pub dom: String,
    pub requests: Vec<String>,
}

impl Chromium {
    /// The Chromium to use, or `None` when none is installed and the caller may skip. With
    /// `CI=true` a missing Chromium panics instead: CI must run the browser checks.
    pub fn find(test: &str) -> Option<Chromium> {
        let found = match std::env::var_os("CHROMIUM") {
            Some(path) if !path.is_empty() => Some(PathBuf::from(path)),
            _ => ["chromium", "chromium-browser"]
                .iter()
                .find_map(|name| on_path(name)),
        };
        if found.is_none() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{test}: no Chromium found ($CHROMIUM, chromium, chromium-browser) and CI=true: \
                 CI must run the browser check (.ci/run installs Debian's `chromium`)"
            );
            // Straight to stderr, past the test harness's capture, so the skip shows in a plain
            // `cargo test`.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test}: no Chromium found ($CHROMIUM, chromium or chromium-browser on PATH); \
                 install it (`apt-get install chromium`) to run the browser check"
            );
        }
        found.map(|binary| Chromium { binary })
    }

    /// Renders `url`, with each of `hosts` resolving to 127.0.0.1 and every other name to nothing.
    pub fn load(&self, url: &str, hosts: &[&str]) -> Page {
        let dir = tempfile::tempdir().expect("temp dir");
        let netlog = dir.path().join("netlog.json");
        let dom = dir.path().join("dom.html");
        let stderr = dir.path().join("stderr.txt");
        let mut rules: Vec<String> = hosts.iter().map(|h| format!("MAP {h} 127.0.0.1")).collect();
        rules.push("MAP * ~NOTFOUND".into());
        rules.push("EXCLUDE 127.0.0.1".into());
        let mut command = Command::new(&self.binary);
        command
            .args([
                "--headless",
                // Tests run as root in CI, where Chromium refuses to start with its sandbox.
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-proxy-server",
            ])
            .arg(format!(
                "--user-data-dir={}",
                dir.path().join("profile").display()
            ))
            .arg(format!("--host-resolver-rules={}", rules.join(", ")))
            .arg(format!("--log-net-log={}", netlog.display()))
            .arg(format!("--virtual-time-budget={VIRTUAL_TIME_BUDGET_MS}"))
            .arg("--dump-dom")
            .arg(url)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&dom).expect("dom file"))
            .stderr(std::fs::File::create(&stderr).expect("stderr file"));
        // Its own process group, so a hung browser goes with all its helper processes.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.binary.display()));
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for chromium") {
                break Some(status);
            }
            if started.elapsed() > TIMEOUT {
                break None;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let log = || std::fs::read_to_string(&stderr).unwrap_or_default();
        let Some(status) = status else {
            // Not yet reaped, so the group id is still this browser's.
            kill_group(child.id());
            let _ = child.wait();
            panic!(
                "chromium did not finish {url} within {TIMEOUT:?}; stderr:\n{}",
                tail(&log())
            );
        };
        assert!(
            status.success(),
            "chromium failed on {url} ({status}); stderr:\n{}",
            tail(&log())
        );
        Page {
            dom: std::fs::read_to_string(&dom).expect("dom dump"),
            requests: page_requests(&netlog),
        }
    }
}

impl Page {
    /// The requests whose host is none of `hosts` (data: and blob: URLs have none and stay home).
    pub fn requests_beyond(&self, hosts: &[&str]) -> Vec<&str> {
        self.requests
            .iter()
            .filter(|url| {
                let parsed = reqwest::Url::parse(url);
                let local = parsed.as_ref().is_ok_and(|u| {
                    matches!(u.scheme(), "data" | "blob")
                        || u.host_str().is_some_and(|h| hosts.contains(&h))
                });
                !local
            })
            .map(String::as_str)
            .collect()
    }
}

/// The URLs the page asked for, from the network log: its navigations, and each request that
/// names the page (or a frame of it) as initiator. Chromium's own traffic (update checks,
/// account and autofill look-ups) names no origin; the host rules keep it home anyway.
fn page_requests(netlog: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(netlog).expect("chromium wrote its network log");
    let log: Value = serde_json::from_str(&text).expect("network log is JSON");
    let start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
        .as_u64()
        .expect("network log names URL_REQUEST_START_JOB");
    let events = log["events"].as_array().expect("network log has events");
    let mut urls: Vec<String> = events
        .iter()
        .filter(|e| e["type"].as_u64() == Some(start_job))
        .map(|e| &e["params"])
        .filter(|p| {
            let frame = matches!(p["request_type"].as_str(), Some("main frame" | "sub frame"));
            let by_page = p["initiator"]
                .as_str()
                .is_some_and(|i| i != "not an origin");
            frame || by_page
        })
        .filter_map(|p| p["url"].as_str().map(str::to_string))
        .collect();
    urls.sort();
    urls.dedup();
    urls
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

fn kill_group(pid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pid}")])
        .stderr(Stdio::null())
        .status();
}

fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}
