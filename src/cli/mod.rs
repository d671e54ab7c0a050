//! The command line: `prakerja-api <noun> <verb>`. Every program-management action works on the
//! database directly through the same use cases (and so the same audit trail) as the HTTP API; the
//! actor is the operator named by `--as` or `$USER`. Human output by default, `--json` for
//! scripts, an exit code per kind of failure (`output.rs`).

mod audit;
mod courses;
mod disbursements;
mod import;
mod maintenance;
mod output;
mod participants;
mod partners;
mod vouchers;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::config::Config;
use crate::service::{Actor, Call, Core};
use crate::startup::{Application, prepare_database};
pub use output::{Failure, Out};

const AFTER_HELP: &str = "\
Environment (a .env file is read too; README's Configuration table has every variable):
  DATABASE_URL           sqlite://path or postgres://… (default sqlite://data/prakerja.db)
  PRAKERJA_ENV           production refuses development defaults
  PRAKERJA_DATA_KEYS     id:base64(32 bytes),…: keys of NIK, KK, phone, email
  PRAKERJA_DATA_KEY_ID   which of them encrypts new values
  PRAKERJA_INDEX_KEY     base64(32 bytes): blind-index key
  PRAKERJA_DEV_KEY_FILE  development keys (default data/dev-keys)
  PRAKERJA_DB_POOL_SIZE  connections
  PRAKERJA_SANDBOX       sandbox gateways (payouts, SMS) instead of the real ones
  PRAKERJA_PAYOUT_GATEWAY_URL, PRAKERJA_PAYOUT_GATEWAY_AUTHORIZATION  disbursements run
  PRAKERJA_LOG_FORMAT, RUST_LOG  logs (on stderr for every command but serve)
  OTEL_EXPORTER_OTLP_ENDPOINT  serve exports spans over OTLP/HTTP to this collector
  USER                   the operator recorded in the audit trail when --as is not given

Exit codes:
  0  done
  1  refused by a rule (the error code and detail are printed on stderr), or a check failed
  2  usage: bad arguments or configuration
  3  not found (no such card, partner, course, voucher or disbursement)
  4  the database cannot be reached
  5  internal error";

#[derive(Debug, Parser)]
#[command(
    name = "prakerja-api",
    version,
    about = "Partner integration API of a Prakerja-style training-voucher program"
)]
pub struct Cli {
    /// Print results as JSON (errors too, on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    /// The operator's name, recorded as the actor of every change (default: $USER).
    #[arg(long = "as", global = true, value_name = "NAME")]
    pub operator: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document (what openapi/openapi.json holds).
    Openapi,
    /// Card holders: register, import, show, freeze, unfreeze, revoke.
    #[command(subcommand)]
    Participants(participants::ParticipantCommand),
    /// Platforms and LPKs: create, list, rotate-secret, disable, enable.
    #[command(subcommand)]
    Partners(partners::PartnerCommand),
    /// The catalogue's review: pending, approve, reject.
    #[command(subcommand)]
    Courses(courses::CourseCommand),
    /// Vouchers: show, void.
    #[command(subcommand)]
    Vouchers(vouchers::VoucherCommand),
    /// Incentive payments: run, show, record (bank results from a CSV).
    #[command(subcommand)]
    Disbursements(disbursements::DisbursementCommand),
    /// The audit trail: verify, tail.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Administration (kept for compatibility: `admin create-client` is `partners create`).
    #[command(subcommand)]
    Admin(partners::AdminCommand),
    /// Re-encrypt personal data under PRAKERJA_DATA_KEY_ID (old keys must still be in PRAKERJA_DATA_KEYS).
    RotateDataKey {
        #[arg(long, default_value_t = 500)]
        batch_size: i64,
    },
    /// Delete what retention windows no longer keep, once; prints what each removed.
    Purge,
}

/// What a command that works on the database has: the core, the configuration, the output.
pub struct Ctx {
    pub core: Core,
    pub config: Config,
    pub out: Out,
    operator: Option<String>,
}

impl Ctx {
    /// A call by the operator: `--as NAME`, else `$USER`; a change without a name is refused.
    pub fn call(&self) -> Result<Call, Failure> {
        let name = self
            .operator
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| {
                Failure::Usage("name the operator with --as NAME (or set USER)".into())
            })?;
        Ok(Call::by(Actor::operator(&name)))
    }
}

/// The arguments of this process; every command's `--help` ends with the environment and the exit
/// codes.
pub fn parse() -> Cli {
    fn with_help(c: clap::Command) -> clap::Command {
        c.after_help(AFTER_HELP).mut_subcommands(with_help)
    }
    let matches = with_help(Cli::command()).get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// Runs the command line; the exit code says what failed.
pub async fn main(cli: Cli) -> ExitCode {
    let out = Out { json: cli.json };
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            failure.report(out.json);
            failure.exit_code()
        }
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let out = Out { json: cli.json };
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Openapi = command {
        return out.raw(&crate::openapi::spec_json());
    }
    let config = Config::from_env().map_err(|e| Failure::Usage(e.to_string()))?;
    if let Command::Serve = command {
        let _telemetry = crate::telemetry::init(&config);
        let app = Application::build(config).await.map_err(|e| {
            if e.starts_with("cannot bind") {
                Failure::Usage(e)
            } else {
                Failure::Unreachable(e)
            }
        })?;
        return app
            .run_until_stopped()
            .await
            .map_err(|e| Failure::Internal(e.to_string()));
    }
    logs_on_stderr(config.log_json);
    let pool = prepare_database(&config)
        .await
        .map_err(Failure::Unreachable)?;
    if let Command::Migrate = command {
        return out.show(&serde_json::json!({"migrations": "up to date"}), |w| {
            writeln!(w, "migrations up to date")
        });
    }
    let core = Core::new(pool, &config).map_err(Failure::Usage)?;
    let ctx = Ctx {
        core,
        config,
        out,
        operator: cli.operator,
    };
    let done = match command {
        Command::Serve | Command::Migrate | Command::Openapi => Ok(()),
        Command::Participants(c) => participants::run(c, &ctx).await,
        Command::Partners(c) => partners::run(c, &ctx).await,
        Command::Admin(c) => partners::run_admin(c, &ctx).await,
        Command::Courses(c) => courses::run(c, &ctx).await,
        Command::Vouchers(c) => vouchers::run(c, &ctx).await,
        Command::Disbursements(c) => disbursements::run(c, &ctx).await,
        Command::Audit(c) => audit::run(c, &ctx).await,
        Command::RotateDataKey { batch_size } => {
            maintenance::rotate_data_key(&ctx, batch_size).await
        }
        Command::Purge => maintenance::purge(&ctx).await,
    };
    // What the command recorded is chained before it exits, server running or not.
    if let Err(e) = ctx.core.seal_audit_trail().await {
        tracing::warn!(error = %e, "the audit events recorded stay in the inbox until a server seals them");
    }
    done
}

/// Logs of a one-off command go to stderr, so stdout holds only its result (`--json` stays
/// parseable); warnings only unless `RUST_LOG` asks for more.
fn logs_on_stderr(json: bool) {
    use tracing_subscriber::{EnvFilter, fmt};
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let builder = fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
