"""The container platform on paper (Dockerfile, compose.yaml, deploy/k8s/), checked without a container
engine: the manifests against Kubernetes' schemas (kubernetes-validate, offline, as `make lint` runs it),
and the pieces against each other (ports, probes, secrets, files the image copies)."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from dashboard.config import ROOT
from scripts import check_k8s, serve

K8S = ROOT / "deploy" / "k8s"
VALIDATE = str(Path(sys.executable).parent / "kubernetes-validate")


def _docs() -> dict[str, dict[str, Any]]:
    """The objects `kubectl apply -k deploy/k8s` sends (rendered by kubectl where it is installed, else
    the files with the generated ConfigMap built from the kustomization by hand), by kind."""
    rendered = check_k8s.render(K8S)
    if rendered is not None:
        return {d["kind"]: d for d in yaml.safe_load_all(rendered) if d}
    out = {}
    for f in sorted(K8S.glob("*.yaml")):
        for d in yaml.safe_load_all(f.read_text(encoding="utf-8")):
            out[d["kind"]] = d
    kust = out.pop("Kustomization")
    gen = kust["configMapGenerator"][0]
    out["ConfigMap"] = {"metadata": {"name": gen["name"] + "-hash"},
                        "data": dict(kv.split("=", 1) for kv in gen["literals"])}
    return out


def _validate(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([VALIDATE, "--strict", "--quiet", *map(str, files)], capture_output=True, text=True,
                          timeout=60)


def test_the_manifests_pass_the_kubernetes_schemas_and_a_broken_one_does_not(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "check_k8s.py")], capture_output=True, text=True,
                       timeout=180)
    assert r.returncode == 0, r.stdout + r.stderr
    broken = tmp_path / "k8s"
    shutil.copytree(K8S, broken)
    text = (K8S / "deployment.yaml").read_text(encoding="utf-8")
    (broken / "deployment.yaml").write_text(text.replace("readinessProbe:", "readynessProbe:"), encoding="utf-8")
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "check_k8s.py"), str(broken)], capture_output=True,
                       text=True, timeout=180)
    assert r.returncode == 1  # a typo


def _cmd_port(args: list[str]) -> int:
    return int(args[args.index("--port") + 1])


def test_the_pieces_fit_together() -> None:
    docs = _docs()
    assert {"Deployment", "Service", "Ingress", "ConfigMap", "PodDisruptionBudget", "ServiceAccount"} <= set(docs)
    assert "Secret" not in docs  # created by hand (README), never committed
    pod = docs["Deployment"]["spec"]["template"]["spec"]
    c = pod["containers"][0]
    port = _cmd_port(c["args"])
    assert c["ports"][0]["containerPort"] == port
    # Ready only after the warm-up (serve.py's marker through nginx); alive as soon as a worker listens.
    paths = {"startupProbe": "/_gunma/ready", "readinessProbe": "/_gunma/ready", "livenessProbe": "/_stcore/health"}
    for probe, path in paths.items():
        assert c[probe]["httpGet"]["path"] == path and c[probe]["httpGet"]["port"] == "http"
    # The secrets the pod reads come from the hand-made Secret; no static AWS keys anywhere.
    refs = [e["valueFrom"]["secretKeyRef"] for e in c["env"] if "valueFrom" in e]
    assert [r["key"] for r in refs] == ["STREAMLIT_SERVER_COOKIE_SECRET"]
    assert not [e for e in c["env"] if e["name"].startswith("AWS_")]
    assert docs["ConfigMap"]["data"]["GUNMA_STORE"].startswith("s3://")
    # A ConfigMap change renames it (hash suffix), which rolls the pods.
    cm = docs["ConfigMap"]["metadata"]["name"]
    assert cm != "gunma-dashboard" and {"configMapRef": {"name": cm}} in c["envFrom"]
    # Hardening.
    assert pod["automountServiceAccountToken"] is False and pod["serviceAccountName"] == "gunma-dashboard"
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["securityContext"]["runAsNonRoot"] is True
    sc = c["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
    empty = {v["name"] for v in pod["volumes"] if "emptyDir" in v}
    mounted = {m["mountPath"] for m in c["volumeMounts"] if m["name"] in empty}
    assert {"/tmp", "/cache"} <= mounted  # where serve.py, nginx and the cache write
    assert c["lifecycle"]["preStop"]["exec"]["command"][0] == "sleep"
    assert pod["terminationGracePeriodSeconds"] > int(c["lifecycle"]["preStop"]["exec"]["command"][1]) + 15
    keys = {t["topologyKey"] for t in pod["topologySpreadConstraints"]}
    assert keys == {"kubernetes.io/hostname", "topology.kubernetes.io/zone"}
    tag = c["image"].rsplit(":", 1)[1]
    assert tag not in ("latest", "") and "/" not in tag
    pdb = docs["PodDisruptionBudget"]["spec"]
    assert pdb["selector"] == docs["Deployment"]["spec"]["selector"] and pdb["maxUnavailable"] == 1
    # The Service reaches the pods; the Ingress reaches the Service with cookie affinity.
    svc = docs["Service"]
    assert svc["spec"]["selector"] == docs["Deployment"]["spec"]["selector"]["matchLabels"]
    ing = docs["Ingress"]
    assert ing["metadata"]["annotations"]["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    backend = ing["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == svc["metadata"]["name"]
    assert ing["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"] == \
        f"{serve.max_upload_mb()}m"


def test_the_image_has_what_the_app_needs_and_copies_files_that_exist() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM debian:", text, re.M)
    for pkg in ("chromium", "fonts-noto-cjk", "nginx", "gettext-base", "python3"):
        assert re.search(rf"\b{re.escape(pkg)}\b", text), pkg
    for line in re.findall(r"^COPY (.+)$", text, re.M):
        if "--from=" in line:  # from an earlier stage, not from the context
            continue
        for src in shlex.split(line)[:-1]:
            assert (ROOT / src).exists(), src
    cmd = re.search(r"^CMD (\[.+\])$", text, re.M)
    assert cmd is not None
    args = yaml.safe_load(cmd.group(1))
    assert args[1] == "scripts/serve.py" and _cmd_port(args) == _cmd_port(_docs()["Deployment"]["spec"][
        "template"]["spec"]["containers"][0]["args"])


def test_compose_runs_a_bucket_replicas_and_a_sticky_load_balancer(tmp_path: Path) -> None:
    # Valid for Docker Compose: the Compose Specification's schema (vendored by check-jsonschema, offline).
    r = subprocess.run([str(Path(sys.executable).parent / "check-jsonschema"), "--builtin-schema",
                        "vendor.compose-spec", str(ROOT / "compose.yaml")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    spec = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = spec["services"]
    assert set(services) == {"s3", "app", "lb"}
    app = services["app"]
    assert app["environment"]["GUNMA_STORE"].startswith("s3://")
    assert app["deploy"]["mode"] == "replicated" and app["deploy"]["replicas"] >= 2  # podman-compose needs mode
    assert app["environment"]["AWS_ENDPOINT_URL"].startswith("http://s3:")
    # Everything from the project's own image; nothing published but lb, and lb on loopback by default.
    assert all(svc["image"].startswith("localhost/gunma-dashboard") for svc in services.values())
    assert "ports" not in services["s3"] and "ports" not in app
    assert services["lb"]["ports"] == ["${GUNMA_BIND:-127.0.0.1}:${GUNMA_PORT:-8501}:8080"]
    assert "AWS_SECRET_ACCESS_KEY" in services["s3"]["environment"]  # the S3 server requires credentials
    # One-level dependency chains (podman 4.3 cannot start a dependency's dependency).
    for name, svc in services.items():
        for dep in svc.get("depends_on", []):
            assert not services[dep].get("depends_on"), (name, dep)
    assert all(svc["logging"]["options"]["max-size"] for svc in services.values())  # logs rotate
    conf = ROOT / "deploy" / "compose" / "lb.conf"
    assert f"/app/{conf.relative_to(ROOT)}" in services["lb"]["command"]
    text = conf.read_text(encoding="utf-8")
    assert "hash $gunma_lb consistent" in text and "app:8080" in text and "gzip on;" in text
    nginx = serve._nginx_binary()
    if nginx is None:
        pytest.skip("nginx is not installed")
    # nginx's own syntax check of the load balancer's config (`app` resolved to loopback for the check).
    text = text.replace("app:8080", "127.0.0.1:8080").replace("/tmp/", f"{tmp_path}/")
    if not serve.BROTLI_MODULE.exists():
        text = re.sub(r"^load_module .*$|^\s*brotli.*?;", "", text, flags=re.M | re.S)
    (tmp_path / "nginx.conf").write_text(text, encoding="utf-8")
    r = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-e", "stderr", "-c", str(tmp_path / "nginx.conf")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr


def test_the_rendered_serve_configs_pass_nginx_and_supervisord_checks(tmp_path: Path) -> None:
    from supervisor.options import ServerOptions

    conf = serve.configure(tmp_path, workers=3, port=18080, address="127.0.0.1")
    nginx_conf = tmp_path / "nginx.conf"
    for f in (conf, nginx_conf):
        assert not re.search(r"\$\{[A-Z_]+\}", f.read_text(encoding="utf-8")), f  # every field filled in
    # supervisord's own parser: three workers, each on its own port, numbered by it, plus nginx.
    opts = ServerOptions()
    opts.realize(args=["-c", str(conf)])
    groups = {g.name: g.process_configs for g in opts.process_group_configs}
    ports = [int(p.name.rsplit("-", 1)[1]) for p in groups["worker"]]
    assert len(ports) == 3 and all(f"--server.port {n}" in p.command for n, p in zip(ports, groups["worker"],
                                                                                     strict=True))
    assert all(p.autorestart for g in groups.values() for p in g)
    text = nginx_conf.read_text(encoding="utf-8")
    assert all(f"server 127.0.0.1:{n} max_fails=0;" in text for n in ports)
    nginx = serve._nginx_binary()
    if nginx is None:
        pytest.skip("nginx is not installed")
    r = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-e", "stderr", "-c", str(nginx_conf)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr


def test_the_systemd_unit_kills_its_whole_control_group_and_runs_serve(tmp_path: Path) -> None:
    unit = ROOT / "deploy" / "systemd" / "gunma-dashboard.service"
    text = unit.read_text(encoding="utf-8")
    fields = dict(re.findall(r"^(\w+)=(.*)$", text, re.M))
    assert fields["KillMode"] == "control-group" and fields["Restart"] == "on-failure"
    exec_start = shlex.split(fields["ExecStart"])
    assert exec_start[1] == "scripts/serve.py"
    assert int(fields["TimeoutStopSec"]) > 15  # supervisord's stopwaitsecs
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    copy = tmp_path / unit.name  # systemd's own check, with this checkout's interpreter in place of /srv's
    copy.write_text(text.replace("/srv/gunma-dashboard/.venv/bin/python", sys.executable), encoding="utf-8")
    r = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and not r.stderr.strip(), r.stderr
