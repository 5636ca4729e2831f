"""`make lint`'s check of the Kubernetes manifests, offline: `kubectl kustomize deploy/k8s` renders what
`kubectl apply -k` would send (generated ConfigMap, pinned image) and kubernetes-validate checks it against
Kubernetes' schemas (--strict: unknown fields are errors). Without kubectl (Debian: kubernetes-client),
each manifest is validated on its own and the kustomization is only parsed; the output says which.

Usage: python scripts/check_k8s.py [DIR]   (exit 1 on any problem)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
VALIDATE = str(Path(sys.executable).parent / "kubernetes-validate")


def render(folder: Path) -> str | None:
    """The kustomization rendered by kubectl, or None where kubectl is not installed."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return None
    return subprocess.run([kubectl, "kustomize", str(folder)], capture_output=True, text=True, check=True,
                          timeout=120).stdout


def main(argv: list[str] | None = None) -> int:
    folder = Path((argv or sys.argv[1:] or [str(ROOT / "deploy" / "k8s")])[0])
    try:
        rendered = render(folder)
    except subprocess.CalledProcessError as e:
        print(f"check_k8s: kubectl kustomize {folder} failed:\n{e.stderr}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        if rendered is not None:
            files = [Path(tmp) / "rendered.yaml"]
            files[0].write_text(rendered, encoding="utf-8")
            how = f"rendered with kubectl kustomize ({len(list(yaml.safe_load_all(rendered)))} objects)"
        else:
            yaml.safe_load((folder / "kustomization.yaml").read_text(encoding="utf-8"))
            files = sorted(p for p in folder.glob("*.yaml") if p.name != "kustomization.yaml")
            how = "each file on its own (kubectl not installed: the kustomization was not rendered)"
        r = subprocess.run([VALIDATE, "--strict", "--quiet", *map(str, files)], capture_output=True, text=True,
                           timeout=120)
    if r.returncode != 0:
        print(f"check_k8s: {how}:\n{r.stdout}{r.stderr}", file=sys.stderr)
        return 1
    print(f"check_k8s: deploy/k8s valid, {how}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
