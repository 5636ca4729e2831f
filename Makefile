# Two commands do everything on a fresh Debian machine with Python 3.11:
#   make run    set up, then serve the dashboard on the bundled data (http://localhost:8501)
#   make serve  the same for production: supervisord runs one Streamlit process per core and nginx (scripts/serve.py)
#   make test   set up, then lint, type-check and run the whole test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYTHONPATH := $(CURDIR)

.PHONY: run serve test lint bench system-deps clean

$(STAMP): requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	touch $@

# Debian packages: Chromium (browser tests, PNG export via kaleido), Japanese fonts, nginx, poppler-utils
# (pdftotext: what a printed briefing really shows) and gettext-base (envsubst fills in deploy/ templates)
# (`make serve`; /usr/sbin is not on an ordinary user's PATH, hence the second test).
system-deps:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -q "Noto Sans CJK" \
			|| ! { command -v nginx >/dev/null || test -x /usr/sbin/nginx; } || ! command -v pdftotext >/dev/null \
			|| ! command -v envsubst >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk nginx poppler-utils gettext-base >/dev/null; \
	fi

run: $(STAMP) system-deps
	$(BIN)/streamlit run dashboard/app.py

# Production: workers and port as options, e.g. make serve SERVE_ARGS="--workers 4 --port 80"
serve: $(STAMP) system-deps
	$(BIN)/python scripts/serve.py $(SERVE_ARGS)

# Import contracts (.importlinter: layers, no streamlit below the UI, no cycles); Kubernetes manifests
# checked offline against the schemas bundled with kubernetes-validate.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/kubernetes-validate --strict --quiet deploy/k8s/*.yaml

test: $(STAMP) system-deps lint
	$(BIN)/pytest -n 2 -q

bench: $(STAMP) system-deps
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) tests/artifacts bench/out
