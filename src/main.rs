#[actix_web::main]
async fn main() -> std::process::ExitCode {
    prakerja_api::cli::main(prakerja_api::cli::parse()).await
}
