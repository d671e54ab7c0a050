//! A national-size database: 1,000,000 holders with 3,000,000 vouchers (`BENCH_NATIONAL_HOLDERS`
//! sets the holders; three vouchers each), of whom 100,000 (`BENCH_DUE_PAYMENTS`) have a training
//! incentive due today. Seeded once into a template (a PostgreSQL database, or a SQLite file under
//! target/) named by a hash of the migrations, the seed's version and its size, and copied for
//! each run; a template of another hash is removed, so one is kept per backend.
//!
//! The database is migrated and its sandbox seeded by the server's own code; the holders' rows are
//! built by the crate's functions (see `rows`) and written by COPY on PostgreSQL, by multi-row
//! inserts in one transaction on SQLite (see `write`). Each registration has its audit event,
//! chained like the sealer chains the bulk import's, so `audit verify` passes.

mod rows;
mod write;

use std::path::{Path, PathBuf};
use std::time::Instant;

use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use prakerja_api::config::Config;
use prakerja_api::crypto::PiiCipher;
use prakerja_api::db::schema::{courses, partners};
use prakerja_api::domain::working_days::Calendar;
use prakerja_api::domain::{CourseId, PartnerId, Rupiah};
use prakerja_api::service::audit::{chained, inbox_row};
use prakerja_api::service::sandbox::SEED_COURSES;
use prakerja_api::service::{Actor, Core, participants};
use sha2::{Digest, Sha256};

use crate::support::{BenchDatabase, database_url, env_or, postgres_admin};
use rows::{Batch, Shared};
use write::Sink;

/// Bump when the seeded rows change: the templates are then seeded again.
const SEED_VERSION: u32 = 2;
/// Holders built and written at a time (memory stays flat whatever the size).
const BATCH: usize = 10_000;

/// How many holders, and how many of them are owed a payment today.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub holders: usize,
    pub due: usize,
}

impl Size {
    pub fn from_env() -> Self {
        let holders = env_or("BENCH_NATIONAL_HOLDERS", 1_000_000);
        let due = env_or("BENCH_DUE_PAYMENTS", 100_000).min(holders);
        Self { holders, due }
    }
}

/// A fresh copy of the national-size database on PostgreSQL (`admin`: a URL of its server, as
/// `BENCH_DATABASE_URL`) or, without one, on SQLite; the template is seeded first if missing.
pub fn national(admin: Option<&str>, size: Size) -> BenchDatabase {
    let key = template_key(
        if admin.is_some() {
            "postgres"
        } else {
            "sqlite"
        },
        size,
    );
    match admin {
        Some(admin) => {
            let name = format!("prakerja_bench_national_{key}");
            if !postgres_has(admin, &name) {
                drop_other_templates(admin);
                let building = format!("{name}_building");
                let run = |sql: String| postgres_admin(admin, &sql).expect("template database");
                run(format!("DROP DATABASE IF EXISTS \"{building}\""));
                run(format!("CREATE DATABASE \"{building}\""));
                let url = database_url(admin, &building).expect("the URL names a database");
                seed(&url, size);
                let mut c = PgConnection::establish(&url).expect("template reachable");
                let bytes: i64 = diesel::select(pg_database_size(&building))
                    .get_result(&mut c)
                    .expect("size");
                drop(c);
                println!(
                    "national seed size, PostgreSQL: {:.2} GB",
                    bytes as f64 / 1e9
                );
                run(format!(
                    "ALTER DATABASE \"{building}\" RENAME TO \"{name}\""
                ));
            }
            BenchDatabase::postgres_copy(admin, &name)
        }
        None => {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-national");
            let path = dir.join(format!("national-{key}.db"));
            if !path.exists() {
                let _ = std::fs::remove_dir_all(&dir);
                std::fs::create_dir_all(&dir).expect("target/bench-national");
                let building = dir.join("building.db");
                seed(&format!("sqlite://{}", building.display()), size);
                let bytes = std::fs::metadata(&building).map(|m| m.len()).unwrap_or(0);
                println!("national seed size, SQLite: {:.2} GB", bytes as f64 / 1e9);
                std::fs::rename(&building, &path).expect("template in place");
            }
            BenchDatabase::sqlite_copy(&path)
        }
    }
}

diesel::define_sql_function!(fn pg_database_size(name: diesel::sql_types::Text) -> diesel::sql_types::BigInt);

/// The migrations (names and contents), the seed's version and size: another value, another seed.
fn template_key(backend: &str, size: Size) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    let mut steps: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("migrations")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    steps.sort();
    let mut h = Sha256::new();
    h.update(format!("{SEED_VERSION}/{}/{}", size.holders, size.due));
    for step in steps {
        h.update(step.file_name().unwrap_or_default().as_encoded_bytes());
        h.update(std::fs::read(step.join("up.sql")).unwrap_or_default());
    }
    hex::encode(h.finalize())[..12].to_string()
}

