"""The benchmark's DuckDB route: the four indicators and spend per pool and item, as SQL over
the plain CSV exports (rules.md, "Targets"; spend by distinct 凭证号). Prints JSON."""
import json
import sys
import time

import duckdb

from common import files

t0 = time.time()
f = files(sys.argv[1])
con = duckdb.connect()
con.execute("SET threads TO 2")


def csv(paths):
    ps = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
    return f"read_csv([{ps}], header=true, all_varchar=true, union_by_name=true)"


con.execute(f"CREATE TABLE registered AS SELECT DISTINCT 身份证号 AS id FROM {csv(f['registry'])} WHERE 是否建档立卡 = '是'")
con.execute(f"CREATE TABLE help AS SELECT 身份证号 AS id, 帮扶类型 AS type, CAST(开始日期 AS DATE) AS s, CAST(结束日期 AS DATE) AS e FROM {csv(f['help'])}")
con.execute(f"CREATE TABLE jining AS SELECT 身份证号 AS id, CAST(入职日期 AS DATE) AS hire, CAST(培训开始日期 AS DATE) AS ts, CAST(培训天数 AS INTEGER) AS td FROM {csv(f['jining'])}")
con.execute(f"CREATE TABLE pay AS SELECT 凭证号 AS v, 资金来源 AS pool, 补贴项目 AS item, CAST(金额 AS DECIMAL(18,2)) AS amount FROM {csv(f['payments'])}")
w = "BETWEEN DATE '2020-01-01' AND DATE '2020-12-31'"
q = {
    "transferred": f"SELECT DISTINCT id FROM jining WHERE hire {w} AND id IN (SELECT id FROM registered)",
    "local": f"SELECT DISTINCT id FROM help WHERE type = '就地就近就业' AND s {w} AND id IN (SELECT id FROM registered)",
    "trained": f"""SELECT DISTINCT id FROM (SELECT id FROM help WHERE type = '技能培训' AND e {w}
                  UNION SELECT id FROM jining WHERE td >= 1 AND ts + (td - 1) * INTERVAL 1 DAY {w})
                  WHERE id IN (SELECT id FROM registered)""",
}
out = {k: con.execute(f"SELECT COUNT(*) FROM ({v})").fetchone()[0] for k, v in q.items()}
out["helped"] = con.execute(f"SELECT COUNT(*) FROM ({q['transferred']} UNION {q['local']} UNION {q['trained']})").fetchone()[0]
spend = {}
rows = con.execute("""SELECT pool, item, SUM(amount), COUNT(*) FROM
    (SELECT DISTINCT ON (v) v, pool, item, amount FROM pay ORDER BY v) GROUP BY pool, item""").fetchall()
for pool, item, paid, n in rows:
    p = spend.setdefault(pool, {"paid": 0, "payments": 0, "by_item": {}})
    p["by_item"][item] = {"paid": f"{paid:.2f}", "payments": n}
    p["paid"] += paid
    p["payments"] += n
for p in spend.values():
    p["paid"] = f"{p['paid']:.2f}"
out["spend"] = spend
out["seconds"] = round(time.time() - t0, 2)
print(json.dumps(out, ensure_ascii=False))
