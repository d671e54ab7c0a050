//! `/docs` as a partner's browser shows it: Swagger UI rendered by headless Chromium (see
//! `chromium.rs`; skipped with a message when none is installed, except under `CI=true`).
//!
//! The page is loaded under a made-up host name mapped to 127.0.0.1, not as 127.0.0.1 itself:
//! Swagger UI treats `localhost`/`127.0.0.1` specially (it skips its online validator there), so
//! only a real-looking host shows what a deployed docs page would request.

use std::collections::BTreeSet;
use std::io::{Read, Write};

use serde_json::Value;

use crate::chromium::{Chromium, Page};
use crate::helpers::*;

const DOCS_HOST: &str = "docs.prakerja.test";
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The served spec, and `/docs` rendered from the same server.
async fn rendered_docs(test: &str) -> Option<(Value, Page)> {
    let chromium = Chromium::find(test)?;
    let app = spawn_app().await;
    let spec = app.send(app.client.get(app.url("/openapi.json"))).await;
    assert_eq!(spec.status, 200);
    let port = app.address.rsplit(':').next().expect("address has a port");
    // `/docs` itself, as a partner types it: it redirects to `/docs/`.
    let page = chromium.load(&format!("http://{DOCS_HOST}:{port}/docs"), &[DOCS_HOST]);
    Some((spec.body, page))
}

#[actix_web::test]
async fn docs_page_in_chromium_lists_every_tag_and_operation_of_the_served_spec() {
    let Some((spec, page)) =
        rendered_docs("docs_page_in_chromium_lists_every_tag_and_operation_of_the_served_spec")
            .await
    else {
        return;
    };
    let dom = &page.dom;
    let title = spec["info"]["title"].as_str().expect("spec has a title");
    assert!(
        dom.contains("class=\"title\">") && dom.contains(&html_escape(title)),
        "the spec did not render (no title {title:?}); DOM starts:\n{}",
        dom.chars().take(2000).collect::<String>()
    );
    assert!(
        !dom.contains("errors-wrapper"),
        "Swagger UI shows errors rendering the spec"
    );

    let rendered = Opblock::all(dom);
    let mut tags: BTreeSet<String> = spec["tags"]
        .as_array()
        .expect("spec lists its tags")
        .iter()
        .map(|t| t["name"].as_str().expect("tag name").to_string())
        .collect();
    let paths = spec["paths"].as_object().expect("spec has paths");
    let mut missing = Vec::new();
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let id = op["operationId"].as_str().unwrap_or_default();
            let op_tags: Vec<&str> = op["tags"]
                .as_array()
                .map(|t| t.iter().filter_map(Value::as_str).collect())
                .unwrap_or_else(|| vec!["default"]);
            for tag in op_tags {
                tags.insert(tag.to_string());
                let expected = Opblock {
                    id: format!(
                        "operations-{}-{}",
                        tag.replace(' ', "_"),
                        id.replace(' ', "_")
                    ),
                    method: method.to_string(),
                    path: path.clone(),
                };
                if !rendered.contains(&expected) {
                    missing.push(format!(
                        "{} {path} ({id}) under tag {tag}",
                        method.to_uppercase()
                    ));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "operations of the spec not on the docs page: {missing:#?}"
    );
    let unlisted: Vec<&String> = tags
        .iter()
        .filter(|tag| !dom.contains(&format!("data-tag=\"{}\"", html_escape(tag))))
        .collect();
    assert!(
        unlisted.is_empty(),
        "tags of the spec not on the docs page: {unlisted:?}"
    );
}

#[actix_web::test]
async fn docs_page_in_chromium_requests_nothing_beyond_its_own_host() {
    let Some((_, page)) =
        rendered_docs("docs_page_in_chromium_requests_nothing_beyond_its_own_host").await
    else {
        return;
    };
    // The log saw the page's own loads, so an empty list below is a finding, not a blind spot.
    for own in ["/docs/swagger-ui-bundle.js", "/openapi.json"] {
        assert!(
            page.requests.iter().any(|url| url.ends_with(own)),
            "network log lacks {own}: {:#?}",
            page.requests
        );
    }
    let outside = page.requests_beyond(&[DOCS_HOST]);
    assert!(
        outside.is_empty(),
        "the docs page requests beyond its host: {outside:#?}"
    );
}

/// The request check itself, on a page that does load from outside: a CDN script and image.
#[actix_web::test]
async fn the_request_check_catches_a_page_that_loads_from_a_cdn() {
    let Some(chromium) = Chromium::find("the_request_check_catches_a_page_that_loads_from_a_cdn")
    else {
        return;
    };
    let script = "https://cdn.example.com/swagger-ui-bundle.js";
    let image = "http://images.example.net/logo.png";
    let html = format!(
        "<html><body><script src=\"{script}\"></script><img src=\"{image}\"></body></html>"
    );
    let port = serve_forever(html);
    let host = "page.prakerja.test";
    let page = chromium.load(&format!("http://{host}:{port}/"), &[host]);
    let outside = page.requests_beyond(&[host]);
    assert!(
        outside.contains(&script) && outside.contains(&image),
        "outside requests not seen: {outside:?} of {:#?}",
        page.requests
    );
}

/// An operation as Swagger UI renders it: `<div class="opblock opblock-{method}" id=...>`
/// holding the method and `data-path`.
#[derive(Debug, PartialEq)]
struct Opblock {
    id: String,
    method: String,
    path: String,
}

impl Opblock {
    fn all(dom: &str) -> Vec<Opblock> {
        dom.split("<div class=\"opblock opblock-")
            .skip(1)
            .filter_map(|block| {
                let method = block.split(['"', ' ']).next()?;
                Some(Opblock {
                    id: attribute(block, "id")?,
                    method: method.to_string(),
                    path: attribute(block, "data-path")?,
                })
            })
            .collect()
    }
}

/// The first `name="..."` value in `html`, unescaped.
fn attribute(html: &str, name: &str) -> Option<String> {
    let start = html.find(&format!(" {name}=\""))? + name.len() + 3;
    let value = &html[start..start + html[start..].find('"')?];
    Some(
        value
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A server on 127.0.0.1 answering every request with `html`, for as long as the tests run.
fn serve_forever(html: String) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("local addr").port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{html}",
                html.len()
            );
        }
    });
    port
}
