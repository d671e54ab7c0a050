//! The holder's own dashboard: the card, the trainings and what each still needs, the review, the
//! surveys. A holder's token reaches only the holder's own rows (`Viewer::Holder`).

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{self, Event};
use super::voucher_view::{VoucherView, views};
use super::vouchers::load;
use super::{Actor, Call, Core};
use crate::db::{self, DbConn, participants, payout_accounts, surveys, vouchers};
use crate::domain::completion::Review;
use crate::domain::participant::CardStatus;
use crate::domain::survey::{Answers, SurveyNumber};
use crate::domain::time::to_wib;
use crate::domain::training::{Missing, Readiness, incentive_readiness, surveys_open};
use crate::domain::{ParticipantId, Rupiah, Viewer, VoucherCode, VoucherId};
use crate::error::{Error, ErrorCode};
use crate::page::{Cursor, Page, PageRequest};

/// The holder's card, as the holder sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MeView {
    #[schema(example = "************0015")]
    pub card_number_masked: String,
    pub holder_name: String,
    pub status: CardStatus,
    /// Training balance left, in rupiah.
    #[schema(value_type = i64)]
    pub balance: Rupiah,
    /// The selection wave (gelombang).
    pub wave: i32,
    pub passed_at: DateTime<FixedOffset>,
    /// The first training must be bought by then.
    pub purchase_deadline: DateTime<FixedOffset>,
    pub first_purchase_at: Option<DateTime<FixedOffset>>,
    /// The surveys filled (1 to 3).
    pub surveys_submitted: Vec<i32>,
    /// What the post-training incentive still waits for.
    pub incentive: Readiness,
}

/// One of the holder's trainings: the voucher, the course's title, and what it still needs to
/// count as finished (the next purchase waits for that).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TrainingView {
    #[serde(flatten)]
    pub voucher: VoucherView,
    pub course_title: String,
    pub finished: bool,
    pub missing: Vec<Missing>,
}

/// A filled survey.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SurveyView {
    /// 1 to 3.
    pub n: i32,
    pub submitted_at: DateTime<FixedOffset>,
}

/// Review a completed training.
#[derive(Debug, Clone)]
pub struct ReviewTraining {
    pub code: VoucherCode,
    pub review: Review,
}

fn me(c: &mut DbConn, holder: &ParticipantId) -> Result<MeView, Error> {
    let p = participants::find(c, holder)?;
    let trainings = vouchers::training_facts(c, holder)?;
    let linked = payout_accounts::active(c, holder)?.is_some();
    let filled = surveys::submitted(c, holder)?;
    Ok(MeView {
        card_number_masked: p.card_number.masked(),
        holder_name: p.full_name,
        status: p.status,
        balance: p.balance,
        wave: p.wave,
        passed_at: to_wib(p.passed_at),
        purchase_deadline: to_wib(p.purchase_deadline),
        first_purchase_at: p.first_purchase_at.map(to_wib),
        surveys_submitted: filled.into_iter().map(|(n, _)| n).collect(),
        incentive: incentive_readiness(&trainings, linked),
    })
}

/// The holder's vouchers as trainings, with the course's title and what each still needs.
fn trainings(
    c: &mut DbConn,
    holder: &ParticipantId,
    details: Vec<vouchers::VoucherDetail>,
) -> Result<Vec<TrainingView>, Error> {
    let facts = vouchers::trainings(c, holder)?;
    let titles: Vec<(VoucherId, String)> = details
        .iter()
        .map(|d| (d.row.id.clone(), d.course_title.clone()))
        .collect();
    let shown = views(c, details, &Viewer::Holder(holder.clone()))?;
    Ok(shown
        .into_iter()
        .zip(titles)
        .map(|(voucher, (id, course_title))| {
            let missing = facts
                .iter()
                .find(|(v, _)| *v == id)
                .map(|(_, f)| f.missing())
                .unwrap_or_default();
            TrainingView {
                voucher,
                course_title,
                finished: missing.is_empty(),
                missing,
            }
        })
        .collect())
}

fn one_training(
    c: &mut DbConn,
    holder: &ParticipantId,
    code: &VoucherCode,
) -> Result<TrainingView, Error> {
    let d = load(c, &Viewer::Holder(holder.clone()), code)?;
    trainings(c, holder, vec![d])?
        .pop()
        .ok_or_else(|| Error::internal("training view", "empty"))
}

/// A review, in the caller's transaction (the sandbox seed runs it inside its own).
pub(crate) fn review(
    c: &mut DbConn,
    actor: &Actor,
    holder: &ParticipantId,
    cmd: &ReviewTraining,
) -> Result<TrainingView, Error> {
    let d = load(c, &Viewer::Holder(holder.clone()), &cmd.code)?;
    if d.row.reviewed_at.is_some() {
        return Err(ErrorCode::ReviewAlreadySubmitted.refusal());
    }
    d.row.status.check_completed()?;
    let review = &cmd.review;
    if !vouchers::record_review(c, &d.row.id, review.rating, &review.text, db::now())? {
        return Err(ErrorCode::ReviewAlreadySubmitted.refusal());
    }
    audit::record(
        c,
        actor,
        Event {
            action: "voucher.review",
            target_type: "voucher",
            target_id: d.row.code.as_str(),
            details: serde_json::json!({"rating": review.rating}),
        },
    )?;
    one_training(c, holder, &cmd.code)
}

impl Core {
    /// The holder's card, balance and what the incentive still waits for.
    pub async fn me(&self, call: &Call) -> Result<MeView, Error> {
        let holder = call.holder()?;
        self.read(move |c, _| me(c, &holder)).await
    }

    /// The holder's trainings, newest first.
    pub async fn my_trainings(
        &self,
        call: &Call,
        req: PageRequest,
    ) -> Result<Page<TrainingView>, Error> {
        let holder = call.holder()?;
        self.read(move |c, _| {
            let viewer = Viewer::Holder(holder.clone());
            let rows = vouchers::page(c, &viewer, &vouchers::Filter::default(), &req)?;
            let page = Page::cut(rows, &req, |d| {
                Cursor::Time(d.row.issued_at, d.row.id.to_string())
            });
            Ok(Page {
                items: trainings(c, &holder, page.items)?,
                next: page.next,
            })
        })
        .await
    }

    /// The holder rates and reviews a completed training, once.
    pub async fn review_training(
        &self,
        call: &Call,
        cmd: ReviewTraining,
    ) -> Result<TrainingView, Error> {
        let holder = call.holder()?;
        let actor = call.actor.clone();
        self.once(call, move |c, _| review(c, &actor, &holder, &cmd))
            .await
    }

    /// The holder fills survey `n`, once, after a completed training.
    pub async fn submit_survey(
        &self,
        call: &Call,
        n: SurveyNumber,
        answers: Answers,
    ) -> Result<SurveyView, Error> {
        let holder = call.holder()?;
        let actor = call.actor.clone();
        self.once(call, move |c, _| {
            if !surveys_open(&vouchers::training_facts(c, &holder)?) {
                return Err(ErrorCode::SurveyNotOpen.refusal());
            }
            let now = db::now();
            if !surveys::insert(c, &holder, n.value(), answers.as_str(), now)? {
                return Err(ErrorCode::SurveyAlreadySubmitted.refusal());
            }
            audit::record(
                c,
                &actor,
                Event {
                    action: "survey.submit",
                    target_type: "participant",
                    target_id: holder.as_str(),
                    details: serde_json::json!({"n": n.value()}),
                },
            )?;
            Ok(SurveyView {
                n: n.value(),
                submitted_at: to_wib(now),
            })
        })
        .await
    }
}
