"""Checks a Parquet lake against the NDJSON lake of the same API data, with real readers.

usage: compare_lakes.py NDJSON_LAKE PARQUET_LAKE

- pyarrow: every file's schema (names, order, physical and logical types, all OPTIONAL), created_by, row count
  against the manifest, statistics on every column chunk, and every value equal to the NDJSON event it came from
  (typed as README "Parquet columns" says; an independent mapping written here from the README, not from the Swift).
- DuckDB: read_parquet(..., hive_partitioning = true) gives the same rows as read_json over the NDJSON lake.
Prints one JSON object; exits non-zero with a message on the first difference.
"""
import datetime
import glob
import gzip
import json
import os
import sys

import duckdb
import pyarrow.parquet as pq

ndjson_lake, parquet_lake = sys.argv[1], sys.argv[2]

SCHEMA = [
    ("id", "BYTE_ARRAY", "String"),
    ("account_id", "INT64", "None"),
    ("occurred_date", "INT64", "Timestamp(isAdjustedToUTC=true, timeUnit=milliseconds, is_from_converted_type=false, force_set_converted_type=false)"),
    ("event_type__id", "INT64", "None"),
    ("event_type__name", "BYTE_ARRAY", "String"),
    ("event_type__description", "BYTE_ARRAY", "String"),
    ("user__id", "INT64", "None"),
    ("user__email", "BYTE_ARRAY", "String"),
    ("user__archived", "BOOLEAN", "None"),
    ("external_id", "BYTE_ARRAY", "String"),
    ("source", "BYTE_ARRAY", "String"),
    ("description", "BYTE_ARRAY", "String"),
    ("risk__level", "INT32", "None"),
    ("risk__factor", "DOUBLE", "None"),
    ("risk__decay_mode", "INT32", "None"),
    ("risk__expire_date", "INT32", "Date"),
    ("metadata", "BYTE_ARRAY", "JSON"),
    ("_extra", "BYTE_ARRAY", "JSON"),
]
ARROW = ["string", "int64", "timestamp[ms, tz=UTC]", "int64", "string", "string", "int64", "string", "bool",
         "string", "string", "string", "int32", "double", "int32", "date32[day]", "extension<arrow.json>",
         "extension<arrow.json>"]
KNOWN = {"id", "account_id", "occurred_date", "event_type", "user", "external_id", "source", "description", "risk",
         "metadata"}
GROUPS = {"event_type": ["id", "name", "description"], "user": ["id", "email", "archived"],
          "risk": ["level", "factor", "decay_mode", "expire_date"]}


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def integer(v, bits):
    if isinstance(v, bool) or not isinstance(v, int):
        return None
    return v if -(1 << (bits - 1)) <= v < (1 << (bits - 1)) else None


def millis(text):
    t = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(t.timestamp() * 1000 + 0.5) if t.microsecond % 1000 == 0 else None


def expected_row(e):
    """The README's typing rules, from the event as the API sent it."""
    g = {k: (e.get(k) if isinstance(e.get(k), dict) else {}) for k in GROUPS}
    s = lambda v: v if isinstance(v, str) else None
    f = lambda v: float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
    b = lambda v: v if isinstance(v, bool) else None
    d = lambda v: datetime.date.fromisoformat(v) if isinstance(v, str) and len(v) == 10 else None
    extra = {k: v for k, v in e.items() if k not in KNOWN}
    for k, keys in GROUPS.items():
        if isinstance(e.get(k), dict):
            unknown = {sk: sv for sk, sv in e[k].items() if sk not in keys}
            if unknown:
                extra[k] = unknown
        elif e.get(k) is not None and k in e:
            extra[k] = e[k]
    return {
        "id": s(e.get("id")), "account_id": integer(e.get("account_id"), 64),
        "occurred_date": millis(e["occurred_date"]),
        "event_type__id": integer(g["event_type"].get("id"), 64), "event_type__name": s(g["event_type"].get("name")),
        "event_type__description": s(g["event_type"].get("description")),
        "user__id": integer(g["user"].get("id"), 64), "user__email": s(g["user"].get("email")),
        "user__archived": b(g["user"].get("archived")),
        "external_id": s(e.get("external_id")), "source": s(e.get("source")), "description": s(e.get("description")),
        "risk__level": integer(g["risk"].get("level"), 32), "risk__factor": f(g["risk"].get("factor")),
        "risk__decay_mode": integer(g["risk"].get("decay_mode"), 32),
        "risk__expire_date": d(g["risk"].get("expire_date")),
        "metadata": e.get("metadata"), "_extra": extra or None,
    }


manifest = json.load(open(os.path.join(parquet_lake, "_manifest.json")))
ndjson_manifest = json.load(open(os.path.join(ndjson_lake, "_manifest.json")))
if manifest["format"] != "parquet" or ndjson_manifest["format"] != "ndjson":
    fail(f"formats: {manifest['format']} / {ndjson_manifest['format']}")
if sorted(manifest["windows"]) != sorted(ndjson_manifest["windows"]):
    fail("the two lakes hold other days")

