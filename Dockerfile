# The dashboard's image: Debian with Python 3.11, Chromium (PNG/PDF export, kaleido), Japanese fonts, nginx,
# envsubst (gettext-base) and supervisord (from requirements.lock). One container runs `make serve`'s stack:
# supervisord → Streamlit worker(s) + nginx (security headers, upload limits) on port 8080.
# Snapshots live in a bucket (GUNMA_STORE=s3://BUCKET/PREFIX); the container keeps only caches.
FROM debian:bookworm-slim

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 python3-venv ca-certificates chromium fonts-noto-cjk nginx-light gettext-base poppler-utils \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 app
WORKDIR /app

COPY requirements.lock ./
RUN python3 -m venv /app/.venv \
 && /app/.venv/bin/pip install --no-cache-dir -q -r requirements.lock

COPY dashboard ./dashboard
COPY pages ./pages
COPY queries ./queries
COPY scripts ./scripts
COPY deploy ./deploy
COPY data/catalog ./data/catalog
COPY data/reference ./data/reference
COPY .streamlit/config.toml ./.streamlit/config.toml
COPY locale ./locale
RUN /app/.venv/bin/pybabel compile -q -d locale -D messages
COPY pyproject.toml README.md ./

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONPATH=/app \
    GUNMA_DATA_DIR=/app/data \
    GUNMA_CACHE_DIR=/cache \
    BROWSER_PATH=/usr/bin/chromium
RUN mkdir -p /cache && chown app /cache
USER app

EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=6 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/_stcore/health', timeout=2)"
# Workers per container: 1 on a one-core container limit; more cores, more workers.
CMD ["python", "scripts/serve.py", "--workers", "1", "--port", "8080", "--address", "0.0.0.0"]
