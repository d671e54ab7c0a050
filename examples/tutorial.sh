#!/usr/bin/env bash
# The README's tutorial as one script: the whole life of a sandbox holder, with curl, against a
# running sandbox server (`cargo run`). Each step is the README's command; CI runs this script
# against a fresh server, so the tutorial cannot drift from what the server does.
#
#   examples/tutorial.sh            # PRAKERJA_URL (default http://127.0.0.1:8080), HOOK_PORT (9099)
#
# Needs curl, jq and python3 (the webhook receiver). It mints its own holder, so it runs again and again.
set -euo pipefail

B=${PRAKERJA_URL:-http://127.0.0.1:8080}
HOOK_PORT=${HOOK_PORT:-9099}
HOOKS=$(mktemp)
JSON=(-H 'Content-Type: application/json')

# Quiet, but a refusal stops the script with the problem+json the server answered.
curl() { command curl -sS --fail-with-body "$@"; }
trap 'echo "tutorial.sh: failed at line $LINENO" >&2' ERR
step() { printf '\n== %s\n' "$*"; }
token() { # client_id: a partner's token by client credentials (the sandbox secrets are <id>-secret)
  curl -X POST "$B/v1/oauth/token" -d grant_type=client_credentials \
    -d client_id="$1" -d client_secret="$1-secret" | jq -r .access_token
}
otp() { # phone: the last OTP the sandbox would have sent there
  curl "$B/v1/sandbox/sms?phone=$1" -H "Authorization: Bearer $PLATFORM" | jq -r '.data[0].otp'
}

# A webhook receiver on this machine: it stores what it is sent (the sandbox accepts http:// URLs).
python3 - "$HOOK_PORT" "$HOOKS" <<'PY' &
import http.server, sys
class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open(sys.argv[2], "ab") as out:
            out.write(body + b"\n")
        self.send_response(204)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver).serve_forever()
PY
RECEIVER=$!
trap 'kill $RECEIVER 2>/dev/null; rm -f "$HOOKS"' EXIT

step "1. Tokens: the platform, the LPK and program management"
PLATFORM=$(token sandbox-platform)
LPK=$(token sandbox-lpk)
ADMIN=$(token sandbox-admin)
echo "platform token: ${PLATFORM:0:24}..."

step "2. The platform registers its webhook endpoint"
ENDPOINT=$(curl -X POST "$B/v1/webhook-endpoints" -H "Authorization: Bearer $PLATFORM" "${JSON[@]}" \
  -d "{\"url\":\"http://127.0.0.1:$HOOK_PORT/hooks\",\"events\":[\"voucher.issued\",\"voucher.completed\",\"disbursement.updated\"]}")
echo "$ENDPOINT" | jq '{id, events, status, secret}'
# This receiver lives as long as the script: its endpoint goes with it.
trap 'curl -X DELETE "$B/v1/webhook-endpoints/$(echo "$ENDPOINT" | jq -r .id)" -H "Authorization: Bearer $PLATFORM" >/dev/null
  kill $RECEIVER 2>/dev/null; rm -f "$HOOKS"' EXIT

step "3. A fresh test holder, and the self-paced course to sell"
HOLDER=$(curl -X POST "$B/v1/sandbox/holders" -H "Authorization: Bearer $PLATFORM" "${JSON[@]}" -d '{"state":"active"}')
echo "$HOLDER" | jq '{card_number, phone, holder_name, balance}'
CARD=$(echo "$HOLDER" | jq -r .card_number)
PHONE=$(echo "$HOLDER" | jq -r .phone)
COURSE=$(curl "$B/v1/courses" -H "Authorization: Bearer $PLATFORM" |
  jq -r '[.data[] | select(.schedules == [])][0].course_code')
echo "course: $COURSE"

step "4. Card validation: every check runs, then the OTP SMS goes to the holder"
VALIDATION=$(curl -X POST "$B/v1/card-validations" -H "Authorization: Bearer $PLATFORM" "${JSON[@]}" \
  -d "{\"card_number\":\"$CARD\",\"course_code\":\"$COURSE\"}")
echo "$VALIDATION" | jq .
VALIDATION_ID=$(echo "$VALIDATION" | jq -r .id)

step "5. The holder reads the OTP to the platform, which verifies it"
curl -X POST "$B/v1/card-validations/$VALIDATION_ID/verify" -H "Authorization: Bearer $PLATFORM" "${JSON[@]}" \
  -d "{\"otp\":\"$(otp "$PHONE")\"}" | jq .

