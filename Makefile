# luyu — the two commands: `make demo` and `make test`.
# Builds reuse CARGO_TARGET_DIR when set (CI points it outside the clone).

CARGO ?= cargo
# The dev binary `build` made, run directly: `cargo run` would check the build again per call.
LUYU = $(or $(CARGO_TARGET_DIR),target)/debug/luyu
DEMO_WH = out/demo/warehouse

.PHONY: demo test lint build clean samples bench-ingest bench bench-serve crash fuzz office-fixtures

build:
	$(CARGO) build

## Ingest data-samples/ into a fresh warehouse and render every report as of 2020-06 and
## 2020-12 into out/demo/, with the follow-up list of findings as xlsx.
demo: build
	rm -rf out/demo
	$(LUYU) demo
	$(LUYU) audit --as-of 2020-12 --warehouse $(DEMO_WH) --xlsx out/demo/问题清单-2020-12.xlsx > /dev/null

## Format, lint, then every test (unit, integration, acceptance).
test: lint
	$(CARGO) test --all-targets

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

## Regenerate data-samples/ (650 persons, seed 2020; the committed files are exactly this).
samples: build
	rm -rf data-samples
	$(LUYU) gen --persons 650 --seed 2020 --out data-samples

## Remake tests/office/ (data-samples/ re-saved by LibreOffice Calc and openpyxl, and the
## office-file cases) with the real tools: Debian's libreoffice-calc-nogui, PyPI's openpyxl,
## pandas and xlsxwriter. The results are committed; `make test` does not need these tools.
office-fixtures:
	python3 tests/office/make.py

## Ingest benchmark (release build; the first one compiles for ~25 minutes): a 1,000,000-row
## CSV ledger and the same registry as one xlsx, each into an empty warehouse; prints wall time,
## rows/s and peak RSS. Not part of `make test`.
BENCH_DIR ?= /var/tmp/luyu-bench
bench-ingest:
	$(CARGO) build --release
	rm -rf $(BENCH_DIR) && mkdir -p $(BENCH_DIR)
	$(CARGO) run --release --quiet -- gen --persons 1000000 --plain --months 12 --xlsx-month 12 --out $(BENCH_DIR)/files
	for f in "$(BENCH_DIR)/files/万州区2020年12月贫困劳动力名册.csv" "$(BENCH_DIR)/files/xlsx/万州区2020年12月贫困劳动力名册.xlsx"; do \
	  rm -rf $(BENCH_DIR)/wh; \
	  /usr/bin/time -f "$$f: %e s, peak RSS %M KB" $(CARGO) run --release --quiet -- ingest "$$f" --warehouse $(BENCH_DIR)/wh | tail -2; \
	done

## The three-way benchmark (luyu, DuckDB, pandas) at national scale; see BENCHMARKS.md.
## Needs a release build (~25 minutes the first time) and pip's duckdb and pandas.
bench:
	bash benches/run.sh 1000000

## Fuzz the table reader for 10 minutes with cargo-fuzz (libFuzzer), seeded with the bad-input
## corpus and two samples. The stable toolchain is enough: RUSTC_BOOTSTRAP lets cargo-fuzz pass
## its -Z flags, and the target compiles only the reader's files (no Polars).
FUZZ_SECONDS ?= 600
fuzz:
	command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	mkdir -p fuzz/corpus/table_reader
	cp tests/bad-inputs/*.csv tests/bad-inputs/*.xlsx data-samples/*3月贫困劳动力名册* fuzz/corpus/table_reader/
	cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run -s none table_reader corpus/table_reader -- -max_total_time=$(FUZZ_SECONDS)

## The web server's load test: 20 clients for 30 s on loopback while an upload ingests, on
## data-samples/ (months 1-11 in the warehouse, December's files uploaded). Release build.
SERVE_DIR ?= /var/tmp/luyu-serve-load
bench-serve:
	$(CARGO) build --release
	rm -rf $(SERVE_DIR) && mkdir -p $(SERVE_DIR)/m11 $(SERVE_DIR)/m12
	for f in data-samples/*; do case "$$f" in *12月*) cp "$$f" $(SERVE_DIR)/m12/ ;; *) cp "$$f" $(SERVE_DIR)/m11/ ;; esac; done
	$(CARGO) run --release --quiet -- ingest $(SERVE_DIR)/m11 --warehouse $(SERVE_DIR)/wh > /dev/null
	python3 benches/serve_load.py --luyu $${CARGO_TARGET_DIR:-target}/release/luyu --warehouse $(SERVE_DIR)/wh --as-of 2020-11 --upload $(SERVE_DIR)/m12

## The crash test at full strength: 100 ingests killed with SIGKILL at random moments.
crash:
	LUYU_CRASH_RUNS=100 $(CARGO) test --test it crash -- --nocapture

clean:
	rm -rf out warehouse
