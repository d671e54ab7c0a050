//! `courses pending | approve | reject`: the catalogue's review.

use std::io::Write;

use clap::Subcommand;

use super::output::{fields, opt};
use super::{Ctx, Failure};
use crate::domain::codes::CourseCode;
use crate::domain::course::CourseStatus;
use crate::page::{MAX_LIMIT, PageRequest};
use crate::service::catalog::{CourseView, Review};

#[derive(Debug, Subcommand)]
pub enum CourseCommand {
    /// Every course waiting for review, newest first.
    Pending,
    /// Approve a pending course: platforms may sell it.
    Approve { course_code: String },
    /// Reject a pending course, with the reason its LPK reads.
    Reject {
        course_code: String,
        /// 3 to 500 characters.
        #[arg(long)]
        reason: String,
    },
}

pub async fn run(cmd: CourseCommand, ctx: &Ctx) -> Result<(), Failure> {
    match cmd {
        CourseCommand::Pending => {
            let call = ctx.call()?;
            let mut pending = Vec::new();
            let mut req = PageRequest::first(MAX_LIMIT);
            loop {
                let page = ctx
                    .core
                    .courses(&call, Some(CourseStatus::PendingReview), req.clone())
                    .await?;
                pending.extend(page.items);
                match page.next {
                    Some(next) => req.after = Some(next),
                    None => break,
                }
            }
            ctx.out.show(&pending, |w| {
                for c in &pending {
                    writeln!(
                        w,
                        "{}  {}  {} sessions  LPK {}  {}",
                        c.course_code.as_str(),
                        c.price,
                        c.sessions,
                        c.lpk_id.as_str(),
                        c.title
                    )?;
                }
                writeln!(w, "{} courses pending review", pending.len())
            })
        }
        CourseCommand::Approve { course_code } => review(ctx, &course_code, Review::Approve).await,
        CourseCommand::Reject {
            course_code,
            reason,
        } => {
            let reason = super::participants::reason(reason)?;
            review(ctx, &course_code, Review::Reject { reason }).await
        }
    }
}

async fn review(ctx: &Ctx, code: &str, review: Review) -> Result<(), Failure> {
    let code = CourseCode::parse(code).ok_or_else(|| crate::error::Error::not_found("course"))?;
    let view = ctx.core.review_course(&ctx.call()?, code, review).await?;
    ctx.out.show(&view, |w| human(w, &view))
}

fn human(w: &mut dyn Write, c: &CourseView) -> std::io::Result<()> {
    fields(
        w,
        &[
            ("course_code", c.course_code.as_str().to_string()),
            ("title", c.title.clone()),
            ("status", c.status.as_str().to_string()),
            ("review_reason", opt(&c.review_reason)),
            ("price", c.price.to_string()),
            ("lpk_id", c.lpk_id.as_str().to_string()),
        ],
    )
}
