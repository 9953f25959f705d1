"""The benchmark's pandas route: the same figures as duckdb_bench.py, in a plain pandas script."""
import json
import sys
import time
from decimal import Decimal

import pandas as pd

from common import files

t0 = time.time()
f = files(sys.argv[1])
read = lambda paths: pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in paths], ignore_index=True)
reg = read(f["registry"])
registered = set(reg.loc[reg["是否建档立卡"] == "是", "身份证号"])
help_ = read(f["help"])
jn = read(f["jining"])
pay = read(f["payments"])
date = lambda s: pd.to_datetime(s.replace("", None), format="%Y-%m-%d", errors="coerce")
lo, hi = pd.Timestamp("2020-01-01"), pd.Timestamp("2020-12-31")
inw = lambda d: (d >= lo) & (d <= hi)
hire = date(jn["入职日期"])
transferred = set(jn.loc[inw(hire), "身份证号"]) & registered
start, end = date(help_["开始日期"]), date(help_["结束日期"])
local = set(help_.loc[(help_["帮扶类型"] == "就地就近就业") & inw(start), "身份证号"]) & registered
td = pd.to_numeric(jn["培训天数"].replace("", None), errors="coerce")
done = date(jn["培训开始日期"]) + pd.to_timedelta(td - 1, unit="D")
trained = (set(help_.loc[(help_["帮扶类型"] == "技能培训") & inw(end), "身份证号"]) | set(jn.loc[(td >= 1) & inw(done), "身份证号"])) & registered
out = {"transferred": len(transferred), "local": len(local), "trained": len(trained), "helped": len(transferred | local | trained)}
pay = pay.drop_duplicates("凭证号")
pay["amount"] = pay["金额"].map(Decimal)
spend = {}
for (pool, item), g in pay.groupby(["资金来源", "补贴项目"]):
    p = spend.setdefault(pool, {"paid": Decimal(0), "payments": 0, "by_item": {}})
    paid = sum(g["amount"], Decimal(0))
    p["by_item"][item] = {"paid": f"{paid:.2f}", "payments": len(g)}
    p["paid"] += paid
    p["payments"] += len(g)
for p in spend.values():
    p["paid"] = f"{p['paid']:.2f}"
out["spend"] = spend
out["seconds"] = round(time.time() - t0, 2)
print(json.dumps(out, ensure_ascii=False))
