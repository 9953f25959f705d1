"""Shared by the DuckDB and pandas routes of the benchmark: which files are which table and month."""
import os
import re

MONTH = re.compile(r"2020年(\d+)月|名册(\d+)月")


def month_of(name):
    m = MONTH.search(name)
    return int(m.group(1) or m.group(2)) if m else None


def table_of(name):
    if "来济就业台账" in name:
        return "jining"
    if "帮扶台账" in name:
        return "help"
    if "车间名册" in name or "基地名册" in name:
        return "workshops"
    if "发放明细" in name:
        return "payments"
    if "名册" in name:
        return "registry"
    return None


def files(folder, as_of=12):
    """{table: [paths]}: the latest snapshot (month ≤ as_of) of each cumulative table per
    region, and every payment file up to as_of."""
    out = {"registry": [], "help": [], "jining": [], "payments": []}
    latest = {}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        t, m = table_of(name), month_of(name)
        if t is None or m is None or m > as_of or not name.endswith(".csv"):
            continue
        if t == "payments":
            # An empty month (a title and a header, no rows) adds nothing to spend.
            with open(path, encoding="utf-8") as fh:
                if not fh.readline().startswith("序号"):
                    continue
            out[t].append(path)
        elif t in out:
            if m >= latest.get(t, (0, None))[0]:
                latest[t] = (m, path)
    for t, (_, path) in latest.items():
        out[t] = [path]
    return out
