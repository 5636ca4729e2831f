"""The image itself (Dockerfile), built with podman and run: it serves the bundled data through its nginx
(compressed), refuses to start without data, keeps its health check, holds no build secret and no test tools,
and works with a read-only root file system."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest
import websocket

from bench import load
from dashboard.config import ROOT
from tests.deploy.conftest import free_port, get, needs_podman, podman, shared_copy, wait_for

pytestmark = [pytest.mark.deploy, needs_podman]


def test_the_image_has_its_health_check_only_runtime_packages_and_no_build_secret(app_image: str) -> None:
    info = json.loads(podman("image", "inspect", app_image).stdout)[0]
    health = info.get("Healthcheck") or info["Config"].get("Healthcheck")
    # Kept (built with --format docker); it asks for readiness after the warm-up, not a bare listening worker.
    assert health and "/_gunma/ready" in " ".join(health["Test"])
    size_gb = info["Size"] / 1e9
    print(f"\nimage {app_image}: {size_gb:.2f} GB")
    assert size_gb < 2.0  # 2.89 GB with the development lock; ~1.7 GB with the runtime lock
    script = ("import importlib.util as u, os, sys;"
              "tools = [m for m in ('pytest', 'ruff', 'mypy', 'moto', 'playwright', 'hypothesis', 'babel', 'pip')"
              " if u.find_spec(m)];"
              "need = [m for m in ('streamlit', 'duckdb', 'polars', 'kaleido', 'boto3', 'supervisor', 'pptx')"
              " if not u.find_spec(m)];"
              "left = [p for p in ('/tmp/ca.pem', '/run/secrets/ca') if os.path.exists(p)];"
              "print(tools, need, left); sys.exit(bool(tools or need or left))")
    r = podman("run", "--rm", "--entrypoint", "python", app_image, "-c", script, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    # The extra CA bundle was used for pip only: it is in no layer's history either.
    history = podman("history", "--no-trunc", "--format", "{{.CreatedBy}}", app_image).stdout
    assert "BEGIN CERTIFICATE" not in history


def test_without_data_the_container_stops_at_once_saying_why(app_image: str) -> None:
    name = f"gunma-nodata-{uuid.uuid4().hex[:8]}"
    t0 = time.monotonic()
    r = podman("run", "--name", name, app_image, check=False, timeout=120)
    took = time.monotonic() - t0
    podman("rm", "-f", name, check=False)
    assert r.returncode == 1
    assert "no snapshot store" in r.stderr and "GUNMA_STORE" in r.stderr, r.stderr
    print(f"\nno data: exit 1 after {took:.1f} s: {r.stderr.strip()}")
    r = podman("run", "--rm", "-e", "GUNMA_STORE=s3://snapshots-test/gunma", "-e", "AWS_ENDPOINT_URL=http://127.0.0.1:9",
               "-e", "AWS_ACCESS_KEY_ID=x", "-e", "AWS_SECRET_ACCESS_KEY=y", "-e", "AWS_MAX_ATTEMPTS=1", app_image,
               check=False, timeout=180)
    assert r.returncode == 1 and "cannot be read" in r.stderr, r.stderr


def test_the_image_serves_the_data_read_only_compressed_and_healthy(app_image: str, tmp_path: Path) -> None:
    data = shared_copy(ROOT / "data" / "snapshots", tmp_path / "snapshots")
    port, name = free_port(), f"gunma-app-{uuid.uuid4().hex[:8]}"
    t0 = time.monotonic()
    podman("run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:8080", "--read-only",
           "--tmpfs", "/tmp:rw,size=256m", "--tmpfs", "/cache:rw,size=512m,mode=1777",
           "-v", f"{data}:/app/data/snapshots:ro", app_image)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: get(f"{url}/_gunma/ready")[0] == 200, 180, "the container's nginx and warmed-up worker")
        up_s = time.monotonic() - t0
        wait_for(lambda: podman("healthcheck", "run", name, check=False).returncode == 0, 60, "HEALTHCHECK")
        status, headers, _ = get(f"{url}/", {"Accept-Encoding": "gzip"})
        assert status == 200 and headers.get("Content-Security-Policy")
        js = [a for a in load_assets(url) if a.endswith(".js")]
        big = max(js, key=lambda a: len(get(f"{url}/{a}")[2]))
        status, headers, _ = get(f"{url}/{big}", {"Accept-Encoding": "br, gzip"})
        assert status == 200 and headers.get("Content-Encoding") in ("br", "gzip")
        # A real page run through the container: the overview draws from the mounted snapshots.
        ws = websocket.create_connection(url.replace("http", "ws") + "/_stcore/stream", timeout=60,
                                         subprotocols=["streamlit"], origin=url)
        try:
            ms = load._rerun(ws, "overview", "", 120)
        finally:
            ws.close()
        print(f"\ncontainer: answering after {up_s:.1f} s (read-only root), overview drawn in {ms:.0f} ms, "
              f"{big} as {headers.get('Content-Encoding')}")
    except Exception:
        print(podman("logs", name, check=False).stderr[-3000:])
        raise
    finally:
        podman("rm", "-f", "-t", "5", name, check=False)


def load_assets(url: str) -> list[str]:
    import re

    html = get(f"{url}/")[2].decode(errors="replace")
    return sorted(set(re.findall(r'(?:src|href)="\.?/?(static/[^"]+\.(?:js|css))"', html)))
