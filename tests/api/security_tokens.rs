//! Tokens and roles over every operation of the served spec: a forged, unsigned, expired or
//! misaddressed token is 401 `invalid_token` everywhere, and a token of a role the route does not
//! serve is 403 `forbidden` everywhere. The expected roles are a table here, not read from the
//! code: an operation the table does not name fails the test, so a new route cannot escape.

use std::collections::BTreeSet;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use prakerja_api::config::Config;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::post_training_helpers::holder_token;
use crate::purchase_helpers::{Tokens, register, tokens};

/// Who may call each bearer operation of the spec (the contract of API.md, written out).
pub const ROLES: &[(&str, &[&str])] = &[
    ("listAuditEvents", &["admin"]),
    ("approveCourse", &["admin"]),
    ("rejectCourse", &["admin"]),
    ("runDisbursements", &["admin"]),
    ("recordDisbursementResult", &["admin"]),
    ("registerParticipant", &["admin"]),
    ("importParticipants", &["admin"]),
    ("getParticipant", &["admin"]),
    ("freezeParticipant", &["admin"]),
    ("revealParticipant", &["admin"]),
    ("revokeParticipant", &["admin"]),
    ("unfreezeParticipant", &["admin"]),
    ("createPartner", &["admin"]),
    ("disablePartner", &["admin"]),
    ("enablePartner", &["admin"]),
    ("rotatePartnerSecret", &["admin"]),
    ("rotatePartnerSigningKey", &["admin"]),
    ("voidVoucher", &["admin"]),
    ("createCardValidation", &["platform"]),
    ("getCardValidation", &["platform"]),
    ("resendCardValidationOtp", &["platform"]),
    ("verifyCardValidation", &["platform"]),
    ("buyVoucher", &["platform"]),
    ("reportCompletions", &["lpk"]),
    ("submitCourse", &["lpk"]),
    ("addCourseSchedule", &["lpk"]),
    ("redeemVoucher", &["lpk"]),
    ("recordAttendance", &["lpk"]),
    ("reportCompletion", &["lpk"]),
    ("issueCertificate", &["lpk"]),
    ("listCourses", &["admin", "platform", "lpk"]),
    ("getCourse", &["admin", "platform", "lpk"]),
    ("listVouchers", &["admin", "platform", "lpk"]),
    ("getVoucher", &["admin", "platform", "lpk"]),
    ("listDisbursements", &["admin", "platform", "lpk"]),
    ("getDisbursement", &["admin", "platform", "lpk"]),
    ("listEvents", &["platform", "lpk"]),
    ("listEventDeliveries", &["platform", "lpk"]),
    ("redeliverEvent", &["platform", "lpk"]),
    ("listWebhookEndpoints", &["platform", "lpk"]),
    ("createWebhookEndpoint", &["platform", "lpk"]),
    ("deleteWebhookEndpoint", &["platform", "lpk"]),
    ("mintSandboxHolder", &["admin", "platform", "lpk"]),
    ("resetSandboxTestCards", &["admin", "platform", "lpk"]),
    ("listSandboxSms", &["admin", "platform", "lpk"]),
    ("getMe", &["participant"]),
    ("listMyDisbursements", &["participant"]),
    ("getPayoutAccount", &["participant"]),
    ("requestPayoutAccount", &["participant"]),
    ("confirmPayoutAccount", &["participant"]),
    ("submitSurvey", &["participant"]),
    ("listMyTrainings", &["participant"]),
    ("reviewMyTraining", &["participant"]),
];

/// One operation of the served spec.
pub struct Operation {
    pub id: String,
    pub method: String,
    pub path: String,
    /// Whether it declares bearer (or OAuth2) security.
    pub bearer: bool,
    /// Whether it takes a request body.
    pub body: bool,
}

/// Every operation of `GET /openapi.json`.
pub async fn served_operations(http: &Http) -> Vec<Operation> {
    let res = http.send(http.client.get(http.url("/openapi.json"))).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let mut all = Vec::new();
    for (path, item) in res.body["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            let Some(id) = op["operationId"].as_str() else {
                continue;
            };
            let bearer = op["security"].as_array().is_some_and(|s| {
                s.iter()
                    .any(|r| r.get("bearer").is_some() || r.get("oauth2").is_some())
            });
            all.push(Operation {
                id: id.to_string(),
                method: method.to_uppercase(),
                path: path.clone(),
                bearer,
                body: op.get("requestBody").is_some(),
            });
        }
    }
    all
}

/// `path` with every `{parameter}` filled by a well-formed value that names nothing.
pub fn with_placeholders(path: &str) -> String {
    path.replace("{course_code}", "CRS-22222222")
        .replace("{card_number}", "5200000000000015")
        .replace("{code}", "ABCD-EFGH-JKLM-NPQ2")
        .replace("{id}", "0190a0a0-0000-7000-8000-000000000000")
        .replace("{n}", "1")
}

/// `method path` with `token` and an empty JSON object as the body of a write.
pub async fn call(http: &Http, method: &str, path: &str, token: &str, body: &Value) -> Response {
    let url = http.url(path);
    let req = match method {
        "GET" => http.client.get(url),
        "DELETE" => http.client.delete(url),
        "PUT" => http.client.put(url).json(body),
        _ => http.client.post(url).json(body),
    };
    http.send(req.bearer_auth(token)).await
}

