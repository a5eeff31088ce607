"""Reads a Parquet file written by the Swift writer and checks it against the rows the test meant to write.

usage: check_parquet.py FILE EXPECTED.json [--duckdb]
       check_parquet.py --skip FILE COLUMN THRESHOLD   (row-group skipping, see skip())

EXPECTED.json: {"columns": [[name, kind], ...], "values": {name: [...]}, "created_by": str, "kv": {k: v}}
with doubles as "f64:<16 hex digits of the bit pattern>" so NaN and -0.0 survive JSON.

Checks, failing with an AssertionError: pyarrow's schema (arrow types, logical and legacy converted types), every
value, the footer parsed here with an independent Thrift compact reader (column orders, encodings, offsets) and the
statistics of every column chunk and every page header against the values they cover (pyarrow's own statistics
too). Prints a JSON report on stdout for the Swift side.
"""
import json
import math
import shutil
import struct
import sys

import pyarrow as pa
import pyarrow.parquet as pq

ARROW_TYPES = {
    "string": {"string"},
    "json": {"extension<arrow.json>", "string"},
    "int64": {"int64"},
    "int32": {"int32"},
    "double": {"double"},
    "boolean": {"bool"},
    "timestampMillis": {"timestamp[ms, tz=UTC]"},
    "date": {"date32[day]"},
}
LOGICAL = {"string": "String", "json": "JSON", "int64": "None", "int32": "None", "double": "None",
           "boolean": "None", "timestampMillis": "Timestamp", "date": "Date"}
CONVERTED = {"string": "UTF8", "json": "JSON", "int64": "NONE", "int32": "NONE", "double": "NONE",
             "boolean": "NONE", "timestampMillis": "TIMESTAMP_MILLIS", "date": "DATE"}
PHYSICAL = {"string": 6, "json": 6, "int64": 2, "int32": 1, "double": 5, "boolean": 0, "timestampMillis": 2,
            "date": 1}
TRUNCATE = 64


# --- Thrift compact protocol, read side -------------------------------------------------------------------------

def varint(b, p):
    result, shift = 0, 0
    while True:
        x = b[p]
        p += 1
        result |= (x & 0x7F) << shift
        if x < 0x80:
            return result, p
        shift += 7


def zigzag(n):
    return (n >> 1) ^ -(n & 1)


def value(b, p, t):
    if t == 1:
        return True, p
    if t == 2:
        return False, p
    if t == 3:
        return struct.unpack("<b", b[p:p + 1])[0], p + 1
    if t in (4, 5, 6):
        v, p = varint(b, p)
        return zigzag(v), p
    if t == 7:
        return struct.unpack("<d", b[p:p + 8])[0], p + 8
    if t == 8:
        n, p = varint(b, p)
        return bytes(b[p:p + n]), p + n
    if t in (9, 10):
        header = b[p]
        p += 1
        n, element = header >> 4, header & 0x0F
        if n == 15:
            n, p = varint(b, p)
        items = []
        for _ in range(n):
            if element in (1, 2):
                items.append(b[p] == 1)
                p += 1
            else:
                v, p = value(b, p, element)
                items.append(v)
        return items, p
    if t == 12:
        return read_struct(b, p)
    raise AssertionError(f"unexpected compact type {t}")


def read_struct(b, p):
    fields, last = {}, 0
    while True:
        header = b[p]
        p += 1
        if header == 0:
            return fields, p
        t, delta = header & 0x0F, header >> 4
        if delta:
            fid = last + delta
        else:
            v, p = varint(b, p)
            fid = zigzag(v)
        last = fid
        fields[fid], p = value(b, p, t)


# --- Expected values ------------------------------------------------------------------------------------------

def expected_value(kind, v):
    if v is None:
        return None
    if kind == "double":
        return struct.unpack(">d", bytes.fromhex(v[4:]))[0]  # the bit pattern, most significant first
    return v


