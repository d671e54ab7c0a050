//! A state change made at most once per `Idempotency-Key` (API.md): the first answer is stored with
//! the change, in the same transaction, and replayed on retry; the same key with another request is
//! `idempotency_key_reused`; the same key while the first request still runs is
//! `idempotency_in_progress`. A request cut off by a crash rolled back with its record, so its retry
//! simply runs: nothing is ever left "in progress".

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Call, Core, Inner};
use crate::db::idempotency::{self, Outcome, Stored};
use crate::db::{self, DbConn};
use crate::error::{Error, ErrorCode};

/// What a use case's transaction decided.
pub(crate) enum Decision<T, S> {
    /// Commit; answer `T` (stored for replays) and hand `S` to the caller (never stored: an OTP to
    /// send, say).
    Done(T, S),
    /// Commit what was written (a counted wrong guess), then refuse.
    Refuse(Error),
}

/// Why a keyed transaction stopped before its use case ran, or why it rolled back.
enum Stop {
    Busy,
    Found(Stored),
    Failed(Error),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Failed(e)
    }
}

impl From<diesel::result::Error> for Stop {
    fn from(e: diesel::result::Error) -> Self {
        Stop::Failed(e.into())
    }
}

impl Core {
    /// What a request is, for telling a retry from a different request under the same key: keyed,
    /// so a stored hash of a body that held a card number cannot be brute-forced from a dump.
    pub fn request_hash(&self, method: &str, uri: &str, body: &[u8]) -> String {
        self.cipher
            .digest("Idempotency", &[method.as_bytes(), uri.as_bytes(), body])
    }

    /// Runs `f` in one write transaction under the call's idempotency key, if it has one.
    pub(crate) async fn once<T, F>(&self, call: &Call, f: F) -> Result<T, Error>
    where
        F: FnOnce(&mut DbConn, &Inner) -> Result<T, Error> + Send + 'static,
        T: Serialize + DeserializeOwned + Send + 'static,
    {
        self.once_fresh(call, f).await.map(|(v, _)| v)
    }

    /// As [`Core::once`], also saying whether this call made the change (false for a replay):
    /// what the metrics count.
    pub(crate) async fn once_fresh<T, F>(&self, call: &Call, f: F) -> Result<(T, bool), Error>
    where
        F: FnOnce(&mut DbConn, &Inner) -> Result<T, Error> + Send + 'static,
        T: Serialize + DeserializeOwned + Send + 'static,
    {
        self.decide(call, move |c, core| {
            f(c, core).map(|v| Decision::Done(v, ()))
        })
        .await
        .map(|(v, fresh)| (v, fresh.is_some()))
    }

    /// As [`Core::once`], for use cases that may commit and still refuse, or that hand something
    /// to the caller on a first run only. `S` is `None` when the answer is a replay.
    pub(crate) async fn decide<T, S, F>(&self, call: &Call, f: F) -> Result<(T, Option<S>), Error>
    where
        F: FnOnce(&mut DbConn, &Inner) -> Result<Decision<T, S>, Error> + Send + 'static,
        T: Serialize + DeserializeOwned + Send + 'static,
        S: Send + 'static,
    {
        let call = call.clone();
        self.read(move |c, core| {
            let Some(key) = call.idempotency.clone() else {
                return unkeyed(c, core, f).map(|(v, s)| (v, Some(s)));
            };
            let caller = call.who().id().to_string();
            let seal = |json: String| core.cipher.encrypt(&json, &aad(&caller, &key.key));
            let outcome = db::write_tx(c, |c| -> Result<_, Stop> {
                if !idempotency::claim(c, &caller, &key.key)? {
                    return Err(Stop::Busy);
                }
                if let Some(found) = idempotency::find(c, &caller, &key.key)? {
                    return Err(Stop::Found(found));
                }
                let decision = f(c, core).map_err(Stop::Failed)?;
                let (outcome, json) = match &decision {
                    Decision::Done(v, _) => (Outcome::Done, to_json(v)),
                    Decision::Refuse(e) if !e.is_final() => return Ok(decision),
                    Decision::Refuse(e) => (Outcome::Refused, to_json(e)),
                };
                let stored = Stored {
                    request_hash: key.request_hash.clone(),
                    outcome,
                    result: seal(json?),
                };
                idempotency::insert(c, &caller, &key.key, &stored, db::now())?;
                Ok(decision)
            });
            match outcome {
                Ok(Decision::Done(v, s)) => Ok((v, Some(s))),
                Ok(Decision::Refuse(e)) => Err(e),
                Err(Stop::Busy) => Err(ErrorCode::IdempotencyInProgress.refusal().retry_after(1)),
                Err(Stop::Found(stored)) => replay(core, &call, &caller, &key.request_hash, stored),
                Err(Stop::Failed(e)) => {
                    // Nothing changed; a final refusal is still the answer to give again.
                    if e.is_final() {
                        let stored = Stored {
                            request_hash: key.request_hash.clone(),
                            outcome: Outcome::Refused,
                            result: seal(to_json(&e)?),
                        };
                        db::write_tx(c, |c| {
                            idempotency::insert(c, &caller, &key.key, &stored, db::now())
                        })?;
                    }
                    Err(e)
                }
            }
        })
        .await
    }

