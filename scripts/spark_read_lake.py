"""Reads a Parquet lake with Spark (`spark.read.parquet`) and checks it against the manifest.

usage: <python with pyspark> scripts/spark_read_lake.py LAKE
Prints Spark's schema and per-day counts; exits non-zero when a count or a type differs from what the lake declares.
"""
import json
import sys

from pyspark.sql import SparkSession

lake = sys.argv[1].rstrip("/")
spark = (SparkSession.builder.master("local[2]").appName("kb4-events-read")
         .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
df = spark.read.parquet(lake + "/events")
types = {f.name: f.dataType.simpleString() for f in df.schema.fields}
expected = {
    "id": "string", "account_id": "bigint", "occurred_date": "timestamp", "event_type__id": "bigint",
    "event_type__name": "string", "event_type__description": "string", "user__id": "bigint", "user__email": "string",
    "user__archived": "boolean", "external_id": "string", "source": "string", "description": "string",
    "risk__level": "int", "risk__factor": "double", "risk__decay_mode": "int", "risk__expire_date": "date",
    "metadata": "string", "_extra": "string", "dt": "date",
}
counts = {str(r["dt"]): r["count"] for r in df.groupBy("dt").count().collect()}
manifest = json.load(open(lake + "/_manifest.json"))
want = {d: w["events"] for d, w in manifest["windows"].items() if w["events"] > 0}
hour = df.where("occurred_date >= '2026-11-20 13:00:00' AND occurred_date < '2026-11-20 14:00:00'").count()
print(json.dumps({"spark": spark.version, "types": types, "rows": sum(counts.values()), "days": len(counts),
                  "hour_2026_11_20_13": hour}))
if types != expected:
    sys.exit(f"types differ: {types}")
if counts != want:
    sys.exit(f"per-day counts differ from the manifest: {counts} vs {want}")
