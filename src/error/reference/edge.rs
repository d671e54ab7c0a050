//! The texts of the codes about the call rather than the program: the request's shape, auth,
//! idempotency, webhook set-up and our own failures. Mostly the partner's to fix.

texts! {
    // Request shape: a bug in the partner's client, never the holder's doing.
    "validation_failed" => (
        "A member of the body or a query parameter is missing, of the wrong type, unknown, or breaks a rule (length, range, format). `errors[]` names each one by its path (`card_number`, `items[3].score`, `certificates[0].number`) with a code: `required`, `invalid_type`, `unknown_field`, or the rule's own. Fix the request: sent unchanged it fails the same way. Not stored against an Idempotency-Key, so the corrected request may reuse the key.",
        "Ada data yang belum lengkap atau tidak sesuai. Periksa kembali isian Anda, lalu kirim ulang.",
        "Some of the details are missing or not valid. Please check what you entered and send it again."
    ),
    "malformed_json" => (
        "The body is not valid JSON at all (cut off, trailing characters, a bare key). A serialisation bug in the client: log the exact body it sent.",
        "Terjadi gangguan teknis saat memproses permintaan Anda. Silakan coba lagi; jika terus berulang, hubungi layanan pelanggan kami.",
        "A technical problem stopped your request. Please try again; if it keeps happening, contact our customer service."
    ),
    "malformed_query" => (
        "A query parameter cannot be read as its type: `limit=abc`, a `since` that is not RFC 3339, a `status` that is not one of the listed values. Fix the URL the client builds.",
        "Terjadi gangguan teknis saat memuat data Anda. Silakan muat ulang halaman atau coba lagi nanti.",
        "A technical problem stopped us from loading your data. Please reload the page or try again later."
    ),
    "not_found" => (
        "Nothing at this path, or nothing with that identifier that your token may see: it does not exist, it belongs to another partner (always 404, never 403, so identifiers cannot be probed), or the route is not served here (the sandbox helpers are off in production). Check the identifier and which partner's token you used.",
        "Data yang Anda cari tidak ditemukan. Periksa kembali nomor atau kode yang Anda masukkan.",
        "We could not find what you are looking for. Please check the number or code you entered."
    ),
    "unsupported_media_type" => (
        "The body's Content-Type is not one this operation reads. Send `application/json`; the token endpoint also takes `application/x-www-form-urlencoded`, the participant import `text/csv`.",
        "Terjadi gangguan teknis saat mengirim data Anda. Silakan coba lagi; jika terus berulang, hubungi layanan pelanggan kami.",
        "A technical problem stopped your details from being sent. Please try again; if it keeps happening, contact our customer service."
    ),
    "payload_too_large" => (
        "The body is over the server's limit (`PRAKERJA_MAX_BODY_BYTES`, 2 MiB by default); the detail gives the limit. Split bulk work: a completion batch holds at most 1,000 rows.",
        "Data yang dikirim terlalu besar untuk diproses sekaligus. Silakan coba lagi dengan data yang lebih sedikit.",
        "What was sent is too large to process at once. Please try again with less data."
    ),
    "method_not_allowed" => (
        "The path exists but not with this HTTP method; the `Allow` header lists the methods it takes.",
        "Terjadi gangguan teknis pada aplikasi. Silakan coba lagi nanti.",
        "A technical problem occurred in the app. Please try again later."
    ),
    "bad_request" => (
        "The request could not be read at all: the body stream broke off, a form body or CSV header cannot be parsed, or the HTTP request itself is malformed. Check what the client sends on the wire.",
        "Terjadi gangguan teknis saat mengirim permintaan Anda. Silakan coba lagi.",
        "A technical problem occurred while sending your request. Please try again."
    ),
    "invalid_cursor" => (
        "The `cursor` is not one this listing returned (altered, truncated, or from another listing). Pass `next_cursor` back exactly as received, or start again without a cursor.",
        "Daftar tidak dapat dimuat. Silakan muat ulang dari halaman pertama.",
        "The list could not be loaded. Please reload it from the first page."
    ),
    // Auth
    "invalid_client" => (
        "The token request names an unknown `client_id`, the `client_secret` is wrong (or was rotated), or the partner was disabled by program management. Check the credentials your deployment uses; do not retry in a loop.",
        "Layanan sedang tidak dapat terhubung ke sistem Prakerja. Silakan coba lagi nanti.",
        "The service cannot connect to the Prakerja system right now. Please try again later."
    ),
    "unsupported_grant_type" => (
        "`grant_type` is missing or not `client_credentials`, the only grant this server issues tokens for.",
        "Layanan sedang tidak dapat terhubung ke sistem Prakerja. Silakan coba lagi nanti.",
        "The service cannot connect to the Prakerja system right now. Please try again later."
    ),
    "invalid_scope" => (
        "`scope` asks for a scope this client was not granted. Ask for a subset of the client's scopes, or leave `scope` out to get all of them.",
        "Layanan sedang tidak dapat terhubung ke sistem Prakerja. Silakan coba lagi nanti.",
        "The service cannot connect to the Prakerja system right now. Please try again later."
    ),
    "invalid_token" => (
        "The bearer token is missing, malformed, expired (partner tokens last 15 minutes by default, a holder's 10), signed by a key we no longer hold, or revoked because the partner was disabled or its secret rotated. Get a new token and retry once. For a holder's token: sign the holder in again.",
        "Sesi Anda sudah berakhir. Silakan masuk kembali, lalu ulangi langkah terakhir.",
        "Your session has ended. Please sign in again, then repeat your last step."
    ),
    "forbidden" => (
        "The token is valid but its role may not call this operation (a platform calling an LPK route), or it was issued without the scope this route needs. Request a token with the right scope; a different role needs a different client.",
        "Anda tidak memiliki akses untuk tindakan ini.",
        "You do not have access to do this."
    ),
    "invalid_signature" => (
        "Prakerja-compatible endpoints: the `signature` header is missing or does not match, or `client_code` is not an LPK's client id. Sign `client_code + timestamp + METHOD + path + raw body` with HMAC-SHA1 under the LPK's signing key and send it in lowercase hex; after a key rotation, sign with the new key.",
        "Penukaran voucher sedang tidak dapat diproses. Silakan coba lagi nanti atau hubungi lembaga pelatihan.",
        "Voucher redemption cannot be processed right now. Please try again later or contact the training institution."
    ),
    "timestamp_out_of_window" => (
        "Prakerja-compatible endpoints: `timestamp` is more than 5 minutes from the server's clock, or not unix seconds. Sync the client's clock (NTP) and sign each request when it is sent.",
        "Penukaran voucher sedang tidak dapat diproses. Silakan coba lagi beberapa saat lagi.",
        "Voucher redemption cannot be processed right now. Please try again in a moment."
    ),
    "signature_reused" => (
        "Prakerja-compatible endpoints: this exact signature was already accepted once (a replay). Sign a retry again with a fresh timestamp.",
        "Penukaran voucher sedang tidak dapat diproses. Silakan coba lagi beberapa saat lagi.",
        "Voucher redemption cannot be processed right now. Please try again in a moment."
    ),
    "rate_limited" => (
        "Too many requests: your partner's rate (100 per second with bursts of 200 by default), the token endpoint's per client and per address, or the per-card OTP cap (10 SMS per card per hour, validations and sign-ins together). Wait the `Retry-After` seconds before retrying.",
        "Terlalu banyak percobaan dalam waktu singkat. Tunggu sebentar (untuk kode OTP, bisa hingga satu jam), lalu coba lagi.",
        "Too many attempts in a short time. Please wait a little (for OTP codes, up to an hour) and try again."
    ),
    // Idempotency
    "invalid_idempotency_key" => (
        "`Idempotency-Key` must be 1 to 255 visible ASCII characters, with no spaces. A UUID per logical operation is the usual choice.",
        "Terjadi gangguan teknis saat mengirim permintaan Anda. Silakan coba lagi.",
        "A technical problem occurred while sending your request. Please try again."
    ),
    "idempotency_key_reused" => (
        "This `Idempotency-Key` was first used with another method, path or body. Use a new key for a new request; reuse a key only to retry the very same request.",
        "Terjadi gangguan teknis saat mengirim permintaan Anda. Silakan coba lagi.",
        "A technical problem occurred while sending your request. Please try again."
    ),
    "idempotency_in_progress" => (
        "The first request with this `Idempotency-Key` is still running. Retry the same request shortly: it answers with the first one's result once that is stored.",
        "Permintaan Anda sedang diproses. Mohon tunggu sebentar dan jangan mengulang pembayaran.",
        "Your request is being processed. Please wait a moment and do not pay again."
    ),
    // Webhooks: the partner's own set-up; a holder's request never fails on them.
    "webhook_url_not_allowed" => (
        "The webhook URL is refused: not `https://`, its host does not resolve, or it resolves to an address that is not on the public internet (private, loopback, link-local); the stable `reason` member says which.",
        "Tidak ada yang perlu disampaikan kepada peserta: ini pengaturan integrasi mitra, dan transaksi peserta tetap berjalan.",
        "Nothing to tell the holder: this is the partner's integration setting, and the holder's transactions go on as usual."
    ),
    "webhook_endpoint_limit" => (
        "You already have the most webhook endpoints allowed (10). Delete one before registering another.",
        "Tidak ada yang perlu disampaikan kepada peserta: ini pengaturan integrasi mitra, dan transaksi peserta tetap berjalan.",
        "Nothing to tell the holder: this is the partner's integration setting, and the holder's transactions go on as usual."
    ),
    "webhook_endpoint_disabled" => (
        "The endpoint was disabled after failing repeatedly, so nothing is redelivered to it. Fix the receiver and register a new endpoint; the event feed (`GET /v1/events`) still holds what was missed.",
        "Tidak ada yang perlu disampaikan kepada peserta: ini pengaturan integrasi mitra, dan transaksi peserta tetap berjalan.",
        "Nothing to tell the holder: this is the partner's integration setting, and the holder's transactions go on as usual."
    ),
    // Server
    "internal_error" => (
        "A failure on our side, logged with the request id. Retry later (a POST with the same `Idempotency-Key` is safe to retry); quote `request_id` to support if it persists.",
        "Terjadi gangguan pada sistem kami. Silakan coba lagi beberapa saat lagi.",
        "Something went wrong on our side. Please try again in a few moments."
    ),
    "service_unavailable" => (
        "The service cannot serve right now (the database is unreachable, or too many secrets are being checked at once). Retry after `Retry-After` seconds, with the same `Idempotency-Key` for POSTs.",
        "Layanan sedang sibuk atau dalam pemeliharaan. Silakan coba lagi dalam beberapa menit.",
        "The service is busy or under maintenance. Please try again in a few minutes."
    ),
}
