# luyu — the two commands: `make demo` and `make test`.
# Builds reuse CARGO_TARGET_DIR when set (CI points it outside the clone).

CARGO ?= cargo
LUYU = $(CARGO) run --quiet --
DEMO_WH = out/demo/warehouse

.PHONY: demo test lint build clean samples

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

clean:
	rm -rf out warehouse
