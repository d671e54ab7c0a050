//! The database's own transactional ceiling, without HTTP: what the purchase's transaction
//! writes for money and the voucher (the conditional debit of the holder's balance, then the
//! voucher insert), done with the crate's own db functions from `THREADS` threads, each its own
//! connection and holder; then the same with the purchase's audit event too (recorded into the
//! audit inbox, as the purchase does; the sealer chains it apart). Validations for the vouchers to
//! point at are copied in set-up, untimed.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use prakerja_api::db::card_validations::Validation;
use prakerja_api::db::schema::{card_validations, participants, vouchers as v};
use prakerja_api::db::vouchers::Voucher;
use prakerja_api::db::{self, DbConn};
use prakerja_api::domain::validation::ValidationState;
use prakerja_api::domain::{ValidationId, VoucherCode, VoucherId};
use prakerja_api::error::{Error, ErrorCode};
use prakerja_api::service::Actor;
use prakerja_api::service::audit::{self, Event};

use crate::fixture::Ctx;
use crate::openloop::{histogram, quantile_ms};
use crate::report::{self, Measured};
use crate::support::Backend;

const THREADS: usize = 8;
/// Validations copied per thread per second of load: above what one connection commits here.
const PER_THREAD_PER_SECOND: u64 = 3000;

/// The holders' vouchers to copy, each with validations of its own for the copies to use.
fn set_up(ctx: &mut Ctx, per_thread: usize) -> Vec<(Voucher, Vec<ValidationId>)> {
    // The newest vouchers are the fixture's (at national size too), each of its own holder.
    ctx.top_up_bought(THREADS);
    let pool = db::pool(&ctx.db.url, 1).expect("pool");
    let mut conn = pool.get().expect("connection");
    let c: &mut DbConn = &mut conn;
    let rows: Vec<Voucher> = v::table
        .order(v::issued_at.desc())
        .limit(THREADS as i64)
        .select(Voucher::as_select())
        .load(c)
        .expect("the bought vouchers");
    let mut out = Vec::new();
    for row in rows {
        // Enough balance for every debit the load can make.
        diesel::update(participants::table.filter(participants::id.eq(&row.participant_id)))
            .set(participants::balance.eq(participants::balance + 1_000_000_000_000_000i64))
            .execute(c)
            .expect("balance raised");
        let template: Validation = card_validations::table
            .filter(card_validations::id.eq(&row.card_validation_id))
            .select(Validation::as_select())
            .first(c)
            .expect("the voucher's validation");
        let copies: Vec<Validation> = (0..per_thread)
            .map(|_| Validation {
                id: ValidationId::new(),
                status: ValidationState::Used,
                ..template.clone()
            })
            .collect();
        for chunk in copies.chunks(1000) {
            // Per backend: the multi-backend connection would insert row by row.
            let insert = diesel::insert_into(card_validations::table).values(chunk);
            match c {
                DbConn::Pg(pg) => insert.execute(pg),
                DbConn::Sqlite(lite) => insert.execute(lite),
            }
            .expect("validations copied");
        }
        out.push((row, copies.into_iter().map(|v| v.id).collect()));
    }
    out
}

/// One purchase's money and voucher writes in one write transaction, optionally with its audit
/// event.
fn transaction(
    c: &mut DbConn,
    template: &Voucher,
    validation: ValidationId,
    with_audit: bool,
    n: usize,
) -> Result<(), Error> {
    let now = db::now();
    db::write_tx(c, |c| {
        let debited = db::participants::debit(c, &template.participant_id, template.amount, now)?;
        assert!(debited, "the raised balance covers every debit");
        let row = Voucher {
            id: VoucherId::new(),
            code: VoucherCode::generate(),
            card_validation_id: validation,
            external_order_id: format!("D-{}", uuid::Uuid::now_v7().simple()),
            issued_at: now,
            ..template.clone()
        };
        db::vouchers::insert(c, &row)?;
        if with_audit {
            audit::record(
                c,
                &Actor::system("bench"),
                Event {
                    action: "voucher.issue",
                    target_type: "voucher",
                    target_id: row.code.as_str(),
                    details: serde_json::json!({"amount": row.amount, "n": n}),
                },
            )?;
        }
        Ok(())
    })
}

