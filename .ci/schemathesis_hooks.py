"""schemathesis hooks for .ci/schemathesis.

- Authenticates each operation with the token of the role it needs (an auth provider, so
  schemathesis knows the credentials are real and still sends cases without them to see them
  refused): admin for the `admin` and `disbursements` tags, the LPK for `training` and catalog
  writes, the holder for `participant` (its `/v1/me` routes), the platform for the rest.
- Signs the Prakerja-compatible requests as the sandbox LPK: those operations authenticate with an
  HMAC over the exact body (see the `prakerja-compatible` tag), which no static header can carry.
  Each signature is accepted once, so a case sent again gets an older timestamp (still inside the
  5-minute window) rather than a replayed signature. A case generated without one of the three
  headers is sent without it, so the server's refusal is what gets checked.
- Gives each request a fresh Idempotency-Key: schemathesis reuses one example key for requests with
  different bodies, which the contract answers 422 idempotency_key_reused, as it should.
"""

import hashlib
import hmac
import json
import os
import re
import time
import uuid
from collections.abc import Mapping

import schemathesis
from schemathesis.core import NOT_SET

CLIENT_CODE = "sandbox-lpk"
SIGNING_KEY = b"sandbox-lpk-signing-key"
SIGNED_PREFIX = "/api/v1/integration/"
SIGNED_HEADERS = ("client_code", "timestamp", "signature")
# The header's own schema (openapi.json): a key it allows is replaced, a malformed one kept.
IDEMPOTENCY_KEY = re.compile(r"^[!-~]{1,255}$")
_used: set[str] = set()
ROLE_OF_TAG = {
    "admin": "ADMIN",
    "disbursements": "ADMIN",
    "training": "LPK",
    "participant": "PARTICIPANT",
    "buying": "PLATFORM",
    "vouchers": "PLATFORM",
    "events": "PLATFORM",
    "webhooks": "PLATFORM",
    "sandbox": "PLATFORM",
    "catalog": "PLATFORM",
}


def _role(operation):
    if not operation.definition.raw.get("security"):
        return None
    tags = operation.definition.raw.get("tags") or []
    if "catalog" in tags and operation.method.upper() != "GET":
        return "LPK"
    return next((ROLE_OF_TAG[t] for t in tags if t in ROLE_OF_TAG), None)


# Uncached (refresh_interval=None): the token depends on the operation.
@schemathesis.auth(refresh_interval=None).apply_to(lambda ctx: _role(ctx.operation) is not None)
class RoleToken:
    def get(self, case, context):
        return os.environ[f"{_role(case.operation)}_TOKEN"]

    def set(self, case, data, context):
        case.headers = dict(case.headers or {})
        case.headers["Authorization"] = f"Bearer {data}"


def _header(headers, name):
    return next((k for k in headers if k.lower() == name), None)


def _body_bytes(body) -> bytes:
    if body is NOT_SET:
        return b""
    if isinstance(body, bytes):
        return body
    if body is None:
        return b"null"
    # What requests sends for `json=`: json.dumps with its default separators.
    return json.dumps(body, allow_nan=False).encode()


def _sign(case, headers):
    if not all(isinstance(headers.get(name), str) for name in SIGNED_HEADERS):
        return
    try:
        body = _body_bytes(case.body)
    except (TypeError, ValueError):
        return
    now = int(time.time())
    for age in range(0, 290):
        timestamp = str(now - age)
        message = b"".join(
            part.encode() if isinstance(part, str) else part
            for part in (CLIENT_CODE, timestamp, case.method.upper(), case.path, body)
        )
        signature = hmac.new(SIGNING_KEY, message, hashlib.sha1).hexdigest()
        if signature not in _used:
            _used.add(signature)
            break
    headers.update({"client_code": CLIENT_CODE, "timestamp": timestamp, "signature": signature})


@schemathesis.hook
def before_call(context, case, kwargs):
    if not isinstance(case.headers, Mapping):
        return
    headers = dict(case.headers)
    key = _header(headers, "idempotency-key")
    if key is not None and isinstance(headers[key], str) and IDEMPOTENCY_KEY.match(headers[key]):
        headers[key] = str(uuid.uuid4())
    if case.operation.path.startswith(SIGNED_PREFIX):
        _sign(case, headers)
    case.headers = headers
