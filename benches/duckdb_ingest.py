"""The benchmark's anchor for `luyu ingest`: DuckDB doing the same kind of work on the same
files — read every CSV export (all months, not one snapshot), type its dates, money and counts,
check every 身份证号 and 统一社会信用代码 in SQL (length, digits, the MOD 11-2 check digit of
GB 11643 and a real birth date; the credit code's charset), and write each export as zstd
Parquet. It keeps no history, no rejects file and no manifest, so luyu does more than this.

    python3 benches/duckdb_ingest.py FILES_DIR OUT_DIR     prints JSON: files, rows, seconds
"""
import json
import os
import shutil
import sys
import time

import duckdb

t0 = time.time()
src, out = sys.argv[1], sys.argv[2]
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)
con = duckdb.connect()
con.execute("SET threads TO 2")

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_ok(col):
    """GB 11643-1999 in SQL: 18 characters, 17 digits and a check character, the MOD 11-2 check
    digit, and a birth date that is a real day."""
    digits = " + ".join(f"CAST(substr({col}, {i + 1}, 1) AS INTEGER) * {w}" for i, w in enumerate(WEIGHTS))
    return (
        f"(length({col}) = 18 AND regexp_full_match({col}, '[0-9]{{17}}[0-9Xx]')"
        f" AND substr('10X98765432', (({digits}) % 11) + 1, 1) = upper(substr({col}, 18, 1))"
        f" AND try_strptime(substr({col}, 7, 8), '%Y%m%d') IS NOT NULL)"
    )


def typed(name):
    """The column as luyu types it: dates, money, counts; IDs checked; the rest as text."""
    q = '"' + name.replace('"', '""') + '"'
    if "日期" in name:
        return f"TRY_CAST({q} AS DATE) AS {q}"
    if name == "金额":
        return f"TRY_CAST({q} AS DECIMAL(18,2)) AS {q}"
    if name in ("序号", "培训天数", "以工代训天数", "社保缴纳月数", "劳动合同期限（月）", "职工总数", "吸纳建档立卡人数", "补贴月数", "补贴天数"):
        return f"TRY_CAST({q} AS INTEGER) AS {q}"
    if name in ("身份证号", "关联身份证号"):
        return f"{q}, {id_ok(q)} AS {name}_ok"
    if name == "统一社会信用代码":
        return f"{q}, (length({q}) = 18 AND regexp_full_match({q}, '[0-9A-HJ-NPQRTUWXY]{{18}}')) AS credit_ok"
    return q


files = rows = 0
for name in sorted(os.listdir(src)):
    path = os.path.join(src, name)
    if not name.endswith(".csv"):
        continue
    with open(path, encoding="utf-8") as fh:
        if not fh.readline().startswith("序号"):
            continue  # an empty payment month: a title and no header row
    lit = "'" + path.replace("'", "''") + "'"
    cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_csv({lit}, header=true, all_varchar=true)").fetchall()]
    target = "'" + os.path.join(out, name[:-4] + ".parquet").replace("'", "''") + "'"
    select = ", ".join(typed(c) for c in cols)
    con.execute(
        f"COPY (SELECT {select} FROM read_csv({lit}, header=true, all_varchar=true)) "
        f"TO {target} (FORMAT parquet, COMPRESSION zstd)"
    )
    rows += con.execute(f"SELECT COUNT(*) FROM read_parquet({target})").fetchone()[0]
    files += 1
print(json.dumps({"files": files, "rows": rows, "seconds": round(time.time() - t0, 2)}))
