"""Parquet rows of scripts/bench.sh: file sizes and DuckDB query times, Parquet lake against gzip NDJSON lake.

usage: bench_parquet.py NDJSON_LAKE PARQUET_LAKE SCRATCH
Prints markdown table rows.
"""
import glob
import json
import os
import sys
import time

import duckdb
import pyarrow.parquet as pq

nd, pql, scratch = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(scratch, exist_ok=True)
days = sorted(json.load(open(pql + "/_manifest.json"))["windows"])
ours = ndj = zstd = 0
ratios_nd, ratios_zstd = [], []
for day in days:
    p = f"{pql}/events/dt={day}/part-00000.parquet"
    n = f"{nd}/events/dt={day}/part-00000.ndjson.gz"
    table = pq.read_table(p)
    if table.num_rows == 0:
        continue
    z = f"{scratch}/{day}.zstd.parquet"
    pq.write_table(table, z, compression="zstd")
    a, b, c = os.path.getsize(p), os.path.getsize(n), os.path.getsize(z)
    ours, ndj, zstd = ours + a, ndj + b, zstd + c
    ratios_nd.append(a / b)
    ratios_zstd.append(a / c)
rows = sum(pq.ParquetFile(p).metadata.num_rows for p in glob.glob(pql + "/events/*/*.parquet"))
# The lake's codec, as its files record it (ZSTD by default, GZIP with output.parquet_compression: gzip).
codec = "/".join(sorted({pq.ParquetFile(p).metadata.row_group(0).column(0).compression
                         for p in glob.glob(pql + "/events/*/*.parquet") if pq.ParquetFile(p).metadata.num_row_groups}))
print(f"| file size, {rows} events in {len(ratios_nd)} days: Parquet ({codec}) vs gzip NDJSON | "
      f"{ours / 1e6:.1f} MB vs {ndj / 1e6:.1f} MB = **{ours / ndj:.2f}×** (per day {min(ratios_nd):.2f}–{max(ratios_nd):.2f}) | ≤ 0.6× |")
print(f"| file size: Parquet ({codec}) vs pyarrow `write_table(compression=\"zstd\")` of the same rows per day | "
      f"{ours / 1e6:.1f} MB vs {zstd / 1e6:.1f} MB = **{ours / zstd:.2f}×** (per day {min(ratios_zstd):.2f}–{max(ratios_zstd):.2f}) | < 1.0× |")

con = duckdb.connect()
con.execute("SET threads = 2")
pq_src = f"read_parquet('{pql}/events/*/*.parquet', hive_partitioning = true)"
nd_src = f"read_json('{nd}/events/*/*.ndjson.gz', format = 'newline_delimited', hive_partitioning = true)"
one = con.sql(f"SELECT user__id, count(*) FROM {pq_src} GROUP BY 1 ORDER BY 2 DESC LIMIT 1").fetchone()[0]
mid = days[len(days) // 2]
queries = [
    ("count by event type over all days",
     f"SELECT event_type__name, count(*) FROM {pq_src} GROUP BY 1",
     f"SELECT event_type.name, count(*) FROM {nd_src} GROUP BY 1"),
    ("one user's events",
     f"SELECT * FROM {pq_src} WHERE user__id = {one}",
     f"SELECT * FROM {nd_src} WHERE \"user\".id = {one}"),
    (f"one hour of one day ({mid} 13:00)",
     f"SELECT * FROM {pq_src} WHERE dt = '{mid}' AND occurred_date >= TIMESTAMPTZ '{mid} 13:00:00+00' AND occurred_date < TIMESTAMPTZ '{mid} 14:00:00+00'",
     f"SELECT * FROM {nd_src} WHERE dt = '{mid}' AND CAST(occurred_date AS TIMESTAMPTZ) >= TIMESTAMPTZ '{mid} 13:00:00+00' AND CAST(occurred_date AS TIMESTAMPTZ) < TIMESTAMPTZ '{mid} 14:00:00+00'"),
]


def best(sql):
    times, n = [], None
    for _ in range(3):
        t = time.perf_counter()
        result = con.sql(sql).arrow()  # every column materialised, as Arrow (no pytz needed for TIMESTAMPTZ)
        n = (result.read_all() if hasattr(result, "read_all") else result).num_rows
        times.append(time.perf_counter() - t)
    return min(times), n


for name, a, b in queries:
    (ta, na), (tb, nb) = best(a), best(b)
    same = "same rows" if na == nb else f"DIFFERENT: {na} vs {nb} rows"
    print(f"| DuckDB {duckdb.__version__}, {name}: Parquet vs gzip NDJSON (best of 3, 2 threads) | "
          f"{ta * 1000:.0f} ms vs {tb * 1000:.0f} ms = **{tb / ta:.1f}× faster** ({na} rows, {same}) | — |")
