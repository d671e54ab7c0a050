//! The sandbox SMS outbox: what the sandbox would have sent, read back by partners' scripts.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Core;
use crate::db::sms_outbox;
use crate::domain::PhoneNumber;
use crate::domain::time::to_wib;
use crate::error::{Error, ErrorCode};

/// One message the sandbox would have sent.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Sms {
    pub to: String,
    pub body: String,
    /// The one-time code in `body`, when it carries one (sandbox only: no cutting it out).
    #[schema(example = "123456")]
    pub otp: Option<String>,
    pub sent_at: DateTime<FixedOffset>,
}

impl Core {
    /// The sandbox SMS outbox for a phone number, newest first (at most 50); 404 when sandbox is
    /// off, whatever was asked.
    pub async fn sandbox_sms(&self, phone: &str) -> Result<Vec<Sms>, Error> {
        if !self.sandbox {
            return Err(ErrorCode::SandboxDisabled.refusal());
        }
        let phone = PhoneNumber::parse(phone)?;
        self.read(move |c, _| {
            Ok(sms_outbox::for_phone(c, phone.as_str(), 50)?
                .into_iter()
                .map(|r| Sms {
                    to: r.to_phone,
                    otp: crate::domain::messages::otp_in(&r.body).map(String::from),
                    body: r.body,
                    sent_at: to_wib(r.sent_at),
                })
                .collect())
        })
        .await
    }
}
