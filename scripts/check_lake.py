#!/usr/bin/env python3
"""Read a kb4-events lake with DuckDB (hive partitioning) and compare it with the simulator's ground truth.

usage: check_lake.py LAKE_DIR TRUTH.ndjson FIRST_DAY LAST_DAY
Checks: per-day counts equal the truth's for every day in the range, no partition outside it,
CSV header (for a CSV lake), and that `dt` is only a partition column. Exits non-zero on any mismatch.
"""
import json
import sys
from collections import Counter

import duckdb


def main() -> int:
    lake, truth_path, first, last = sys.argv[1:5]
    truth = Counter()
    with open(truth_path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                day = json.loads(line)["occurred_date"][:10]
                if first <= day <= last:
                    truth[day] += 1
    manifest = json.load(open(f"{lake}/_manifest.json", encoding="utf-8"))
    fmt = manifest["format"]
    pattern = f"{lake}/events/*/*.{fmt}.gz"
    con = duckdb.connect()
    if fmt == "ndjson":
        rel = f"read_json_auto('{pattern}', hive_partitioning=true, format='newline_delimited')"
    else:
        rel = f"read_csv('{pattern}', hive_partitioning=true, header=true, all_varchar=true)"
        header = con.sql(f"DESCRIBE SELECT * FROM {rel}").fetchall()
        names = [row[0] for row in header]
        expected = ("id,account_id,occurred_date,event_type__id,event_type__name,event_type__description,user__id,"
                    "user__email,user__archived,external_id,source,description,risk__level,risk__factor,"
                    "risk__decay_mode,risk__expire_date,metadata,_extra").split(",") + ["dt"]
        if names != expected:
            print(f"FAIL csv columns {names}")
            return 1
    rows = con.sql(f"SELECT CAST(dt AS VARCHAR), count(*) FROM {rel} GROUP BY 1 ORDER BY 1").fetchall()
    got = {str(day): n for day, n in rows}
    problems = []
    for day in sorted(set(truth) | set(got)):
        if truth.get(day, 0) != got.get(day, 0):
            problems.append(f"{day}: lake {got.get(day, 0)} truth {truth.get(day, 0)}")
    empty_days = [d for d, w in manifest["windows"].items() if w["events"] == 0]
    total = sum(got.values())
    if problems:
        print("FAIL per-day counts differ: " + "; ".join(problems))
        return 1
    distinct = con.sql(f"SELECT count(DISTINCT id) FROM {rel}").fetchall()[0][0]
    if distinct != total:
        print(f"FAIL duplicate ids: {total} rows, {distinct} distinct")
        return 1
    print(f"OK duckdb read {total} events in {len(got)} day partitions ({fmt}); "
          f"{len(empty_days)} empty days recorded; counts equal the truth")
    return 0


if __name__ == "__main__":
    sys.exit(main())
