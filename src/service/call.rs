//! Who is calling a use case, and under which `Idempotency-Key`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::domain::{ParticipantId, PartnerId, Who};
use crate::error::Error;

/// Who acts, for scoping reads and for the audit trail.
#[derive(Debug, Clone)]
pub struct Actor {
    pub who: Who,
    /// The request's id, recorded with every audit event it causes.
    pub request_id: Option<String>,
}

impl Actor {
    /// The system itself (start-up, timers).
    pub fn system(name: &str) -> Self {
        Actor {
            who: Who::System(name.to_string()),
            request_id: None,
        }
    }

    /// An operator at the command line, by the name the audit trail records.
    pub fn operator(name: &str) -> Self {
        Actor {
            who: Who::Operator(name.to_string()),
            request_id: None,
        }
    }
}

/// A client's key for making a state change at most once, and what its request was.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub key: String,
    /// A keyed hash of the request's method, path and body: the same key with another request is
    /// refused.
    pub request_hash: String,
}

/// One call of a use case.
#[derive(Debug, Clone)]
pub struct Call {
    pub actor: Actor,
    pub idempotency: Option<IdempotencyKey>,
    /// Set when the answer is a stored one (the edge then says so in a header).
    replayed: Arc<AtomicBool>,
}

impl Call {
    pub fn new(actor: Actor, idempotency: Option<IdempotencyKey>) -> Self {
        Self {
            actor,
            idempotency,
            replayed: Arc::default(),
        }
    }

    /// A call without an idempotency key.
    pub fn by(actor: Actor) -> Self {
        Self::new(actor, None)
    }

    pub fn who(&self) -> &Who {
        &self.actor.who
    }

    /// The flag the edge reads after the call: shared, so it can be kept before the call moves.
    pub fn replayed_flag(&self) -> Arc<AtomicBool> {
        self.replayed.clone()
    }

    pub(crate) fn mark_replayed(&self) {
        self.replayed.store(true, Ordering::Relaxed);
    }

    /// The platform making this call; other callers never reach a platform's use case (the edge
    /// checks roles), so this is a guard, not a rule.
    pub fn platform(&self) -> Result<PartnerId, Error> {
        match self.who() {
            Who::Platform(id) => Ok(id.clone()),
            _ => Err(Error::internal(
                "use case",
                "a platform use case called by another role",
            )),
        }
    }

    pub fn lpk(&self) -> Result<PartnerId, Error> {
        match self.who() {
            Who::Lpk(id) => Ok(id.clone()),
            _ => Err(Error::internal(
                "use case",
                "an LPK use case called by another role",
            )),
        }
    }

    pub fn holder(&self) -> Result<ParticipantId, Error> {
        match self.who() {
            Who::Holder(id) => Ok(id.clone()),
            _ => Err(Error::internal(
                "use case",
                "a holder use case called by another role",
            )),
        }
    }
}
