"""Reads and tampers with a lake in S3 as other tools would, for the Swift tests: pyarrow's S3FileSystem (the
reader engines are built on) pointed at moto with endpoint_override.

Usage: lake_reader.py ENDPOINT BUCKET/PREFIX COMMAND [ARG]
  read FORMAT     the lake as a hive-partitioned pyarrow dataset: rows per dt, plus the manifest's events per day
  objects         every object under the prefix: size, sha256, mtime (ns)
  get KEY         the object's bytes to stdout
  put KEY         stdin's bytes as the object
  delete KEY      removes the object
  uploads         the incomplete multipart uploads under the prefix (botocore's ListMultipartUploads)
  duckdb          stdin's SQL (`kb4-events ddl --engine duckdb`: a view `kb4_events`) run by DuckDB with its httpfs
                  extension (the duckdb-ext-httpfs package: installed from PyPI, never downloaded at run time) against
                  the endpoint, then per-day counts and a few aggregates of the view
The credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. Prints JSON (except get). With endpoint
`local` (and any root), `duckdb` runs the SQL against local files, for the same lake's twin on disk.
"""
import gzip
import hashlib
import json
import os
import sys

import pyarrow.dataset as ds
from pyarrow import fs

endpoint, root, command = sys.argv[1], sys.argv[2].rstrip("/"), sys.argv[3]
arg = sys.argv[4] if len(sys.argv) > 4 else None
scheme, _, host = endpoint.partition("://")


def duckdb_summary(sql):
    """Runs the view definition, then the same queries every engine test asks: rows per dt, and aggregates that
    touch every typed column (a wrong type or a lost value changes one)."""
    import duckdb
    con = duckdb.connect()
    con.execute("SET threads = 1")  # sums of doubles in one order, so the S3 lake and its twin on disk agree exactly
    if endpoint != "local":
        from importlib.metadata import distribution
        con.execute("SET autoinstall_known_extensions = false")
        con.execute("SET autoload_known_extensions = false")
        con.execute("SET extension_directory = ?", [str(distribution("duckdb-ext-httpfs").locate_file("duckdb_ext/extensions"))])
        con.execute("LOAD httpfs")
        con.execute(
            "CREATE SECRET moto (TYPE s3, KEY_ID ?, SECRET ?, ENDPOINT ?, URL_STYLE 'path', USE_SSL ?, REGION 'us-east-1')",
            [os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"], host, scheme == "https"])
    con.execute(sql)
    days = {str(d): n for d, n in con.sql("SELECT dt, count(*) FROM kb4_events GROUP BY dt ORDER BY dt").fetchall()}
    aggregates = con.sql("""SELECT count(DISTINCT id), sum(account_id), min(occurred_date)::VARCHAR,
        max(occurred_date)::VARCHAR, count(DISTINCT event_type__name), sum(user__id), count_if(user__archived),
        sum(risk__level), sum(risk__factor), count(risk__expire_date), max(risk__expire_date)::VARCHAR,
        count(metadata), sum(length(description)), count(_extra) FROM kb4_events""").fetchone()
    types = {name: kind for name, kind, *_ in con.sql("DESCRIBE kb4_events").fetchall()}
    extensions = [name for (name,) in con.sql("SELECT extension_name FROM duckdb_extensions() WHERE loaded").fetchall()]
    return {"days": days, "aggregates": [str(v) for v in aggregates], "types": types, "loaded": extensions,
            "duckdb": duckdb.__version__}


if command == "duckdb":
    print(json.dumps(duckdb_summary(sys.stdin.read())))
    sys.exit(0)

s3 = fs.S3FileSystem(
    endpoint_override=host, scheme=scheme, region="us-east-1",
    access_key=os.environ["AWS_ACCESS_KEY_ID"], secret_key=os.environ["AWS_SECRET_ACCESS_KEY"])


def read_bytes(path):
    with s3.open_input_stream(path, compression=None) as f:
        return f.read()


if command == "read":
    fmt = {"ndjson": "json", "csv": "csv", "parquet": "parquet"}[arg]
    # Only complete partitions: the ones with _SUCCESS (a reader must never count a partial day; the tool writes
    # none, and this check would see one).
    infos = s3.get_file_info(fs.FileSelector(root + "/events", recursive=True))
    complete = {i.path.rsplit("/", 2)[-2] for i in infos if i.path.endswith("/_SUCCESS")}
    files = [i.path for i in infos
             if i.path.endswith((".gz", ".parquet")) and i.path.rsplit("/", 2)[-2] in complete]
    # A day without events is an empty NDJSON stream, from which no reader can infer a schema: count it as 0 rows.
    days = {dt[3:]: 0 for dt in complete}
    for i in infos:
        if i.path in files and i.path.endswith(".gz") and i.size < 64 and not gzip.decompress(read_bytes(i.path)):
            days[i.path.rsplit("/", 2)[-2][3:]] = 0
            files.remove(i.path)
    dataset = ds.dataset(
        files, filesystem=s3, format=fmt, partitioning=ds.HivePartitioning.discover(infer_dictionary=False),
        partition_base_dir=root + "/events")
    table = dataset.to_table()
    for value in table.column("dt").to_pylist():
        days[str(value)] = days.get(str(value), 0) + 1
    manifest = json.loads(read_bytes(root + "/_manifest.json"))
    print(json.dumps({
        "days": days,
        "manifest": {d: w["events"] for d, w in manifest["windows"].items()},
        "columns": table.column_names,
    }))
elif command == "objects":
    out = {}
    for info in s3.get_file_info(fs.FileSelector(root, recursive=True, allow_not_found=True)):
        if info.type != fs.FileType.File:
            continue
        data = read_bytes(info.path)
        out[info.path[len(root) + 1:]] = {
            "size": info.size, "sha256": hashlib.sha256(data).hexdigest(), "mtime_ns": info.mtime_ns}
    print(json.dumps(out))
elif command == "get":
    sys.stdout.buffer.write(read_bytes(root + "/" + arg))
elif command == "put":
    with s3.open_output_stream(root + "/" + arg, compression=None) as f:
        f.write(sys.stdin.buffer.read())
    print("{}")
elif command == "delete":
    s3.delete_file(root + "/" + arg)
    print("{}")
elif command == "uploads":
    import boto3
    bucket, _, prefix = root.partition("/")
    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"], aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"])
    listed = client.list_multipart_uploads(Bucket=bucket, Prefix=prefix)
    print(json.dumps({"uploads": [u["Key"] for u in listed.get("Uploads", [])]}))
else:
    sys.exit(f"unknown command {command}")
