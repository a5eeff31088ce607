"""A filter on occurred_date reads fewer row groups of a Parquet lake, and still finds every matching row.

usage: row_group_skipping.py PARQUET_LAKE

The filter is one hour (13:00 to 14:00 UTC) of the lake's busiest day, on occurred_date only (not on dt), so only
the column statistics can tell a reader which row groups to leave out.
- pyarrow: every file's fragment split by row group with the filter (`split_by_row_group`, which drops the row
  groups whose statistics exclude it): the row groups kept, of all the lake's row groups.
- The matching rows, counted three ways: the kept row groups read and filtered by pyarrow; DuckDB's
  read_parquet with hive partitioning (which prunes on the same statistics); and every row of the lake read without
  any filter and compared in Python, the truth a wrong statistic would break.
DuckDB 1.4.4's profile does not count the row groups it skips (its rows scanned are the same with and without the
filter), so the row groups are counted through pyarrow. Prints one JSON object.
"""
import datetime
import json
import sys

import duckdb
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

lake = sys.argv[1].rstrip("/")
manifest = json.load(open(lake + "/_manifest.json"))
day = max(manifest["windows"], key=lambda d: (manifest["windows"][d]["events"], d))
start = datetime.datetime.fromisoformat(day + "T13:00:00+00:00")
end = start + datetime.timedelta(hours=1)

dataset = ds.dataset(lake + "/events", format="parquet", partitioning="hive")
where = (ds.field("occurred_date") >= start) & (ds.field("occurred_date") < end)
row_groups = kept = from_kept = 0
for fragment in dataset.get_fragments():
    row_groups += fragment.metadata.num_row_groups
    for piece in fragment.split_by_row_group(where):
        kept += 1
        from_kept += piece.to_table(columns=["occurred_date"], filter=where).num_rows

every = 0
matching = 0
for fragment in dataset.get_fragments():
    column = pq.read_table(fragment.path, columns=["occurred_date"]).column("occurred_date")
    every += len(column)
    matching += pc.sum(pc.and_(pc.greater_equal(column, start), pc.less(column, end))).as_py() or 0

con = duckdb.connect()
duck = con.execute(
    f"SELECT count(*) FROM read_parquet('{lake}/events/*/*.parquet', hive_partitioning = true) "
    "WHERE occurred_date >= ? AND occurred_date < ?", [start, end]).fetchone()[0]
print(json.dumps({"day": day, "row_groups": row_groups, "kept": kept, "rows": every, "matching": matching,
                  "pyarrow_matching": from_kept, "duckdb_matching": duck}))
