//! Re-sealing personal data under the current data key, in batches.

use super::Core;
use super::partners::signing_key_aad;
use super::webhooks::secret_aad;
use crate::crypto::PiiCipher;
use crate::db::{DbConn, participants, partners, webhooks, write_tx};
use crate::domain::ParticipantId;
use crate::error::Error;

/// Re-encrypts every sealed value not under the current key (holders' personal data, then
/// webhook signing secrets and LPKs' request-signing keys); answers how many holders were re-sealed. `progress(done, resealed)` after each
/// batch. Safe to interrupt and run again: each batch commits on its own, and rows already under
/// the current key are skipped.
pub fn rotate(
    conn: &mut DbConn,
    cipher: &PiiCipher,
    batch_size: i64,
    mut progress: impl FnMut(usize, usize),
) -> Result<usize, Error> {
    let (mut after, mut seen, mut resealed) = (None::<ParticipantId>, 0usize, 0usize);
    loop {
        let batch = participants::sealed_batch(conn, after.as_ref(), batch_size)?;
        let Some(last) = batch.last() else { break };
        after = Some(last.0.clone());
        seen += batch.len();
        resealed += write_tx(conn, |c| -> Result<usize, Error> {
            let mut n = 0;
            for row in &batch {
                let stale = [Some(&row.1), Some(&row.2), Some(&row.3), row.4.as_ref()]
                    .into_iter()
                    .flatten()
                    .any(|v| cipher.needs_rotation(v));
                if !stale {
                    continue;
                }
                let reseal = |v: &str| -> Result<String, Error> {
                    let plain = cipher.decrypt(v, row.0.as_str()).map_err(|e| {
                        Error::internal("rotate-data-key", format!("row {}: {e}", row.0))
                    })?;
                    Ok(cipher.encrypt(&plain, row.0.as_str()))
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
    let secrets = reseal_webhook_secrets(conn, cipher)?;
    tracing::info!(secrets, "webhook signing secrets re-encrypted");
    let keys = reseal_signing_keys(conn, cipher)?;
    tracing::info!(keys, "LPK request-signing keys re-encrypted");
    Ok(resealed)
}

/// LPKs' request-signing keys, for the same reason: one transaction, a row per LPK.
fn reseal_signing_keys(conn: &mut DbConn, cipher: &PiiCipher) -> Result<usize, Error> {
    write_tx(conn, |c| -> Result<usize, Error> {
        let mut n = 0;
        for (id, sealed) in partners::signing_keys(c)? {
            if !cipher.needs_rotation(&sealed) {
                continue;
            }
            let aad = signing_key_aad(&id);
            let plain = cipher
                .decrypt(&sealed, &aad)
                .map_err(|e| Error::internal("rotate-data-key", format!("partner {id}: {e}")))?;
            partners::set_signing_key(c, &id, &cipher.encrypt(&plain, &aad))?;
            n += 1;
        }
        Ok(n)
    })
}

/// Webhook signing secrets too: an endpoint whose secret no configured key opens can no longer be
/// signed for. A partner has a handful, so all go in one transaction.
fn reseal_webhook_secrets(conn: &mut DbConn, cipher: &PiiCipher) -> Result<usize, Error> {
    write_tx(conn, |c| -> Result<usize, Error> {
        let mut n = 0;
        for (id, sealed) in webhooks::secrets(c)? {
            if !cipher.needs_rotation(&sealed) {
                continue;
            }
            let aad = secret_aad(&id);
            let plain = cipher
                .decrypt(&sealed, &aad)
                .map_err(|e| Error::internal("rotate-data-key", format!("endpoint {id}: {e}")))?;
            webhooks::set_secret(c, &id, &cipher.encrypt(&plain, &aad))?;
            n += 1;
        }
        Ok(n)
    })
}

impl Core {
    /// Re-seals personal data under the current data key, in batches of `batch_size`.
    pub async fn rotate_data_key(
        &self,
        batch_size: i64,
        progress: impl FnMut(usize, usize) + Send + 'static,
    ) -> Result<usize, Error> {
        self.read(move |c, core| rotate(c, &core.cipher, batch_size, progress))
            .await
    }
}