def same(kind, a, b):
    if a is None or b is None:
        return a is None and b is None
    if kind == "double":
        return struct.pack("<d", a) == struct.pack("<d", b)
    return type(a) is type(b) and a == b


def physical_bytes(kind, v):
    """The value as the PLAIN bytes of a statistic."""
    if kind in ("string", "json"):
        return v.encode("utf-8")
    if kind in ("int64", "timestampMillis"):
        return struct.pack("<q", v)
    if kind in ("int32", "date"):
        return struct.pack("<i", v)
    if kind == "double":
        return struct.pack("<d", v)
    if kind == "boolean":
        return bytes([1 if v else 0])
    raise AssertionError(kind)


def check_statistics(stats, kind, values, where):
    nulls = sum(1 for v in values if v is None)
    assert stats.get(3) == nulls, f"{where}: null_count {stats.get(3)} != {nulls}"
    assert 1 not in stats and 2 not in stats, f"{where}: deprecated min/max written"
    present = [v for v in values if v is not None and not (kind == "double" and math.isnan(v))]
    if not present:
        assert 5 not in stats and 6 not in stats, f"{where}: bounds without values: {stats}"
        return
    if kind in ("string", "json"):
        raw = [v.encode("utf-8") for v in present]
        low, high = min(raw), max(raw)
        if len(low) <= TRUNCATE:
            assert stats[6] == low and stats.get(8, True) is True, f"{where}: min {stats.get(6)!r} != {low!r}"
        else:
            assert len(stats[6]) <= TRUNCATE and low.startswith(stats[6]) and stats[8] is False, f"{where}: min"
            stats[6].decode("utf-8")
        if len(high) <= TRUNCATE:
            assert stats[5] == high and stats.get(7, True) is True, f"{where}: max {stats.get(5)!r} != {high!r}"
        elif 5 in stats:
            assert len(stats[5]) <= TRUNCATE and stats[5] > high and stats[7] is False, f"{where}: max"
            stats[5].decode("utf-8")
        return
    if kind == "double":
        low, high = min(present), max(present)
        low = -0.0 if low == 0 else low
        high = 0.0 if high == 0 else high
    elif kind == "boolean":
        low, high = (False if False in present else True), (True if True in present else False)
    else:
        low, high = min(present), max(present)
    assert stats[6] == physical_bytes(kind, low), f"{where}: min {stats[6].hex()} != {low!r}"
    assert stats[5] == physical_bytes(kind, high), f"{where}: max {stats[5].hex()} != {high!r}"
    assert stats.get(7, True) is True and stats.get(8, True) is True, f"{where}: inexact bounds"


def check_pyarrow_statistics(st, ours, kind, where):
    assert st is not None and st.has_null_count and st.null_count == ours[3], f"{where}: pyarrow null_count"
    if 5 in ours and 6 in ours:
        assert st.has_min_max, f"{where}: pyarrow sees no min/max"
        if kind in ("string", "json"):
            assert st.min_raw == ours[6] and st.max_raw == ours[5], f"{where}: pyarrow bounds"
        elif kind == "double":
            assert struct.pack("<d", st.min_raw) == ours[6] and struct.pack("<d", st.max_raw) == ours[5]
        else:
            assert physical_bytes(kind, st.min_raw) == ours[6] and physical_bytes(kind, st.max_raw) == ours[5]


# --- Reading ---------------------------------------------------------------------------------------------------

def arrow_values(column, kind):
    if isinstance(column.type, pa.ExtensionType):
        column = pa.chunked_array([c.storage for c in column.chunks], type=column.type.storage_type)
    if kind == "timestampMillis":
        column = column.cast(pa.int64())
    elif kind == "date":
        column = column.cast(pa.int32())
    return column.to_pylist()


def footer(data):
    assert data[:4] == b"PAR1" and data[-4:] == b"PAR1", "magic"
    length = struct.unpack("<I", data[-8:-4])[0]
    metadata, end = read_struct(data, len(data) - 8 - length)
    assert end == len(data) - 8, "footer length"
    return metadata


