use clap::Parser;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    let cli = prakerja_api::cli::Cli::parse();
    match prakerja_api::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
