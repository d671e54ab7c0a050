//! Re-sealing personal data under the current data key, in batches.

use crate::crypto::PiiCipher;
use crate::db::{DbConn, participants, write_tx};
use crate::error::ApiError;

/// Re-encrypts every sealed value not under the current key. `progress(done, resealed)` after each
/// batch. Safe to interrupt and run again: each batch commits on its own, and rows already under
/// the current key are skipped.
pub fn rotate(
    conn: &mut DbConn,
    cipher: &PiiCipher,
    batch_size: i64,
    mut progress: impl FnMut(usize, usize),
) -> Result<usize, ApiError> {
    let (mut after, mut seen, mut resealed) = (String::new(), 0usize, 0usize);
    loop {
        let batch = participants::sealed_batch(conn, &after, batch_size)?;
        let Some(last) = batch.last() else { break };
        after = last.0.clone();
        seen += batch.len();
        resealed += write_tx(conn, |c| -> Result<usize, ApiError> {
            let mut n = 0;
            for row in &batch {
                let stale = [Some(&row.1), Some(&row.2), Some(&row.3), row.4.as_ref()]
                    .into_iter()
                    .flatten()
                    .any(|v| cipher.needs_rotation(v));
                if !stale {
                    continue;
                }
                let reseal = |v: &str| -> Result<String, ApiError> {
                    let plain = cipher.decrypt(v, &row.0).map_err(|e| {
                        ApiError::internal("rotate-data-key", format!("row {}: {e}", row.0))
                    })?;
                    Ok(cipher.encrypt(&plain, &row.0))
                };
                let new_row = (
                    row.0.clone(),
                    reseal(&row.1)?,
                    reseal(&row.2)?,
                    reseal(&row.3)?,
                    row.4.as_deref().map(reseal).transpose()?,
                );
                participants::reseal(c, &new_row)?;
                n += 1;
            }
            Ok(n)
        })?;
        progress(seen, resealed);
    }
    Ok(resealed)
}