rows_total = 0
empty_days = 0
chunks_with_stats = 0
codecs = set()
for day, window in sorted(manifest["windows"].items()):
    (entry,) = window["files"]
    if entry["path"] != f"events/dt={day}/part-00000.parquet":
        fail(f"path {entry['path']}")
    path = os.path.join(parquet_lake, entry["path"])
    if os.path.getsize(path) != entry["bytes"]:
        fail(f"{path}: size differs from the manifest")
    pf = pq.ParquetFile(path)
    meta = pf.metadata
    if not meta.created_by.startswith("kb4-events version "):
        fail(f"created_by {meta.created_by!r}")
    schema = pf.schema
    got = [(schema.column(i).name, schema.column(i).physical_type, str(schema.column(i).logical_type))
           for i in range(len(schema))]
    if got != SCHEMA:
        fail(f"{day}: schema {got}")
    if any(schema.column(i).max_definition_level != 1 for i in range(len(schema))):
        fail("every column must be OPTIONAL")
    table = pf.read()
    if [str(t) for t in table.schema.types] != ARROW:
        fail(f"{day}: arrow types {table.schema.types}")
    if table.num_rows != entry["rows"] or meta.num_rows != window["events"]:
        fail(f"{day}: {table.num_rows} rows, manifest {entry['rows']}")
    for rg in range(meta.num_row_groups):
        for c in range(meta.num_columns):
            stats = meta.row_group(rg).column(c).statistics
            if stats is None or stats.null_count is None:
                fail(f"{day}: row group {rg} column {c} has no statistics")
            chunks_with_stats += 1
            codecs.add(meta.row_group(rg).column(c).compression)
            col = table.column(c).slice(sum(meta.row_group(i).num_rows for i in range(rg)), meta.row_group(rg).num_rows)
            if stats.null_count != col.null_count:
                fail(f"{day}: column {c} null_count {stats.null_count} != {col.null_count}")
    # Every value against the NDJSON event at the same position (both files are sorted by occurred_date, id).
    with gzip.open(os.path.join(ndjson_lake, ndjson_manifest["windows"][day]["files"][0]["path"]), "rt") as f:
        events = [json.loads(line) for line in f]
    if len(events) != table.num_rows:
        fail(f"{day}: {len(events)} NDJSON events, {table.num_rows} Parquet rows")
    columns = table.to_pydict()
    columns["occurred_date"] = table.column("occurred_date").cast("int64").to_pylist()
    for i, event in enumerate(events):
        want = expected_row(event)
        for name, _, _ in SCHEMA:
            have = columns[name][i]
            if name in ("metadata", "_extra") and have is not None:
                have = json.loads(have)
            if have != want[name]:
                fail(f"{day} row {i} ({event.get('id')}): {name} = {have!r}, expected {want[name]!r}")
    rows_total += table.num_rows
    empty_days += table.num_rows == 0

# DuckDB: the same rows through read_parquet with hive partitioning as through read_json over the NDJSON lake.
con = duckdb.connect()
pq_rel = f"""SELECT CAST(dt AS VARCHAR) AS dt, id, account_id, epoch_ms(occurred_date) AS ms, event_type__id,
    event_type__name, event_type__description, user__id, user__email, user__archived, external_id, source,
    description, risk__level, risk__factor, risk__decay_mode, risk__expire_date, CAST(json_extract(metadata, '$') AS VARCHAR) AS metadata
    FROM read_parquet('{parquet_lake}/events/*/*.parquet', hive_partitioning = true)"""
js_rel = f"""SELECT CAST(dt AS VARCHAR) AS dt, id, account_id, epoch_ms(CAST(occurred_date AS TIMESTAMPTZ)) AS ms,
    event_type.id, event_type.name, event_type.description, "user".id, "user".email, "user".archived, external_id,
    source, description, risk.level, risk.factor, risk.decay_mode, risk.expire_date, CAST(json_extract(metadata, '$') AS VARCHAR)
    FROM read_json('{ndjson_lake}/events/*/*.ndjson.gz', format = 'newline_delimited', hive_partitioning = true,
      columns = {{'id': 'VARCHAR', 'account_id': 'BIGINT', 'occurred_date': 'VARCHAR',
        'event_type': 'STRUCT(id BIGINT, name VARCHAR, description VARCHAR)',
        'user': 'STRUCT(email VARCHAR, id BIGINT, archived BOOLEAN)', 'external_id': 'VARCHAR', 'source': 'VARCHAR',
        'description': 'VARCHAR', 'risk': 'STRUCT(level INTEGER, factor DOUBLE, decay_mode INTEGER, expire_date DATE)',
        'metadata': 'JSON'}})"""
n_pq = con.sql(f"SELECT count(*) FROM ({pq_rel})").fetchone()[0]
n_js = con.sql(f"SELECT count(*) FROM ({js_rel})").fetchone()[0]
only_pq = con.sql(f"SELECT count(*) FROM (({pq_rel}) EXCEPT ALL ({js_rel}))").fetchone()[0]
only_js = con.sql(f"SELECT count(*) FROM (({js_rel}) EXCEPT ALL ({pq_rel}))").fetchone()[0]
if n_pq != rows_total or n_js != rows_total or only_pq or only_js:
    fail(f"DuckDB: parquet {n_pq} rows, ndjson {n_js}, only in parquet {only_pq}, only in ndjson {only_js}")
types = dict((r[0], r[1]) for r in con.sql(
    f"DESCRIBE SELECT * FROM read_parquet('{parquet_lake}/events/*/*.parquet', hive_partitioning = true, hive_types = {{'dt': 'DATE'}})").fetchall())
print(json.dumps({"rows": rows_total, "days": len(manifest["windows"]), "empty_days": empty_days,
                  "chunks_with_stats": chunks_with_stats, "duckdb_rows": n_pq, "duckdb_types": types,
                  "codecs": sorted(codecs)}))