fn forge(claims: &Value, secret: &str, kid: Option<String>) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = kid;
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("encode")
}

/// An admin token forged with the server's own key (it must pass: the control), and tokens that
/// each differ from it in one way the server must refuse.
pub async fn forged_tokens(app: &TestApp) -> (String, Vec<(&'static str, String)>) {
    use base64::Engine;
    let good = app.token(ADMIN).await;
    let kid = jsonwebtoken::decode_header(&good).expect("header").kid;
    let claims = app.state.core.keys.verify(&good).expect("valid");
    let now = jsonwebtoken::get_current_timestamp();
    let base = json!({
        "iss": claims.iss, "aud": claims.aud, "sub": claims.sub, "role": "admin",
        "scope": "admin catalog:read vouchers:read disbursements:read",
        "iat": now, "exp": now + 600, "jti": "x"
    });
    let secret = Config::for_tests("sqlite://unused")
        .auth
        .jwt_secret
        .expose()
        .clone();
    let changed = |member: &str, value: Value| {
        let mut claims = base.clone();
        claims[member] = value;
        forge(&claims, &secret, kid.clone())
    };
    let mut expired = base.clone();
    expired["iat"] = json!(now - 7200);
    expired["exp"] = json!(now - 3600);
    let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let unsigned = format!(
        "{}.{}.",
        b64(json!({"alg": "none", "typ": "JWT", "kid": kid})),
        b64(base.clone())
    );
    let cases = vec![
        (
            "wrong signature",
            forge(&base, "another-secret-that-is-long-enough-000", kid.clone()),
        ),
        (
            "unknown kid",
            forge(&base, &secret, Some("ffffffffffffffff".into())),
        ),
        ("no kid", forge(&base, &secret, None)),
        ("expired", forge(&expired, &secret, kid.clone())),
        ("wrong audience", changed("aud", json!("someone-else"))),
        ("wrong issuer", changed("iss", json!("evil"))),
        ("unknown role", changed("role", json!("root"))),
        ("alg none", unsigned),
        ("garbage", "not.a.jwt".to_string()),
    ];
    (forge(&base, &secret, kid), cases)
}

/// The bearer operations of the spec, each checked against the table.
async fn bearer_operations(app: &TestApp) -> Vec<Operation> {
    let ops: Vec<Operation> = served_operations(app)
        .await
        .into_iter()
        .filter(|o| o.bearer)
        .collect();
    let served: BTreeSet<&str> = ops.iter().map(|o| o.id.as_str()).collect();
    let listed: BTreeSet<&str> = ROLES.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        served, listed,
        "every bearer operation of the spec needs its roles in ROLES, and only those"
    );
    ops
}

#[actix_web::test]
async fn every_bearer_operation_refuses_forged_unsigned_expired_and_misaddressed_tokens() {
    let app = spawn_app().await;
    let (control, forged) = forged_tokens(&app).await;
    assert_eq!(
        app.get("/v1/admin/audit-events", &control).await.status,
        200,
        "the control token, forged the same way with the right key, passes"
    );
    for op in bearer_operations(&app).await {
        let path = with_placeholders(&op.path);
        for (what, token) in &forged {
            let res = call(&app, &op.method, &path, token, &json!({})).await;
            assert_eq!(
                (res.status, res.code()),
                (401, "invalid_token"),
                "{what} on {} {}: {}",
                op.method,
                op.path,
                res.body
            );
        }
        let bare = match op.method.as_str() {
            "GET" => app.client.get(app.url(&path)),
            "DELETE" => app.client.delete(app.url(&path)),
            "PUT" => app.client.put(app.url(&path)).json(&json!({})),
            _ => app.client.post(app.url(&path)).json(&json!({})),
        };
        app.send(bare).await.problem(401, "invalid_token");
    }
}

#[actix_web::test]
async fn every_bearer_operation_is_forbidden_to_each_role_it_does_not_serve() {
    let app = spawn_app().await;
    let Tokens {
        admin,
        platform,
        lpk,
    } = tokens(&app).await;
    let holder = register(&app, &admin).await;
    let participant = holder_token(&app, &admin, &holder).await;
    let by_role = [
        ("admin", admin.as_str()),
        ("platform", platform.as_str()),
        ("lpk", lpk.as_str()),
        ("participant", participant.as_str()),
    ];
    let mut refused = 0;
    for op in bearer_operations(&app).await {
        let allowed = ROLES
            .iter()
            .find(|(id, _)| *id == op.id)
            .map(|(_, roles)| *roles)
            .unwrap_or_default();
        let path = with_placeholders(&op.path);
        for (role, token) in by_role.iter().filter(|(r, _)| !allowed.contains(r)) {
            let res = call(&app, &op.method, &path, token, &json!({})).await;
            assert_eq!(
                (res.status, res.code()),
                (403, "forbidden"),
                "a {role} token on {} {}: {}",
                op.method,
                op.path,
                res.body
            );
            refused += 1;
        }
    }
    assert!(refused > 100, "the matrix ran: {refused} refusals");
}
