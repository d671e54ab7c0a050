//! A voucher as its viewers see it (the API's answers and the outbox events' payloads), built once
//! for every use case that answers with one.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::voucher_marks::{self, IssuedCertificate, VoucherWhole};
use crate::db::vouchers::{self, VoucherDetail};
use crate::db::{DbConn, certificates, events};
use crate::domain::completion::CertificateKind;
use crate::domain::event::EventType;
use crate::domain::time::to_wib;
use crate::domain::voucher::VoucherStatus;
use crate::domain::{CourseCode, PartnerId, Rupiah, ScheduleCode, Viewer, VoucherId};
use crate::error::Error;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Attendance {
    /// 1..sessions, or 999 for the post-test.
    pub sequence: i32,
    pub attended_at: DateTime<FixedOffset>,
}

/// A certificate the LPK issued for the training.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CertificateView {
    pub kind: CertificateKind,
    #[schema(example = "LPK-2026-000123")]
    pub number: String,
    pub issued_at: DateTime<FixedOffset>,
    #[schema(example = "https://lpk.example.id/sertifikat/LPK-2026-000123")]
    pub url: String,
}

/// The holder's rating and review of the training.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReviewView {
    /// 1 to 5.
    pub rating: i32,
    pub review: String,
    pub reviewed_at: DateTime<FixedOffset>,
}

/// A voucher: the coupon that replaces payment at the LPK.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VoucherView {
    #[schema(example = "7KQ2-M9XD-4HTR-8WZC")]
    pub code: String,
    pub status: VoucherStatus,
    #[schema(value_type = String)]
    pub course_code: CourseCode,
    #[schema(value_type = Option<String>)]
    pub schedule_code: Option<ScheduleCode>,
    /// Rupiah debited from the training balance.
    #[schema(value_type = i64)]
    pub amount: Rupiah,
    #[schema(example = "************0015")]
    pub card_number_masked: String,
    #[schema(value_type = String)]
    pub platform_id: PartnerId,
    #[schema(value_type = String)]
    pub lpk_id: PartnerId,
    /// The selling platform's own order id: shown to that platform and to admin only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_order_id: Option<String>,
    pub issued_at: DateTime<FixedOffset>,
    pub redeemed_at: Option<DateTime<FixedOffset>>,
    /// When the LPK reported the training ended (passed or not).
    pub completed_at: Option<DateTime<FixedOffset>>,
    pub voided_at: Option<DateTime<FixedOffset>>,
    /// The training balance right after this purchase.
    #[schema(value_type = i64)]
    pub balance_after: Rupiah,
    pub attendance: Vec<Attendance>,
    /// The LPK's score, 0-100, once the completion is reported.
    #[schema(minimum = 0, maximum = 100)]
    pub score: Option<i32>,
    /// The LPK's certificate first, then the national one.
    pub certificates: Vec<CertificateView>,
    /// The holder's rating and review (shown to the LPK, the holder and management).
    pub review: Option<ReviewView>,
}

/// Views of several vouchers, their attendance and certificates in one query each, as `viewer`
/// may see them.
pub(crate) fn views(
    conn: &mut DbConn,
    details: Vec<VoucherDetail>,
    viewer: &Viewer,
) -> Result<Vec<VoucherView>, Error> {
    let ids: Vec<VoucherId> = details.iter().map(|d| d.row.id.clone()).collect();
    let marks = voucher_marks::attendance_of(conn, &ids)?;
    let certs = certificates::of_vouchers(conn, &ids)?;
    Ok(details
        .into_iter()
        .map(|detail| {
            let id = &detail.row.id;
            let whole = VoucherWhole {
                marks: marks
                    .iter()
                    .filter(|(v, _, _)| v == id)
                    .map(|(_, sequence, at)| (*sequence, *at))
                    .collect(),
                certificates: certs
                    .iter()
                    .filter(|c| c.voucher_id == *id)
                    .map(|c| IssuedCertificate {
                        kind: c.kind,
                        number: c.number.clone(),
                        issued_at: c.issued_at,
                        url: c.url.clone(),
                    })
                    .collect(),
                detail,
            };
            view(whole, viewer)
        })
        .collect())
}

/// A voucher, its attendance and its certificates as `viewer` may see them.
pub(crate) fn view(whole: VoucherWhole, viewer: &Viewer) -> VoucherView {
    let VoucherWhole {
        detail: d,
        marks,
        certificates,
    } = whole;
    let r = d.row;
    let shown = VoucherView {
        attendance: marks
            .into_iter()
            .map(|(sequence, at)| Attendance {
                sequence,
                attended_at: to_wib(at),
            })
            .collect(),
        certificates: certificates
            .into_iter()
            .map(|c| CertificateView {
                kind: c.kind,
                number: c.number,
                issued_at: to_wib(c.issued_at),
                url: c.url,
            })
            .collect(),
        review: match (r.rating, r.review, r.reviewed_at) {
            (Some(rating), Some(review), Some(at)) => Some(ReviewView {
                rating,
                review,
                reviewed_at: to_wib(at),
            }),
            _ => None,
        },
        score: r.score,
        code: r.code.dashed(),
        status: r.status,
        course_code: d.course_code,
        schedule_code: d.schedule_code,
        amount: r.amount,
        card_number_masked: d.card_number.masked(),
        platform_id: r.platform_id,
        lpk_id: r.lpk_id,
        external_order_id: Some(r.external_order_id),
        issued_at: to_wib(r.issued_at),
        redeemed_at: r.redeemed_at.map(to_wib),
        completed_at: r.completed_at.map(to_wib),
        voided_at: r.voided_at.map(to_wib),
        balance_after: r.balance_after,
    };
    for_viewer(shown, viewer)
}

/// The full view of one voucher (the seller's and management's), in one statement.
pub(crate) fn view_by_id(conn: &mut DbConn, id: &VoucherId) -> Result<VoucherView, Error> {
    view_for(conn, id, &Viewer::Admin)
}

/// One voucher as `viewer` may see it.
pub(crate) fn view_for(
    conn: &mut DbConn,
    id: &VoucherId,
    viewer: &Viewer,
) -> Result<VoucherView, Error> {
    Ok(view(vouchers::whole_by_id(conn, id)?, viewer))
}

/// What this viewer may see of a voucher: only the platform that sold it and management see the
/// platform's order id; the holder's review is for the LPK whose training it judges (and
/// management), not for the platform that sold it.
pub(crate) fn for_viewer(mut v: VoucherView, viewer: &Viewer) -> VoucherView {
    match viewer {
        Viewer::Admin => {}
        Viewer::Platform(_) => v.review = None,
        Viewer::Lpk(_) | Viewer::Holder(_) => v.external_order_id = None,
    }
    v
}

/// Publishes a voucher event to the platform that sold it and the LPK that runs it, each with what
/// it may see.
pub(crate) fn announce(conn: &mut DbConn, v: &VoucherView, event: EventType) -> Result<(), Error> {
    let payload = |viewer: Viewer| {
        serde_json::to_value(for_viewer(v.clone(), &viewer))
            .map_err(|e| Error::internal("voucher event payload", e))
    };
    let seller = payload(Viewer::Platform(v.platform_id.clone()))?;
    let runner = payload(Viewer::Lpk(v.lpk_id.clone()))?;
    events::publish_each(
        conn,
        event,
        &[(&v.platform_id, &seller), (&v.lpk_id, &runner)],
    )?;
    Ok(())
}
