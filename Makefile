# Two commands do everything on a fresh Debian machine with Python 3.11:
#   make run    set up, then serve the dashboard on the bundled data (http://localhost:8501)
#   make serve  the same for production: supervisord runs one Streamlit process per core and nginx (scripts/serve.py)
#   make test   set up, then lint, type-check and run the whole test suite, including the `deploy` tests that
#               build the image with podman and run it and the two-replica stack on SeaweedFS (tests/deploy/)
#   make image  build the container image with podman (scripts/image.py: project-local podman settings,
#               base image and layers cached in ~/.cache/gunma-dashboard)
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYTHONPATH := $(CURDIR)

.PHONY: run serve test test-fast lint bench system-deps clean messages messages-extract messages-update image

# Message catalogues (dashboard/i18n.py): locale/<lang>/LC_MESSAGES/messages.po, compiled to .mo here.
MO := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/messages.po))

$(STAMP): requirements.lock requirements-runtime.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	touch $@

# Debian packages: Chromium (browser tests, PNG export via kaleido), Japanese fonts, nginx with Debian's brotli
# module, poppler-utils (pdftotext: what a printed briefing really shows), gettext-base (envsubst fills in
# deploy/ templates) (`make serve`; /usr/sbin is not on an ordinary user's PATH, hence the second test);
# podman, runc, netavark + aardvark-dns + iptables (container networks with service names: netavark fails with
# "No such file or directory" without iptables) and debootstrap (the image,
# built and run by the deploy tests; podman-compose comes from requirements.lock); kubectl from Debian's
# kubernetes-client where none is installed (`kubectl kustomize`).
system-deps:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -q "Noto Sans CJK" \
			|| ! { command -v nginx >/dev/null || test -x /usr/sbin/nginx; } || ! command -v pdftotext >/dev/null \
			|| ! command -v envsubst >/dev/null || ! test -e /usr/lib/nginx/modules/ngx_http_brotli_filter_module.so \
			|| ! command -v podman >/dev/null || ! { command -v runc >/dev/null || test -x /usr/sbin/runc; } \
			|| ! { command -v debootstrap >/dev/null || test -x /usr/sbin/debootstrap; } \
			|| ! test -x /usr/lib/podman/aardvark-dns \
			|| ! { command -v iptables >/dev/null || test -x /usr/sbin/iptables; } \
			|| ! command -v kubectl >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		KUBECTL=$$(command -v kubectl >/dev/null || echo kubernetes-client); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk \
			nginx libnginx-mod-http-brotli-filter poppler-utils gettext-base podman runc netavark aardvark-dns iptables debootstrap $$KUBECTL >/dev/null; \
	fi

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile -i $< -o $@ 2>/dev/null

messages: $(MO)

# The keys the code uses (t, tn, N_) into locale/messages.pot; update adds new keys to every language with
# an empty text (which `make lint` reports as untranslated until someone writes it).
messages-extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k t -k tn -k N_ --no-location --omit-header -o locale/messages.pot dashboard pages

messages-update: messages-extract
	$(BIN)/pybabel update --no-fuzzy-matching -i locale/messages.pot -d locale -D messages

run: $(STAMP) system-deps messages
	$(BIN)/streamlit run dashboard/app.py

# Production: workers and port as options, e.g. make serve SERVE_ARGS="--workers 4 --port 80"
serve: $(STAMP) system-deps messages
	$(BIN)/python scripts/serve.py $(SERVE_ARGS)

# Import contracts (.importlinter: layers, no streamlit below the UI, no cycles); Kubernetes manifests
# rendered with `kubectl kustomize deploy/k8s` and checked offline against the schemas bundled with
# kubernetes-validate (scripts/check_k8s.py; each file on its own where kubectl is missing).
lint: $(STAMP) messages
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python scripts/check_k8s.py
	$(BIN)/python scripts/check_messages.py
	$(BIN)/python scripts/pseudo_locale.py --check

test: $(STAMP) system-deps lint
	$(BIN)/pytest -n 2 -q

# The edit-run loop: everything that needs no browser, no container, no real server and no long run (`slow`).
test-fast: $(STAMP) messages
	$(BIN)/pytest -n 2 -q -m "not browser and not deploy and not slow"

image: $(STAMP) system-deps
	$(BIN)/python scripts/image.py build

# Lighthouse (bench/lighthouse.py) from bench/package-lock.json, installed once per lock: the stamp is newer than
# the lock while bench/node_modules matches it. Node itself is the machine's (Lighthouse 12: Node >= 18.16);
# without npm the benchmarks run and the report says the Lighthouse section was skipped.
LH_STAMP := bench/node_modules/.installed

$(LH_STAMP): bench/package.json bench/package-lock.json
	@if command -v npm >/dev/null; then npm ci --prefix bench --no-audit --no-fund && touch $@; \
	else echo "npm not found: make bench runs without its Lighthouse section"; fi

bench: $(STAMP) system-deps messages $(LH_STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) tests/artifacts bench/out bench/node_modules $(MO)
