//! Readiness: the database answers and every migration is applied.

use super::Core;
use crate::db::migrations;
use crate::error::{Error, ErrorCode};

impl Core {
    pub async fn ready(&self) -> Result<(), Error> {
        let ready = self
            .read(|c, _| Ok(migrations::up_to_date(c).unwrap_or(false)))
            .await?;
        if !ready {
            return Err(ErrorCode::Unavailable
                .with("Migrations are pending.")
                .retry_after(5));
        }
        Ok(())
    }
}
