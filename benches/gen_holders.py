#!/usr/bin/env python3
"""Writes N registrable holders for `prakerja-api participants import` (the bulk-import figure in
benches/RESULTS.md): every NIK, KK number and phone valid by src/domain (nik.rs, phone.rs), every
NIK distinct, two holders per family card (the most eligibility allows), every holder 18 or older.

    python3 benches/gen_holders.py 1000000 > /tmp/holders.csv
    python3 benches/gen_holders.py 1000000 --format jsonl --start 2000000 > /tmp/holders.jsonl

--start shifts the numbering, so two files never share a NIK, KK or phone.
"""

import argparse
import json
import sys
from datetime import datetime, timedelta, timezone

# NIK: province (11-99), regency (01-99), district (01-99), birth date DDMMYY (day + 40 for
# women), serial (0001-9999). One birth date and district take 9,999 serials; 1,000,000 holders
# need 101 of them.
PROVINCES = ["31", "32", "33", "34", "35", "36", "51", "61", "73"]


def nik(i):
    serial = i % 9999 + 1
    block = i // 9999
    day = block % 28 + 1 + (40 if block % 2 else 0)
    month = (block // 28) % 12 + 1
    year = 70 + (block // 336) % 30  # born 1970-1999: 26 years or older
    district = (block // 10080) % 99 + 1
    province = PROVINCES[(block // 997920) % len(PROVINCES)]
    return f"{province}73{district:02d}{day:02d}{month:02d}{year:02d}{serial:04d}"


def holder(i, passed_at):
    return {
        "nik": nik(i),
        "kk_number": f"3273{i // 2:012d}",
        "full_name": "Peserta Gelombang Tujuh",
        "phone": f"081{i:09d}",
        "email": f"peserta{i}@example.com",
        "wave": 7,
        "passed_at": passed_at,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("count", type=int)
    ap.add_argument("--format", choices=["csv", "jsonl", "json"], default="csv")
    ap.add_argument("--start", type=int, default=0)
    args = ap.parse_args()
    if args.start + args.count > 99 * 10080 * 9999:
        sys.exit("too many holders for distinct NIKs")
    passed_at = (datetime.now(timezone.utc) - timedelta(days=1)).replace(microsecond=0).isoformat()
    out = sys.stdout
    keys = ["nik", "kk_number", "full_name", "phone", "email", "wave", "passed_at"]
    if args.format == "csv":
        out.write(",".join(keys) + "\n")
    elif args.format == "json":
        out.write("[\n")
    for n, i in enumerate(range(args.start, args.start + args.count)):
        h = holder(i, passed_at)
        if args.format == "csv":
            out.write(",".join(str(h[k]) for k in keys) + "\n")
        else:
            sep = ",\n" if args.format == "json" and n else ""
            out.write(sep + json.dumps(h))
            if args.format == "jsonl":
                out.write("\n")
    if args.format == "json":
        out.write("\n]\n")


if __name__ == "__main__":
    main()
