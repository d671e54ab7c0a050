"""Prints `NAME=token` lines for .ci/schemathesis: one token per role of the sandbox."""

import json
import sys
import urllib.parse
import urllib.request

base = sys.argv[1]


def call(method, path, body=None, token=None, form=False):
    headers = {}
    data = None
    if body is not None:
        if form:
            data = urllib.parse.urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)


def partner(client):
    return call("POST", "/v1/oauth/token", {"grant_type": "client_credentials",
                "client_id": client, "client_secret": f"{client}-secret"}, form=True)["access_token"]


tokens = {name: partner(f"sandbox-{name.lower()}") for name in ("ADMIN", "PLATFORM", "LPK")}
holder = call("POST", "/v1/sandbox/holders", {"state": "ready_for_incentive"}, tokens["PLATFORM"])
session = call("POST", "/v1/participant/sessions", {"card_number": holder["card_number"]})
phone = urllib.parse.quote(holder["phone"])
otp = call("GET", f"/v1/sandbox/sms?phone={phone}", token=tokens["PLATFORM"])["data"][0]["otp"]
tokens["PARTICIPANT"] = call("POST", f"/v1/participant/sessions/{session['id']}/verify",
                             {"otp": otp})["access_token"]
for name, token in tokens.items():
    print(f"{name}_TOKEN={token}")
