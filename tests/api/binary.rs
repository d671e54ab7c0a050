//! The real `prakerja-api` binary as a child process: started on a test's database with the same
//! keys as the in-process server, its JSON log lines captured, killed with SIGKILL when a test
//! wants a crash.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use prakerja_api::config::Config;

use crate::helpers::Http;

pub struct Binary {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    pub http: Http,
}

/// The variables that give a child process the keys of `Config::for_tests`.
pub fn test_keys() -> Vec<(String, String)> {
    let keys = Config::for_tests("sqlite://unused").keys;
    let b64 = |k: &[u8; 32]| base64::engine::general_purpose::STANDARD.encode(k);
    let data = keys
        .data_keys
        .iter()
        .map(|(id, k)| format!("{id}:{}", b64(k.expose())))
        .collect::<Vec<_>>()
        .join(",");
    vec![
        ("PRAKERJA_DATA_KEYS".into(), data),
        ("PRAKERJA_DATA_KEY_ID".into(), keys.data_key_id),
        ("PRAKERJA_INDEX_KEY".into(), b64(keys.index_key.expose())),
    ]
}

/// A command for the binary on `database_url`, with the test keys and nothing else inherited.
pub fn command(database_url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_prakerja-api"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .envs(test_keys());
    cmd
}

impl Binary {
    /// Serves on `database_url` (on a free port) with `env` added; waits until it listens.
    pub fn serve(database_url: &str, env: &[(&str, &str)]) -> Binary {
        let mut child = command(database_url)
            .env("PRAKERJA_BIND", "127.0.0.1:0")
            .env("PRAKERJA_LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        for stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let lines = lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    lines.lock().expect("lock").push(line);
                }
            });
        }
        let started = Instant::now();
        let address = loop {
            let found = lines.lock().expect("lock").iter().find_map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).ok()?;
                v["fields"]["public_url"].as_str().map(String::from)
            });
            if let Some(a) = found {
                break a;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "the binary exited ({status}): {:?}",
                    lines.lock().expect("lock")
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the binary did not start: {:?}",
                lines.lock().expect("lock")
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        Binary {
            child,
            lines,
            http: Http::new(address),
        }
    }

    /// Every line it has written so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().expect("lock").clone()
    }

    /// The lines once one matches `found` (or after 10 s): the child's output reaches the reader
    /// thread a little after the response that caused it.
    pub async fn lines_when(&self, found: impl Fn(&str) -> bool) -> Vec<String> {
        for _ in 0..100 {
            let lines = self.lines();
            if lines.iter().any(|l| found(l)) {
                return lines;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        self.lines()
    }

    /// SIGKILL: no shutdown, no cleanup, as in a crash.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
