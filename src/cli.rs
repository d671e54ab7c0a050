//! The command line: `serve` (default), `migrate`, `openapi`, `admin create-client`, `audit verify`,
//! `rotate-data-key`, `purge`, `disbursements run`.

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::Config;
use crate::domain::partner::PartnerKind;
use crate::service::audit::ChainCheck;
use crate::service::{Actor, Call, Core};
use crate::startup::{Application, prepare_database};

#[derive(Debug, Parser)]
#[command(
    name = "prakerja-api",
    version,
    about = "Partner integration API of a Prakerja-style training-voucher program"
)]
pub struct Cli {
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
    /// Administration.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Re-encrypt personal data under PRAKERJA_DATA_KEY_ID (old keys must still be in PRAKERJA_DATA_KEYS).
    RotateDataKey {
        #[arg(long, default_value_t = 500)]
        batch_size: i64,
    },
    /// Delete what retention windows no longer keep, once.
    Purge,
    /// Incentive payments.
    Disbursements {
        #[command(subcommand)]
        command: DisbursementCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum DisbursementCommand {
    /// One disbursement run (as `POST /v1/admin/disbursements/run`); prints its summary as JSON.
    Run {
        /// The business date (WIB, YYYY-MM-DD) to run as of; today by default.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a client; prints its id and secret once.
    CreateClient {
        #[arg(long)]
        kind: ClientKind,
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain; names the first broken link. Exit code 1 when broken.
    Verify,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ClientKind {
    Admin,
    Platform,
    Lpk,
}

pub async fn run(cli: Cli) -> Result<(), String> {
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Openapi = command {
        print!("{}", crate::openapi::spec_json());
        return Ok(());
    }
    let config = Config::from_env().map_err(|e| e.to_string())?;
    crate::telemetry::init(config.log_json);
    match command {
        Command::Serve => {
            let app = Application::build(config).await?;
            app.run_until_stopped().await.map_err(|e| e.to_string())
        }
        Command::Migrate => prepare_database(&config)
            .await
            .map(|_| println!("migrations up to date")),
        Command::Openapi => Ok(()),
        Command::Admin {
            command: AdminCommand::CreateClient { kind, name },
        } => {
            let kind = match kind {
                ClientKind::Admin => PartnerKind::Admin,
                ClientKind::Platform => PartnerKind::Platform,
                ClientKind::Lpk => PartnerKind::Lpk,
            };
            let core = core(&config).await?;
            let creds = core
                .create_partner(&Call::by(Actor::system("cli")), name, kind)
                .await
                .map_err(|e| e.to_string())?;
            println!("partner_id:    {}", creds.id);
            println!("client_id:     {}", creds.client_id);
            println!(
                "client_secret: {}  (shown once: store it now)",
                creds.client_secret
            );
            if let Some(key) = &creds.signing_key {
                println!("signing_key:   {key}  (shown once: signs Prakerja-compatible requests)");
            }
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let check = core(&config)
                .await?
                .verify_audit_chain(|seq| eprintln!("verified up to event {seq}"))
                .await
                .map_err(|e| e.to_string())?;
            match check {
                ChainCheck::Intact { events, head } => {
                    println!("audit chain intact: {events} events, head {head}");
                    Ok(())
                }
                ChainCheck::Broken { seq, reason } => {
                    Err(format!("audit chain broken at event {seq}: {reason}"))
                }
            }
        }
        Command::RotateDataKey { batch_size } => {
            let n = core(&config)
                .await?
                .rotate_data_key(batch_size.clamp(1, 10_000), |seen, done| {
                    eprintln!("checked {seen} holders, re-encrypted {done}")
                })
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "re-encrypted {n} holders under key {:?}",
                config.keys.data_key_id
            );
            Ok(())
        }
        Command::Purge => {
            let purged = core(&config)
                .await?
                .purge()
                .await
                .map_err(|e| e.to_string())?;
            println!("idempotency records: {}", purged.idempotency_records);
            println!("sandbox SMS:         {}", purged.sandbox_sms);
            println!("card validations:    {}", purged.card_validations);
            println!("OTP send records:    {}", purged.otp_sends);
            println!("holder OTPs:         {}", purged.otp_challenges);
            println!(
                "unconfirmed payout accounts: {}",
                purged.pending_payout_accounts
            );
            println!("seen signatures:     {}", purged.seen_signatures);
            Ok(())
        }
        Command::Disbursements {
            command: DisbursementCommand::Run { as_of },
        } => {
            let operator = std::env::var("USER").unwrap_or_else(|_| "cli".into());
            let summary = core(&config)
                .await?
                .run_disbursements(&Call::by(Actor::system(&operator)), as_of)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "{}",
                serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())?
            );
            Ok(())
        }
    }
}

/// The core over a migrated database, for a command that works on it directly.
async fn core(config: &Config) -> Result<Core, String> {
    let pool = prepare_database(config).await?;
    Core::new(pool, config)
}