fn load(
    ctx: &Ctx,
    work: Vec<(Voucher, Vec<ValidationId>)>,
    with_audit: bool,
) -> (f64, hdrhistogram::Histogram<u64>, bool, usize) {
    let pool = db::pool(&ctx.db.url, THREADS as u32 + 1).expect("pool");
    let until = Instant::now() + Duration::from_secs(ctx.seconds);
    let started = Instant::now();
    // The server's sealer runs beside the writers, as it does in service: its work is counted.
    let sealer = with_audit.then(|| {
        let pool = pool.clone();
        std::thread::spawn(move || {
            let mut conn = pool.get().expect("connection");
            while Instant::now() < until {
                std::thread::sleep(Duration::from_secs(1));
                audit::seal(&mut conn).unwrap_or_else(|e| panic!("sealing: {e:?}"));
            }
        })
    });
    let threads: Vec<_> = work
        .into_iter()
        .map(|(template, validations)| {
            let pool = pool.clone();
            std::thread::spawn(move || {
                let mut conn = pool.get().expect("connection");
                let mut h = histogram();
                let mut dry = true;
                let mut refused = 0;
                for (n, validation) in validations.into_iter().enumerate() {
                    if Instant::now() >= until {
                        dry = false;
                        break;
                    }
                    let t = Instant::now();
                    let outcome = transaction(&mut conn, &template, validation, with_audit, n);
                    let _ = h.record(t.elapsed().as_micros().max(1) as u64);
                    match outcome {
                        Ok(()) => {}
                        // SQLite's busy handler is not fair: a writer asleep in it can find the
                        // lock taken by the running ones at every try until busy_timeout (10 s)
                        // runs out. That wait is a latency and a refusal, counted as both.
                        Err(e) if e.code == ErrorCode::Unavailable => refused += 1,
                        Err(e) => panic!(
                            "direct transaction {n} failed after {:?}: {e:?}",
                            t.elapsed()
                        ),
                    }
                }
                (h, dry, refused)
            })
        })
        .collect();
    let mut all = histogram();
    let mut dry = false;
    let mut refused = 0;
    for t in threads {
        let (h, d, r) = t.join().expect("transaction thread");
        all.add(h).expect("same bounds");
        dry |= d;
        refused += r;
    }
    let elapsed = started.elapsed().as_secs_f64();
    if let Some(sealer) = sealer {
        sealer.join().expect("sealer thread");
    }
    let committed = all.len() as usize - refused;
    (committed as f64 / elapsed, all, dry, refused)
}

pub fn run(ctx: &mut Ctx) -> Vec<Measured> {
    let per_thread = (ctx.seconds * PER_THREAD_PER_SECOND) as usize;
    let ceiling = match ctx.backend {
        Backend::Postgres => Some(report::PGBENCH_TPCB),
        Backend::Sqlite => None,
    };
    let mut rows = Vec::new();
    for (path, with_audit) in [
        (report::DB_CEILING, false),
        ("diesel: debit + voucher insert + audit event", true),
    ] {
        let work = set_up(ctx, per_thread);
        let (rate, h, dry, refused) = load(ctx, work, with_audit);
        let dry = if dry { ", ran out of set-up rows" } else { "" };
        let refused = match refused {
            0 => String::new(),
            n => format!(", {n} refused after waiting busy_timeout (10 s)"),
        };
        rows.push(Measured {
            path: path.into(),
            per_second: rate,
            unit: "tx/s",
            p50_ms: quantile_ms(&h, 0.5),
            p99_ms: quantile_ms(&h, 0.99),
            half_load_p99_ms: None,
            ceiling,
            note: format!(
                "{THREADS} threads, a connection and a holder each, no HTTP{dry}{refused}"
            ),
        });
    }
    rows
}