step "6. The voucher: the balance is debited once, whatever the retries"
ORDER="ORDER-$(date +%s)"
VOUCHER=$(curl -X POST "$B/v1/vouchers" -H "Authorization: Bearer $PLATFORM" "${JSON[@]}" \
  -H "Idempotency-Key: $ORDER" \
  -d "{\"card_validation_id\":\"$VALIDATION_ID\",\"course_code\":\"$COURSE\",\"external_order_id\":\"$ORDER\"}")
echo "$VOUCHER" | jq '{code, status, amount, balance_after, external_order_id}'
CODE=$(echo "$VOUCHER" | jq -r .code)

step "7. The LPK redeems it with the holder's card number"
curl -X POST "$B/v1/vouchers/$CODE/redeem" -H "Authorization: Bearer $LPK" "${JSON[@]}" \
  -d "{\"card_number\":\"$CARD\"}" | jq '{code, status, redeemed_at}'

step "8. The LPK reports the completion, then its certificate"
NOW=$(date -u +%FT%T.%3NZ)
curl -X POST "$B/v1/vouchers/$CODE/completion" -H "Authorization: Bearer $LPK" "${JSON[@]}" \
  -d "{\"completed_at\":\"$NOW\",\"passed\":true,\"score\":88}" | jq '{code, status, completed_at, score}'
curl -X POST "$B/v1/vouchers/$CODE/certificates" -H "Authorization: Bearer $LPK" "${JSON[@]}" \
  -d "{\"kind\":\"lpk\",\"number\":\"LPK-$ORDER\",\"issued_at\":\"$NOW\",\"url\":\"https://lpk.example.id/certificates/$ORDER.pdf\"}" |
  jq '{code, certificates}'

step "9. The holder signs in to the dashboard with an OTP"
SESSION=$(curl -X POST "$B/v1/participant/sessions" "${JSON[@]}" -d "{\"card_number\":\"$CARD\"}" | jq -r .id)
HOLDER_TOKEN=$(curl -X POST "$B/v1/participant/sessions/$SESSION/verify" "${JSON[@]}" \
  -d "{\"otp\":\"$(otp "$PHONE")\"}" | jq -r .access_token)
curl "$B/v1/me" -H "Authorization: Bearer $HOLDER_TOKEN" | jq '{holder_name, balance, incentive}'

step "10. The holder rates and reviews the training, and links a bank account (confirmed by OTP)"
curl -X POST "$B/v1/me/trainings/$CODE/review" -H "Authorization: Bearer $HOLDER_TOKEN" "${JSON[@]}" \
  -d '{"rating":5,"review":"Materinya praktis dan langsung bisa dipakai untuk usaha saya."}' | jq '{finished, missing, review}'
NAME=$(echo "$HOLDER" | jq -r .holder_name)
CONFIRMATION=$(curl -X PUT "$B/v1/me/payout-account" -H "Authorization: Bearer $HOLDER_TOKEN" "${JSON[@]}" \
  -d "{\"kind\":\"bank\",\"bank_code\":\"014\",\"account_number\":\"1234567890\",\"holder_name\":\"$NAME\"}" | jq -r .confirmation_id)
curl -X POST "$B/v1/me/payout-account/confirm" -H "Authorization: Bearer $HOLDER_TOKEN" "${JSON[@]}" \
  -d "{\"confirmation_id\":\"$CONFIRMATION\",\"otp\":\"$(otp "$PHONE")\"}" | jq .
curl "$B/v1/me" -H "Authorization: Bearer $HOLDER_TOKEN" | jq '{incentive}'

step "11. Program management runs the disbursements"
curl -X POST "$B/v1/admin/disbursements/run" -H "Authorization: Bearer $ADMIN" "${JSON[@]}" -d '{}' | jq .

step "12. The platform pulls its customer's incentive payments"
PAYMENTS=$(curl "$B/v1/disbursements?card_number=$CARD" -H "Authorization: Bearer $PLATFORM")
echo "$PAYMENTS" | jq -c '.data[] | {tranche, amount, status, status_label_id, scheduled_for, expected_by}'
echo "$PAYMENTS" | jq -e 'any(.data[]; .tranche == 1 and .status == "paid")' >/dev/null

step "13. The webhooks the platform received for this holder"
for _ in $(seq 1 30); do
  grep -q "\"status\":\"paid\"" "$HOOKS" && grep -q "$CODE" "$HOOKS" && break
  sleep 1
done
jq -c --arg code "$CODE" --arg card "$CARD" \
  'select(.data.code == $code or .data.card_number == $card) | {type, id, status: .data.status, tranche: .data.tranche}' "$HOOKS"
jq -s -e --arg card "$CARD" \
  'any(.[]; .type == "disbursement.updated" and .data.card_number == $card and .data.status == "paid")' "$HOOKS" >/dev/null
echo
echo "done: card $CARD bought, redeemed, completed, certified, reviewed and paid its first tranche."
