//! What one backend and size's run shares: its database, the server on it, the sandbox partners'
//! tokens, one approved course, and the holders and vouchers the scenarios set up (untimed) and
//! hand on: the purchase's vouchers are the ones the voucher GET reads and redeem redeems, and
//! the redeemed ones are what the bulk completion reports. A scenario run alone (`BENCH_ONLY`)
//! tops up what it needs itself.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::{Backend, BenchDatabase, Client};

/// Concurrent HTTP clients for set-up work (registrations, purchases).
const SETUP_WORKERS: usize = 8;

pub struct Ctx {
    pub backend: Backend,
    /// Duration of each timed load.
    pub seconds: u64,
    pub db: BenchDatabase,
    pub client: Arc<Client>,
    pub rt: tokio::runtime::Runtime,
    pub admin: String,
    pub platform: String,
    pub lpk: String,
    pub course: String,
    /// Holder numbers handed out so far (each registration needs a unique NIK, KK and phone).
    next_holder: usize,
    /// Bought vouchers not redeemed yet: (code, card number).
    pub bought: Vec<(String, String)>,
    /// Redeemed vouchers no completion was reported for yet.
    pub redeemed: Vec<String>,
    /// Payments the seed left due today (national size only; a small database has none).
    pub due: usize,
}

/// One checkout's timed steps, and the untimed OTP read between them.
pub struct Checkout {
    pub validation: Duration,
    pub verify: Duration,
    pub voucher: Duration,
    pub otp_read: Duration,
    pub code: String,
}

/// Validation (pre-checks, OTP SMS), the OTP from the sandbox outbox, verification, purchase.
pub async fn checkout(
    c: &Client,
    platform: &str,
    course: &str,
    (card, phone): &(String, String),
    order: &str,
) -> Result<Checkout, String> {
    let t = Instant::now();
    let (s, v) = c
        .post(
            platform,
            "/v1/card-validations",
            json!({"card_number": card, "course_code": course}),
        )
        .await;
    let validation = t.elapsed();
    if s != 201 {
        return Err(format!("validation: {s} {v}"));
    }
    let id = v["id"].as_str().unwrap_or_default().to_string();
    let t = Instant::now();
    let otp = c.otp(platform, phone).await;
    let otp_read = t.elapsed();
    let t = Instant::now();
    let path = format!("/v1/card-validations/{id}/verify");
    let (s, v) = c.post(platform, &path, json!({"otp": otp})).await;
    let verify = t.elapsed();
    if s != 200 {
        return Err(format!("verify: {s} {v}"));
    }
    let t = Instant::now();
    let body = json!({"card_validation_id": id, "course_code": course, "external_order_id": order});
    let (s, v) = c.post(platform, "/v1/vouchers", body).await;
    let voucher = t.elapsed();
    if s != 201 {
        return Err(format!("voucher: {s} {v}"));
    }
    Ok(Checkout {
        validation,
        verify,
        voucher,
        otp_read,
        code: v["code"].as_str().unwrap_or_default().to_string(),
    })
}

/// The sandbox admin's, platform's and LPK's tokens.
async fn tokens(client: &Client) -> (String, String, String) {
    let admin = client.token("sandbox-admin", "sandbox-admin-secret").await;
    let platform = client
        .token("sandbox-platform", "sandbox-platform-secret")
        .await;
    let lpk = client.token("sandbox-lpk", "sandbox-lpk-secret").await;
    (admin, platform, lpk)
}

impl Ctx {
    /// Starts the server on `db` and sets up the sandbox partners' tokens and an approved course.
    pub fn start(db: BenchDatabase, seconds: u64) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let client = Arc::new(db.serve());
        let (admin, platform, lpk) = rt.block_on(tokens(&client));
        let course = rt.block_on(client.approved_course(&admin, &lpk));
        Self {
            backend: db.backend,
            seconds,
            db,
            client,
            rt,
            admin,
            platform,
            lpk,
            course,
            next_holder: 0,
            bought: Vec::new(),
            redeemed: Vec::new(),
            due: 0,
        }
    }

    /// New tokens for the sandbox partners, for what follows.
    pub fn fresh_tokens(&mut self) {
        (self.admin, self.platform, self.lpk) = self.rt.block_on(tokens(&self.client));
    }

    /// `n` fresh holder numbers.
    fn numbers(&mut self, n: usize) -> Vec<usize> {
        let first = self.next_holder;
        self.next_holder += n;
        (first..first + n).collect()
    }

    /// Runs `f` over `items` from `SETUP_WORKERS` concurrent tasks; the results in no set order.
    fn parallel<T, R, F, Fut>(&self, items: Vec<T>, f: F) -> Vec<R>
    where
        T: Send + 'static,
        R: Send + 'static,
        F: Fn(Arc<Client>, T) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = R> + Send + 'static,
    {
        let f = Arc::new(f);
        let queue = Arc::new(std::sync::Mutex::new(items));
        self.rt.block_on(async {
            let tasks = (0..SETUP_WORKERS).map(|_| {
                let (f, queue, c) = (f.clone(), queue.clone(), self.client.clone());
                tokio::spawn(async move {
                    let mut out = Vec::new();
                    loop {
                        let next = queue.lock().expect("queue lock").pop();
                        let Some(item) = next else { break };
                        out.push(f(c.clone(), item).await);
                    }
                    out
                })
            });
            let mut all = Vec::new();
            for t in futures_util::future::join_all(tasks).await {
                all.extend(t.expect("set-up task"));
            }
            all
        })
    }

    /// Registers `n` new holders; their card numbers and phones.
    pub fn holders(&mut self, n: usize) -> Vec<(String, String)> {
        let admin = self.admin.clone();
        let numbers = self.numbers(n);
        self.parallel(numbers, move |c, k| {
            let admin = admin.clone();
            async move { c.holder(&admin, k).await }
        })
    }

    /// At least `n` bought, unredeemed vouchers in `self.bought`.
    pub fn top_up_bought(&mut self, n: usize) {
        let missing = n.saturating_sub(self.bought.len());
        if missing == 0 {
            return;
        }
        let started = Instant::now();
        let (admin, platform, course) = (
            self.admin.clone(),
            self.platform.clone(),
            self.course.clone(),
        );
        let numbers = self.numbers(missing);
        let bought = self.parallel(numbers, move |c, k| {
            let (admin, platform, course) = (admin.clone(), platform.clone(), course.clone());
            async move { c.bought(&admin, &platform, &course, k).await }
        });
        self.bought.extend(bought);
        eprintln!(
            "  set-up: bought {missing} vouchers in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }

    /// At least `n` redeemed vouchers in `self.redeemed`.
    pub fn top_up_redeemed(&mut self, n: usize) {
        let missing = n.saturating_sub(self.redeemed.len());
        if missing == 0 {
            return;
        }
        self.top_up_bought(missing);
        let take = self.bought.split_off(self.bought.len() - missing);
        let lpk = self.lpk.clone();
        let redeemed = self.parallel(take, move |c, (code, card)| {
            let lpk = lpk.clone();
            async move {
                let path = format!("/v1/vouchers/{code}/redeem");
                let (s, v) = c.post(&lpk, &path, json!({"card_number": card})).await;
                assert_eq!(s, 200, "redeem in set-up: {v}");
                code
            }
        });
        self.redeemed.extend(redeemed);
    }
}
