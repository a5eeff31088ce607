#!/usr/bin/env python3
"""The plain-Python baseline for the benchmark: what a stdlib script does with the same raw pages.

usage: bench_python.py RAW_DIR OUT_DIR
For every _raw/dt=D/page-*.json.gz: json.loads the page, sort the day's events by (occurred_date, id),
json.dumps each compactly (ensure_ascii=False), and write events/dt=D/part-00000.ndjson.gz with gzip level 6.
"""
import gzip
import json
import os
import sys


def main() -> int:
    raw, out = sys.argv[1:3]
    total = 0
    for part in sorted(os.listdir(raw)):
        if not part.startswith("dt="):
            continue
        events = []
        for name in sorted(os.listdir(os.path.join(raw, part))):
            with gzip.open(os.path.join(raw, part, name), "rb") as f:
                events.extend(json.loads(f.read())["data"])
        events.sort(key=lambda e: (e["occurred_date"], e["id"]))
        os.makedirs(os.path.join(out, part), exist_ok=True)
        with gzip.open(os.path.join(out, part, "part-00000.ndjson.gz"), "wb", compresslevel=6) as f:
            for e in events:
                f.write(json.dumps(e, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
        total += len(events)
    print(total)
    return 0


if __name__ == "__main__":
    sys.exit(main())
