# Two commands on a fresh clone: `make build` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: build test check schema docs clean system-deps fuzz bench

# `make build` needs only what compiling needs; `make test` adds the test peers.
$(BIN)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(BIN)/.installed: $(BIN)/.runtime pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# checkov judges the generated stacks; its own pins clash with the test tools', so it has a
# virtualenv of its own, which tests/test_checkov.py finds at $(CHECKOV).
CHECKOV := $(VENV)/checkov/bin/checkov
CHECKOV_VERSION := 3.3.30
$(CHECKOV):
	$(PYTHON) -m venv $(VENV)/checkov
	$(VENV)/checkov/bin/python -m pip install --quiet 'checkov==$(CHECKOV_VERSION)'

# No SPECS named: cachegen's own default (spec/*.yaml and every spec below that extends one of
# them), the same set the cachegen-check hook checks.
build: $(BIN)/.runtime
	$(BIN)/cachegen build

# Real peers the tests run against, from Debian's packages (CI runs as root).
system-deps:
	@command -v redis-server >/dev/null || { \
	  echo "installing redis-server (Debian package)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
	@command -v redis-server >/dev/null || { echo "redis-server is required: apt-get install redis-server" >&2; exit 1; }

# Two workers, a test file each at a time: files share their servers and generated corpora.
test: $(BIN)/.installed system-deps $(CHECKOV)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

check: $(BIN)/.runtime
	$(BIN)/cachegen build --check

schema: $(BIN)/.runtime
	$(BIN)/cachegen schema > schema/cachegen.schema.json

clean:
	rm -rf $(VENV) dist build

docs: $(BIN)/.installed
	$(BIN)/python -m cachegen.docs docs

# A new seed every run, so repeated runs explore further; `make fuzz SEED=n` replays one.
ifndef SEED
SEED := $(shell date +%s)
endif
# Mutations and schema agreement: 10,000 each; generated specs: 5,000, the slow peers on 500.
fuzz: $(BIN)/.installed system-deps
	@echo "fuzz seed $(SEED) (replay: make fuzz SEED=$(SEED))"
	CACHEGEN_FUZZ_EXAMPLES=10000 CACHEGEN_FUZZ_SEED=$(SEED) $(BIN)/python -m pytest -q tests/test_fuzz.py \
	  tests/properties/test_schema_agreement.py tests/properties/test_capacity_properties.py
	CACHEGEN_FUZZ_EXAMPLES=5000 CACHEGEN_FUZZ_SLOW=500 CACHEGEN_FUZZ_SEED=$(SEED) $(BIN)/python -m pytest -q -s \
	  tests/properties/test_accepted_builds.py

bench: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet check-jsonschema
	$(BIN)/python bench/run.py
	$(BIN)/python bench/phases.py
	$(BIN)/python bench/capacity.py
