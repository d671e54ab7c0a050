//! The interactive docs at `/docs/`: Swagger UI, vendored into the binary (no CDN), over the
//! spec served at `/openapi.json`.

use actix_web::HttpResponse;
use utoipa_swagger_ui::{Config, SwaggerUi};

/// Swagger UI over `api`, the document as `prakerja-api openapi` prints it. Its online validator is off: left on, every page view from a host other
/// than localhost fetches a badge from swagger.io, telling it where this API's spec lives.
/// Tags open, operations collapsed (`list`), so each operation is on the page without a click.
pub fn swagger_ui(api: serde_json::Value) -> SwaggerUi {
    SwaggerUi::new("/docs/{_:.*}")
        .external_urls_from_iter_unchecked([("/openapi.json", api)])
        .config(
            Config::default()
                .validator_url("none")
                .doc_expansion("list"),
        )
}

/// `/docs` without the slash: Swagger UI's relative asset links need `/docs/`.
pub async fn redirect_to_docs() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header(("Location", "/docs/"))
        .finish()
}
