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
- Walks the money path for real in the stateful phase: a positive "create a card validation"
  gets a freshly minted sandbox holder and the self-paced sandbox course, its verification the
  OTP the sandbox sent, the voucher bought on it that course, and its redemption the holder's
  card. The links carry the ids; without these values every chain would stop at the first
  refusal (an unknown card, a wrong OTP) and never reach redeem or completion.
- Gives each request a fresh Idempotency-Key: schemathesis reuses one example key for requests with
  different bodies, which the contract answers 422 idempotency_key_reused, as it should.
"""

import hashlib
import hmac
import json
import os
import re
import time
import urllib.parse
import urllib.request
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


# Stateful steering (see the module's docstring): validation id / voucher code -> its holder.
_holders_of_validations: dict[str, dict] = {}
_holders_of_vouchers: dict[str, dict] = {}
_self_paced: list[str] = []
_pending: dict[str, dict] = {}  # case id -> the holder its request was steered to


def _sandbox(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        os.environ["PRAKERJA_URL"] + path,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {os.environ['PLATFORM_TOKEN']}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)


def _self_paced_course():
    if not _self_paced:
        courses = _sandbox("GET", "/v1/courses?limit=100")["data"]
        _self_paced.extend(c["course_code"] for c in courses if c["status"] == "approved" and not c["schedules"])
    return _self_paced[0]


def _steer(case):
    meta = case.meta
    if meta is None or meta.phase.name.value != "stateful" or meta.generation.mode.value != "positive":
        return
    op = case.operation.definition.raw.get("operationId")
    body = case.body if isinstance(case.body, dict) else None
    if op == "createCardValidation" and body is not None:
        holder = _sandbox("POST", "/v1/sandbox/holders", {"state": "active"})
        case.body = {"card_number": holder["card_number"], "course_code": _self_paced_course()}
        _pending[case.id] = holder
    elif op == "verifyCardValidation" and body is not None:
        holder = _holders_of_validations.get(str(case.path_parameters.get("id")))
        if holder:
            phone = urllib.parse.quote(holder["phone"])
            case.body = {"otp": _sandbox("GET", f"/v1/sandbox/sms?phone={phone}")["data"][0]["otp"]}
    elif op == "buyVoucher" and body is not None:
        holder = _holders_of_validations.get(str(body.get("card_validation_id")))
        if holder:
            case.body = {
                "card_validation_id": body["card_validation_id"],
                "course_code": _self_paced_course(),
                "external_order_id": f"FUZZ-{uuid.uuid4()}",
            }
            _pending[case.id] = holder
    elif op == "redeemVoucher" and body is not None:
        holder = _holders_of_vouchers.get(str(case.path_parameters.get("code")))
        if holder:
            case.body = {"card_number": holder["card_number"]}


@schemathesis.hook
def after_call(context, case, response):
    holder = _pending.pop(case.id, None)
    if holder is None or not 200 <= response.status_code < 300:
        return
    answer = response.json()
    if "id" in answer:
        _holders_of_validations[str(answer["id"])] = holder
    if "code" in answer:
        _holders_of_vouchers[str(answer["code"])] = holder


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
    _steer(case)
    if not isinstance(case.headers, Mapping):
        return
    headers = dict(case.headers)
    key = _header(headers, "idempotency-key")
    if key is not None and isinstance(headers[key], str) and IDEMPOTENCY_KEY.match(headers[key]):
        headers[key] = str(uuid.uuid4())
    if case.operation.path.startswith(SIGNED_PREFIX):
        _sign(case, headers)
    case.headers = headers
