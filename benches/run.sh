#!/usr/bin/env bash
# The benchmark (`make bench`): the same job three ways on the same generated files — luyu
# (ingest, summary, reports), DuckDB and pandas (the four indicators and spend as SQL / a
# script) — checks that they agree, then prints time and peak RSS per stage. See BENCHMARKS.md.
#   benches/run.sh [PERSONS] [DIR]      defaults: 1000000 /var/tmp/luyu-bench-full
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
DIR="${2:-/var/tmp/luyu-bench-full}"
LUYU="${CARGO_TARGET_DIR:-target}/release/luyu"
cargo build --release --quiet
python3 -c "import duckdb, pandas" 2>/dev/null || pip install --quiet duckdb pandas
mkdir -p "$DIR"
if [ ! -f "$DIR/.done-$N" ]; then
  rm -rf "$DIR/files"
  /usr/bin/time -f "gen: %e s, %M KB" "$LUYU" gen --persons "$N" --plain --out "$DIR/files"
  rm -f "$DIR"/.done-*; touch "$DIR/.done-$N"
fi
rows=$(cat "$DIR"/files/*.csv | wc -l)
echo "files: $(ls "$DIR/files" | wc -l), rows: $rows, size: $(du -sh "$DIR/files" | cut -f1)"
T="$DIR/times.txt"; : > "$T"
stage() { local name=$1; shift; /usr/bin/time -a -o "$T" -f "$name %e %M" "$@"; }
rm -rf "$DIR/wh" "$DIR/out" "$DIR/out-again" "$DIR/out-cycle"
stage luyu-ingest "$LUYU" ingest "$DIR/files" --warehouse "$DIR/wh" > /dev/null
stage luyu-summary "$LUYU" summary --as-of 2020-12 --warehouse "$DIR/wh" --out "$DIR/luyu.json" > /dev/null
stage luyu-report "$LUYU" report --as-of 2020-12 --warehouse "$DIR/wh" --out "$DIR/out" > /dev/null 2>&1
# The same reports again from the built warehouse: rendered from its report cache.
stage luyu-report-again "$LUYU" report --as-of 2020-12 --warehouse "$DIR/wh" --out "$DIR/out-again" > /dev/null 2>&1
diff -r "$DIR/out" "$DIR/out-again" > /dev/null || { echo "the cached reports differ from the computed ones"; exit 1; }
# The bureaus' monthly cycle: the month's reports computed again while the earlier months'
# findings (the 整改台账's) are in the cache, as they are when last month was reported.
rm -rf "$DIR/out-cycle"
stage luyu-report-new-month "$LUYU" report --recompute --as-of 2020-12 --warehouse "$DIR/wh" --out "$DIR/out-cycle" > /dev/null 2>&1
diff -r "$DIR/out" "$DIR/out-cycle" > /dev/null || { echo "the recomputed reports differ from the first ones"; exit 1; }
stage duckdb python3 benches/duckdb_bench.py "$DIR/files" > "$DIR/duckdb.json"
# The anchor for ingest: DuckDB reading, typing and checking every file, writing zstd Parquet.
stage duckdb-ingest python3 benches/duckdb_ingest.py "$DIR/files" "$DIR/duckdb-parquet" > "$DIR/duckdb-ingest.json"
stage pandas python3 benches/pandas_bench.py "$DIR/files" > "$DIR/pandas.json"
# Incremental ingest: month 12 after months 1-11, and after month 1 only.
for before in 11 1; do
  rm -rf "$DIR/inc"; mkdir -p "$DIR/inc/old" "$DIR/inc/new"
  python3 - "$DIR" "$before" <<'PY'
import os, sys
sys.path.insert(0, "benches")
from common import month_of
d, before = sys.argv[1], int(sys.argv[2])
for n in os.listdir(f"{d}/files"):
    m = month_of(n)
    if m is None:
        continue
    if m <= before:
        os.symlink(f"{d}/files/{n}", f"{d}/inc/old/{n}")
    elif m == 12:
        os.symlink(f"{d}/files/{n}", f"{d}/inc/new/{n}")
PY
  "$LUYU" ingest "$DIR/inc/old" --warehouse "$DIR/inc/wh" > /dev/null
  stage "luyu-ingest-month12-after-$before" "$LUYU" ingest "$DIR/inc/new" --warehouse "$DIR/inc/wh" > /dev/null
done
python3 benches/compare.py "$DIR" "$rows"