    /// For a use case that commits in several transactions (a bulk report): the answer stored under
    /// the call's key is replayed, else `work` runs and its answer is stored. While it runs, the
    /// key is leased on this instance: a second request with it is `idempotency_in_progress`. (Two
    /// instances could still both run it; that is why this is only for work that repeats
    /// harmlessly.)
    pub(crate) async fn replayed_or<T, Fut>(
        &self,
        call: &Call,
        work: impl FnOnce() -> Fut,
    ) -> Result<T, Error>
    where
        Fut: std::future::Future<Output = Result<T, Error>>,
        T: Serialize + DeserializeOwned + Send + 'static,
    {
        let Some(key) = call.idempotency.clone() else {
            return work().await;
        };
        let caller = call.who().id().to_string();
        let Some(_lease) = Lease::take(&self.leases, format!("{caller}\0{}", key.key)) else {
            return Err(ErrorCode::IdempotencyInProgress.refusal().retry_after(1));
        };
        let (who, k) = (caller.clone(), key.key.clone());
        let found = self
            .read(move |c, _| Ok(idempotency::find(c, &who, &k)?))
            .await?;
        if let Some(stored) = found {
            return replay::<T, ()>(self, call, &caller, &key.request_hash, stored).map(|(v, _)| v);
        }
        let answer = work().await;
        let (outcome, json) = match &answer {
            Ok(v) => (Outcome::Done, to_json(v)?),
            Err(e) if e.is_final() => (Outcome::Refused, to_json(e)?),
            Err(_) => return answer,
        };
        let stored = Stored {
            request_hash: key.request_hash.clone(),
            outcome,
            result: self.cipher.encrypt(&json, &aad(&caller, &key.key)),
        };
        self.write(move |c, _| {
            Ok(idempotency::insert(
                c,
                &caller,
                &key.key,
                &stored,
                db::now(),
            )?)
        })
        .await?;
        answer
    }

    /// As [`Core::decide`], for a use case with no caller to key a retry on (a holder starting a
    /// session before they have a token).
    pub(crate) async fn decide_unkeyed<T, S, F>(&self, f: F) -> Result<(T, S), Error>
    where
        F: FnOnce(&mut DbConn, &Inner) -> Result<Decision<T, S>, Error> + Send + 'static,
        T: Send + 'static,
        S: Send + 'static,
    {
        self.read(move |c, core| unkeyed(c, core, f)).await
    }

    /// Forgets the call's key after an outbound call failed once its transaction had committed: a
    /// retry must run again rather than replay a success that did not happen.
    pub(crate) async fn forget_key(&self, call: &Call) -> Result<(), Error> {
        let Some(key) = call.idempotency.clone() else {
            return Ok(());
        };
        let caller = call.who().id().to_string();
        self.read(move |c, _| Ok(idempotency::forget(c, &caller, &key.key).map(|_| ())?))
            .await
    }
}

/// Keys whose multi-transaction use case is running on this instance.
pub(crate) type Leases = std::sync::Mutex<std::collections::HashSet<String>>;

/// A key leased until dropped (also when the request is cut off and its future dropped).
struct Lease<'a> {
    leases: &'a Leases,
    key: String,
}

impl<'a> Lease<'a> {
    fn take(leases: &'a Leases, key: String) -> Option<Self> {
        let mut held = leases.lock().unwrap_or_else(|p| p.into_inner());
        // `then`, not `then_some`: a lease built and dropped here would free the holder's key.
        let taken = held.insert(key.clone());
        drop(held);
        taken.then(|| Lease { leases, key })
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let mut held = self.leases.lock().unwrap_or_else(|p| p.into_inner());
        held.remove(&self.key);
    }
}

/// One write transaction that commits what it decided, then answers or refuses.
fn unkeyed<T, S, F>(c: &mut DbConn, core: &Inner, f: F) -> Result<(T, S), Error>
where
    F: FnOnce(&mut DbConn, &Inner) -> Result<Decision<T, S>, Error>,
{
    match db::write_tx(c, |c| f(c, core))? {
        Decision::Done(v, s) => Ok((v, s)),
        Decision::Refuse(e) => Err(e),
    }
}

fn replay<T: DeserializeOwned, S>(
    core: &Inner,
    call: &Call,
    caller: &str,
    request_hash: &str,
    stored: Stored,
) -> Result<(T, Option<S>), Error> {
    if stored.request_hash != request_hash {
        return Err(ErrorCode::IdempotencyKeyReused.refusal());
    }
    let key = call
        .idempotency
        .as_ref()
        .map(|k| k.key.as_str())
        .unwrap_or("");
    let json = core
        .cipher
        .decrypt(&stored.result, &aad(caller, key))
        .map_err(|e| Error::internal("idempotent replay", e))?;
    call.mark_replayed();
    match stored.outcome {
        Outcome::Done => serde_json::from_str(&json)
            .map(|v| (v, None))
            .map_err(|e| Error::internal("idempotent replay", e)),
        Outcome::Refused => {
            Err(serde_json::from_str(&json).map_err(|e| Error::internal("idempotent replay", e))?)
        }
    }
}

fn to_json(value: &impl Serialize) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::internal("storing an idempotent answer", e))
}

/// A stored answer opens only for its own caller and key.
fn aad(caller: &str, key: &str) -> String {
    format!("idempotency:{caller}:{key}")
}