def check(path, expected_path, with_duckdb):
    expected = json.load(open(expected_path))
    columns = expected["columns"]
    want = {name: [expected_value(kind, v) for v in expected["values"][name]] for name, kind in columns}
    rows = len(want[columns[0][0]]) if columns else 0
    with_statistics = expected.get("statistics", True)

    pf = pq.ParquetFile(path)
    table = pf.read()
    assert table.num_rows == rows, f"rows {table.num_rows} != {rows}"
    assert [f.name for f in table.schema] == [n for n, _ in columns], "column names"
    report = {"rows": table.num_rows, "arrow_types": [], "logical": [], "converted": []}
    for j, (name, kind) in enumerate(columns):
        arrow_type = str(table.schema.field(name).type)
        assert arrow_type in ARROW_TYPES[kind], f"{name}: arrow type {arrow_type}"
        parquet_column = pf.schema.column(j)
        assert str(parquet_column.logical_type).startswith(LOGICAL[kind]), f"{name}: {parquet_column.logical_type}"
        assert parquet_column.converted_type == CONVERTED[kind], f"{name}: {parquet_column.converted_type}"
        assert parquet_column.max_definition_level == 1 and parquet_column.max_repetition_level == 0
        report["arrow_types"].append(arrow_type)
        report["logical"].append(str(parquet_column.logical_type))
        report["converted"].append(parquet_column.converted_type)
        got = arrow_values(table.column(name), kind)
        for i, (a, b) in enumerate(zip(got, want[name])):
            assert same(kind, a, b), f"{name}[{i}]: read {a!r}, wrote {b!r}"

    data = open(path, "rb").read()
    meta = footer(data)
    assert meta[3] == rows, "FileMetaData.num_rows"
    assert meta.get(6, b"").decode() == expected["created_by"], "created_by"
    kv = {p[1].decode(): p[2].decode() for p in meta.get(5, [])}
    assert kv == expected.get("kv", {}), f"key/value metadata {kv}"
    assert meta[7] == [{1: {}} for _ in columns], "column_orders: TypeDefinedOrder for every column"
    assert pf.metadata.created_by == expected["created_by"]

    report["row_groups"] = []
    start = 0
    for g, group in enumerate(meta[4]):
        group_rows = group[3]
        assert group_rows > 0, "no empty row groups"
        group_report = {"rows": group_rows, "columns": []}
        assert len(group[1]) == len(columns)
        for j, (name, kind) in enumerate(columns):
            chunk = group[1][j]
            cmd = chunk[3]
            values = want[name][start:start + group_rows]
            where = f"row group {g} column {name}"
            assert cmd[1] == PHYSICAL[kind] and cmd[3] == [name.encode()] and cmd[5] == group_rows, where
            first = cmd.get(11, cmd[9])
            assert chunk[2] == first, f"{where}: file_offset"
            if with_statistics:
                check_statistics(cmd[12], kind, values, where)
                check_pyarrow_statistics(pf.metadata.row_group(g).column(j).statistics, cmd[12], kind, where)
            else:
                assert 12 not in cmd and not pf.metadata.row_group(g).column(j).is_stats_set, f"{where}: statistics"
            # Walk the chunk's pages.
            p, end = first, first + cmd[7]
            pages, seen, page_encodings, uncompressed = 0, 0, [], 0
            while p < end:
                header, q = read_struct(data, p)
                uncompressed += (q - p) + header[2]
                if header[1] == 2:
                    assert p == first and 11 in cmd and cmd[11] == p, f"{where}: dictionary page first"
                    page_encodings.append("dictionary")
                else:
                    assert header[1] == 0, f"{where}: page type {header[1]}"
                    if pages == 0:
                        assert cmd[9] == p, f"{where}: data_page_offset"
                    page = header[5]
                    page_values = values[seen:seen + page[1]]
                    if with_statistics:
                        check_statistics(page[5], kind, page_values, f"{where} page {pages}")
                    else:
                        assert 5 not in page, f"{where} page {pages}: statistics"
                    page_encodings.append({0: "PLAIN", 8: "RLE_DICTIONARY"}[page[2]])
                    seen += page[1]
                    pages += 1
                p = q + header[3]
            assert p == end and seen == group_rows, f"{where}: pages cover {seen} of {group_rows} values"
            assert uncompressed == cmd[6], f"{where}: total_uncompressed_size"
            group_report["columns"].append({
                "pages": pages, "page_encodings": page_encodings,
                "encodings": [pf.metadata.row_group(g).column(j).encodings],
                "codec": pf.metadata.row_group(g).column(j).compression})
        start += group_rows
        report["row_groups"].append(group_report)
    assert start == rows

    if with_duckdb:
        import duckdb
        select, compared, skipped = [], [], []
        for name, kind in columns:
            quoted = '"' + name.replace('"', '""') + '"'
            if kind == "timestampMillis" and any(v is not None and abs(v) > 2**63 // 1000 for v in want[name]):
                skipped.append(name)  # DuckDB converts to microseconds and refuses what does not fit
                continue
            compared.append((name, kind))
            if kind == "timestampMillis":
                select.append(f"epoch_ms({quoted})")
            elif kind == "date":
                select.append(f"({quoted} - DATE '1970-01-01')::INTEGER")
            elif kind == "json":
                select.append(f"{quoted}::VARCHAR")
            else:
                select.append(quoted)
        got_rows = duckdb.execute(f"SELECT {', '.join(select)} FROM read_parquet(?)", [path]).fetchall()
        assert len(got_rows) == rows, f"duckdb rows {len(got_rows)}"
        for i, got in enumerate(got_rows):
            for j, (name, kind) in enumerate(compared):
                a, b = got[j], want[name][i]
                ok = (a is None and b is None) or (
                    kind == "double" and a is not None and b is not None and (
                        (math.isnan(a) and math.isnan(b)) or a == b)) or same(kind, a, b)
                assert ok, f"duckdb {name}[{i}]: read {a!r}, wrote {b!r}"
        report["duckdb_rows"] = len(got_rows)
        report["duckdb_skipped"] = skipped
    print(json.dumps(report))


def skip(path, column, threshold):
    """Overwrites the values of the first row group's `column` with 0x7F bytes (huge int64s), then counts rows
    with column >= threshold through DuckDB and pyarrow. A reader that trusts the first row group's statistics
    (all values below the threshold) skips it and counts only the later groups; one that reads it counts its rows
    as well."""
    import duckdb
    data = bytearray(open(path, "rb").read())
    meta = footer(data)
    chunk = next(c for c in meta[4][0][1] if c[3][3] == [column.encode()])[3]
    assert chunk[4] == 0 and 11 not in chunk, "an uncompressed chunk of PLAIN pages"
    p, end = chunk[9], chunk[9] + chunk[7]
    while p < end:
        header, q = read_struct(data, p)
        levels = struct.unpack("<I", data[q:q + 4])[0]
        body_end = q + header[3]
        data[q + 4 + levels:body_end] = b"\x7f" * (body_end - q - 4 - levels)
        p = body_end
    corrupt = path + ".corrupt.parquet"
    open(corrupt, "wb").write(bytes(data))
    full = pq.read_table(corrupt).column(column).to_pylist()
    duck = duckdb.execute(f'SELECT count(*) FROM read_parquet(?) WHERE "{column}" >= ?', [corrupt, threshold]).fetchone()[0]
    arrow = pq.read_table(corrupt, filters=[(column, ">=", threshold)]).num_rows
    print(json.dumps({"duckdb": duck, "pyarrow": arrow, "unfiltered_matching": sum(1 for v in full if v is not None and v >= threshold)}))


if __name__ == "__main__":
    if sys.argv[1] == "--skip":
        skip(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        check(sys.argv[1], sys.argv[2], "--duckdb" in sys.argv[3:])
