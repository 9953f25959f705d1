#!/usr/bin/env bash
# Every national-scale output of one luyu binary, for `cmp` / `diff -r` before and after a
# change that must not change them (BENCHMARKS.md, "How the outputs were checked"):
#   benches/outputs.sh LUYU_BINARY OUT_DIR [WAREHOUSE]
# WAREHOUSE defaults to the one `make bench` builds. The report cache is cleared first, so the
# reports are computed, not read back. Phase times (LUYU_TIMINGS) go to OUT_DIR/*.err.
# Compare two runs with:  diff -r A/rep B/rep; diff -r A/rep11 B/rep11; cmp A/summary.json
# B/summary.json; cmp A/progress.txt B/progress.txt; and the xlsx unzipped (only
# docProps/core.xml, its creation time, may differ).
set -euo pipefail
BIN=$1
OUT=$2
WH=${3:-/var/tmp/luyu-bench-full/wh}
rm -rf "$OUT" "$WH/cache"
mkdir -p "$OUT"
t() { local name=$1; shift; /usr/bin/time -a -o "$OUT/times.txt" -f "$name %e s %M KB" "$@"; }
LUYU_TIMINGS=1 t summary "$BIN" summary --as-of 2020-12 --warehouse "$WH" --out "$OUT/summary.json" > /dev/null 2> "$OUT/summary.err"
LUYU_TIMINGS=1 t report "$BIN" report --as-of 2020-12 --warehouse "$WH" --out "$OUT/rep" > /dev/null 2> "$OUT/rep.err"
LUYU_TIMINGS=1 t recompute "$BIN" report --recompute --as-of 2020-12 --warehouse "$WH" --out "$OUT/rep-again" > /dev/null 2> "$OUT/rep-again.err"
# A new month: November's report first (it keeps November's findings and counts), then
# December's from them, which must equal December's computed from nothing.
rm -rf "$WH/cache"
"$BIN" report --as-of 2020-11 --warehouse "$WH" --out "$OUT/rep11" > /dev/null 2>&1
LUYU_TIMINGS=1 t new-month "$BIN" report --as-of 2020-12 --warehouse "$WH" --out "$OUT/rep-next" > /dev/null 2> "$OUT/rep-next.err"
"$BIN" audit --as-of 2020-12 --warehouse "$WH" --xlsx "$OUT/audit.xlsx" > "$OUT/audit.txt" 2> /dev/null
"$BIN" progress --as-of 2020-12 --warehouse "$WH" > "$OUT/progress.txt"
diff -r "$OUT/rep" "$OUT/rep-again" > /dev/null || echo "the recomputed reports differ from the first ones"
diff -r "$OUT/rep" "$OUT/rep-next" > /dev/null || echo "the new month's reports differ from the ones computed from nothing"
cat "$OUT/times.txt"