fn postgres_has(admin: &str, name: &str) -> bool {
    use diesel::sql_types::Text;
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = Text)]
        datname: String,
    }
    let mut c = PgConnection::establish(admin).expect("BENCH_DATABASE_URL reachable");
    diesel::sql_query("SELECT datname FROM pg_database WHERE datname = $1")
        .bind::<Text, _>(name)
        .load::<Found>(&mut c)
        .expect("pg_database")
        .iter()
        .any(|f| f.datname == name)
}

/// Templates of other hashes: the disk holds one national-size database per backend.
fn drop_other_templates(admin: &str) {
    use diesel::sql_types::Text;
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = Text)]
        datname: String,
    }
    let mut c = PgConnection::establish(admin).expect("BENCH_DATABASE_URL reachable");
    let old = diesel::sql_query(
        "SELECT datname FROM pg_database WHERE datname LIKE 'prakerja\\_bench\\_national\\_%'",
    )
    .load::<Found>(&mut c)
    .expect("pg_database");
    for f in old {
        postgres_admin(admin, &format!("DROP DATABASE IF EXISTS \"{}\"", f.datname))
            .expect("old template dropped");
    }
}

/// Migrates and seeds the sandbox through the server's code, then writes the holders.
fn seed(url: &str, size: Size) {
    let started = Instant::now();
    let config = Config::for_tests(url);
    let pool = actix_web::rt::System::new().block_on(async {
        let pool = prakerja_api::startup::prepare_database(&config)
            .await
            .expect("migrated");
        let core = Core::new(pool.clone(), &config).expect("core");
        core.seed_sandbox_if_empty().await.expect("sandbox seeded");
        pool
    });
    let mut conn = pool.get().expect("a connection");
    let (platform, lpk, course, price, sessions): (PartnerId, PartnerId, CourseId, Rupiah, i32) =
        courses::table
            .inner_join(partners::table.on(partners::client_id.eq("sandbox-platform")))
            .filter(courses::title.eq(SEED_COURSES.1))
            .select((
                partners::id,
                courses::lpk_id,
                courses::id,
                courses::price,
                courses::sessions,
            ))
            .first(&mut conn)
            .expect("the sandbox's self-paced course");
    let holidays = prakerja_api::db::disbursements::holidays(&mut conn).expect("holidays");
    let now = prakerja_api::db::now();
    let mut shared = Shared {
        cipher: PiiCipher::from_config(&config),
        platform,
        lpk,
        course,
        price,
        sessions,
        scheme: prakerja_api::db::disbursements::scheme(&mut conn, 7).expect("scheme"),
        calendar: Calendar::new(holidays.iter().filter_map(|d| d.parse().ok())),
        now,
        today: prakerja_api::domain::time::today_wib(now),
        cards: Default::default(),
        codes: Default::default(),
    };
    // The sandbox seed's events are sealed first, so the holders' chain on after them.
    prakerja_api::service::audit::seal(&mut conn).expect("sandbox events sealed");
    let (mut seq, mut prev) = prakerja_api::db::audit::head(&mut conn).expect("audit head");
    drop(conn);
    drop(pool);

    let mut sink = if url.starts_with("sqlite") {
        let mut c = SqliteConnection::establish(prakerja_api::db::sqlite_path(url)).expect("file");
        // A bench template, rebuilt from scratch if anything fails: no journal needed.
        diesel::sql_query("PRAGMA journal_mode = OFF")
            .execute(&mut c)
            .expect("pragma");
        diesel::sql_query("PRAGMA synchronous = OFF")
            .execute(&mut c)
            .expect("pragma");
        Sink::Sqlite(c)
    } else {
        Sink::Postgres(PgConnection::establish(url).expect("template reachable"))
    };
    let actor = Actor::operator("bench-seed");
    let mut run = |sink: &mut Sink| -> QueryResult<()> {
        for start in (0..size.holders).step_by(BATCH) {
            let mut batch = Batch::default();
            for i in start..(start + BATCH).min(size.holders) {
                batch.holder(&mut shared, i, i < size.due);
            }
            let mut audit = Vec::with_capacity(batch.participants.len());
            for p in &batch.participants {
                seq += 1;
                let event = inbox_row(p.created_at, &actor, participants::registered(p));
                let row = chained(seq, std::mem::take(&mut prev), event);
                prev.clone_from(&row.hash);
                audit.push(row);
            }
            sink.batch(&batch, &audit)?;
            if (start / BATCH) % 10 == 9 {
                eprintln!(
                    "  {} holders, {:.0} s",
                    start + BATCH,
                    started.elapsed().as_secs_f64()
                );
            }
        }
        sink.set_audit_head(seq, &prev)
    };
    sink.begin().expect("begin");
    run(&mut sink).expect("seeded");
    sink.finish().expect("committed");
    println!(
        "national seed, {}: {} holders, {} vouchers, {} due, {:.0} s",
        if url.starts_with("sqlite") {
            "SQLite"
        } else {
            "PostgreSQL"
        },
        size.holders,
        size.holders * 3,
        size.due,
        started.elapsed().as_secs_f64()
    );
}
