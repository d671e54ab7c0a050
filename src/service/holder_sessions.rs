//! A holder signs in to their own dashboard: the card number, then the OTP sent to the card's
//! registered phone, for a short-lived `participant` token. No partner is involved, so the
//! endpoint says no more about a card than a card validation does: unknown, or an OTP sent.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Core;
use super::challenges::{self, Dispatch};
use super::once::Decision;
use crate::auth::scope;
use crate::db::{self, challenges as store, participants};
use crate::domain::challenge::Purpose;
use crate::domain::messages;
use crate::domain::otp::Otp;
use crate::domain::time::to_wib;
use crate::domain::{CardNumber, ChallengeId, Role};
use crate::error::{Error, ErrorCode};

/// A session waiting for its OTP.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionView {
    #[schema(value_type = String, format = Uuid)]
    pub id: ChallengeId,
    #[schema(example = "+62812****0001")]
    pub phone_masked: String,
    /// When the code stops working.
    pub expires_at: DateTime<FixedOffset>,
}

/// The holder's access token: role `participant`, scope `me`, subject the holder's card record.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct SessionToken {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds.
    pub expires_in: u64,
}

impl Core {
    /// Sends an OTP to the card's registered phone (frozen and revoked cards too: their holders
    /// may still read their dashboard).
    pub async fn start_holder_session(&self, card: CardNumber) -> Result<SessionView, Error> {
        let (view, dispatch) = self
            .decide_unkeyed(move |c, core| {
                let now = db::now();
                let found = participants::find_by_card(c, &card)?
                    .ok_or_else(|| ErrorCode::CardNotFound.refusal())?;
                let holder = participants::lock(c, &found.id)?;
                let opened = challenges::open(c, core, &holder, Purpose::Session, now)?;
                let view = SessionView {
                    id: opened.challenge.id,
                    phone_masked: opened.phone.masked(),
                    expires_at: to_wib(opened.challenge.otp_expires_at),
                };
                let message = messages::session_otp(opened.otp.as_str(), core.otp.ttl);
                let dispatch = Dispatch {
                    phone: opened.phone,
                    message,
                };
                Ok(Decision::Done(view, dispatch))
            })
            .await?;
        self.send_challenge(None, Some(dispatch)).await?;
        Ok(view)
    }

    /// Exchanges the session's OTP for the holder's token, once.
    pub async fn verify_holder_session(
        &self,
        id: ChallengeId,
        otp: Otp,
    ) -> Result<SessionToken, Error> {
        let (holder, ()) = self
            .decide_unkeyed(move |c, core| {
                let now = db::now();
                let challenge = store::find(c, &id, Purpose::Session)?
                    .ok_or_else(|| Error::not_found("session"))?;
                challenges::answer(c, core, &challenge, &otp, now)?
                    .then(|| Ok(Decision::Done(challenge.participant_id.clone(), ())))
            })
            .await?;
        let scope = scope::granted(Role::Participant).join(" ");
        let ttl = self.participant_token_ttl;
        let (access_token, expires_in) =
            self.keys
                .issue_for(holder.as_str(), Role::Participant, &scope, 0, ttl)?;
        Ok(SessionToken {
            access_token,
            token_type: "Bearer".into(),
            expires_in,
        })
    }
}
