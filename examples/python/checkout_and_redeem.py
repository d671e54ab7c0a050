"""The platform checkout and the LPK redeem, through a client generated from openapi/openapi.json.

Generate and install the client (what .ci/run does), then run this against a sandbox server:

    openapi-python-client generate --path openapi/openapi.json \
        --config examples/python/openapi-python-client.yaml --output-path target/pyclient
    pip install target/pyclient
    PRAKERJA_URL=http://127.0.0.1:8080 python3 examples/python/checkout_and_redeem.py

It buys with the test card 5200000000000015 (CARD and PHONE pick another), which can buy once per
fresh sandbox database.
"""

import datetime
import os
import sys
import uuid

from prakerja_api_client import AuthenticatedClient, Client
from prakerja_api_client.api.admin import approve_course
from prakerja_api_client.api.auth import create_token
from prakerja_api_client.api.buying import buy_voucher, create_card_validation, verify_card_validation
from prakerja_api_client.api.catalog import add_course_schedule, submit_course
from prakerja_api_client.api.events import list_events
from prakerja_api_client.api.sandbox import list_sandbox_sms
from prakerja_api_client.api.training import redeem_voucher
from prakerja_api_client.models import (
    CourseMode,
    NewCourse,
    NewSchedule,
    NewValidation,
    NewVoucher,
    OtpBody,
    RedeemBody,
    TokenRequest,
    VoucherIssuedEvent,
)

URL = os.environ.get("PRAKERJA_URL", "http://127.0.0.1:8080")
CARD = os.environ.get("CARD", "5200000000000015")
PHONE = os.environ.get("PHONE", "081200000001")


def expect(what, response, *statuses):
    """The parsed body of `response`, or exit naming the step and what the server said."""
    if response.status_code not in statuses:
        sys.exit(f"{what}: HTTP {response.status_code}: {response.content.decode(errors='replace')}")
    print(f"   {what}: {response.status_code}")
    return response.parsed


def client_for(client_id):
    """A client holding a token for one of the sandbox's partners (secret: `<id>-secret`)."""
    body = TokenRequest(
        grant_type="client_credentials",
        client_id=client_id,
        client_secret=f"{client_id}-secret",
    )
    token = expect(f"token for {client_id}", create_token.sync_detailed(client=Client(URL), body=body), 200)
    return AuthenticatedClient(URL, token=token.access_token)


def main():
    print("1. tokens (OAuth2 client credentials, form-encoded)")
    platform = client_for("sandbox-platform")
    lpk = client_for("sandbox-lpk")
    admin = client_for("sandbox-admin")

    print("2. the LPK offers a course with a run that started 30 minutes ago; the admin approves")
    course = expect(
        "submit course",
        submit_course.sync_detailed(
            client=lpk,
            body=NewCourse(
                title="Menjahit Dasar",
                description="Pelatihan menjahit untuk pemula.",
                price=350000,
                mode=CourseMode.OFFLINE,
                duration_hours=8,
                sessions=2,
            ),
        ),
        201,
    )
    now = datetime.datetime.now(datetime.timezone.utc)
    schedule = expect(
        "add schedule",
        add_course_schedule.sync_detailed(
            course.course_code,
            client=lpk,
            body=NewSchedule(
                starts_at=now - datetime.timedelta(minutes=30),
                ends_at=now + datetime.timedelta(days=2),
                quota=20,
            ),
        ),
        201,
    )
    expect("approve course", approve_course.sync_detailed(course.course_code, client=admin), 200)

    print(f"3. the platform validates card ************{CARD[-4:]}: an OTP goes to the holder")
    validation = expect(
        "card validation",
        create_card_validation.sync_detailed(
            client=platform,
            body=NewValidation(
                card_number=CARD,
                course_code=course.course_code,
                schedule_code=schedule.schedule_code,
            ),
        ),
        201,
    )
    sms = expect("sandbox SMS", list_sandbox_sms.sync_detailed(client=platform, phone=PHONE), 200)
    otp = sms.data[0].otp
    if not otp:
        sys.exit(f"the newest SMS to {PHONE} carries no otp: {sms.data[0].body!r}")
    verified = expect(
        "verify OTP",
        verify_card_validation.sync_detailed(validation.id, client=platform, body=OtpBody(otp=otp)),
        200,
    )
    print(f"   holder {verified.card.holder_name} has Rp{verified.card.balance}")

    voucher = expect(
        "buy voucher",
        buy_voucher.sync_detailed(
            client=platform,
            idempotency_key=str(uuid.uuid4()),
            body=NewVoucher(
                card_validation_id=uuid.UUID(validation.id),
                course_code=course.course_code,
                schedule_code=schedule.schedule_code,
                external_order_id=f"ORDER-{uuid.uuid4().hex}",
            ),
        ),
        201,
    )
    print(f"   voucher {voucher.code} ({voucher.status}), balance now Rp{voucher.balance_after}")

    print("4. the platform's event feed names the voucher, typed by its `type`")
    events = expect("list events", list_events.sync_detailed(client=platform), 200)
    issued = [e for e in events.data if isinstance(e, VoucherIssuedEvent) and e.data.code == voucher.code]
    if not issued:
        sys.exit(f"no voucher.issued event for {voucher.code} in {events.data!r}")

    print("5. the holder comes to the LPK with the voucher and the card: the LPK redeems")
    redeemed = expect(
        "redeem",
        redeem_voucher.sync_detailed(voucher.code, client=lpk, body=RedeemBody(card_number=CARD)),
        200,
    )
    if str(redeemed.status) != "redeemed":
        sys.exit(f"the voucher is {redeemed.status} after redeeming")
    print(f"   {redeemed.status} at {redeemed.redeemed_at}")
    print("done.")


if __name__ == "__main__":
    main()
