"""The container image built and run with podman on this machine, with project-local settings only.

    python scripts/image.py base     # debian:bookworm-slim from Debian's archive (debootstrap + podman import), cached
    python scripts/image.py build    # the Dockerfile's image (gunma-dashboard:TAG; also the s3 stage)
    python scripts/image.py env      # shell exports that point podman / podman-compose at the same settings

Nothing under /etc/containers is read or changed: podman gets deploy/podman/containers.conf through
CONTAINERS_CONF (runc, the machine's nofile/nproc limits) and a storage.conf through CONTAINERS_STORAGE_CONF
whose image and layer store lives in the user's cache folder ($XDG_CACHE_HOME/gunma-dashboard, default
~/.cache/gunma-dashboard), so a fresh clone reuses the base image and the build's layers.

The package index and an extra CA bundle reach the build as build arguments / a build secret:
GUNMA_PIP_INDEX_URL (default: pip's own configuration on this machine, else PyPI) and GUNMA_CA_BUNDLE
(default: the bundle this machine's pip or OpenSSL trusts). The bundle is mounted for the pip step only
and is not stored in any layer.
"""

from __future__ import annotations

import argparse
import configparser
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTAINERS_CONF = ROOT / "deploy" / "podman" / "containers.conf"
BASE = "docker.io/library/debian:bookworm-slim"
IMAGE = "localhost/gunma-dashboard"
TAG = "0.1.0"  # the version the manifests pin (deploy/k8s/kustomization.yaml images:)
SUITE = "bookworm"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(os.environ.get("GUNMA_CACHE_HOME") or Path(base) / "gunma-dashboard")


def podman_env() -> dict[str, str]:
    """The environment for podman and podman-compose: this project's settings, the cache's storage."""
    cache = cache_dir()
    storage = cache / "containers"
    storage.mkdir(parents=True, exist_ok=True)
    conf = storage / "storage.conf"
    run = Path(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()) / f"gunma-containers-{os.getuid()}"
    text = (f'[storage]\ndriver = "overlay"\ngraphroot = "{storage / "storage"}"\nrunroot = "{run}"\n')
    if not conf.exists() or conf.read_text(encoding="utf-8") != text:
        conf.write_text(text, encoding="utf-8")
    return {**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF), "CONTAINERS_STORAGE_CONF": str(conf)}


def podman(*args: str, check: bool = True, capture: bool = False,
           timeout: float | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], env=podman_env(), check=check, text=True, timeout=timeout,
                          capture_output=capture)


def apt_mirror(sources: Path = Path("/etc/apt")) -> str:
    """The Debian archive this machine's apt uses (its first `main` source for the suite), else Debian's."""
    found: list[str] = []
    for f in sorted((sources / "sources.list.d").glob("*.sources")):
        for stanza in re.split(r"\n\s*\n", f.read_text(encoding="utf-8", errors="replace")):
            fields = dict(re.findall(r"^([A-Za-z-]+):\s*(.*)$", stanza, re.M))
            if (fields.get("Enabled", "yes") != "no" and "deb" in fields.get("Types", "").split()
                    and SUITE in fields.get("Suites", "").split() and "main" in fields.get("Components", "").split()):
                found += fields.get("URIs", "").split()
    for f in [sources / "sources.list", *sorted((sources / "sources.list.d").glob("*.list"))]:
        if f.is_file():
            for line in f.read_text(encoding="utf-8", errors="replace").splitlines():
                m = re.match(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+(\S+)\s+(.*)$", line.strip())
                if m and m.group(2) == SUITE and "main" in m.group(3).split():
                    found.append(m.group(1))
    return found[0] if found else "http://deb.debian.org/debian"


def has_image(name: str) -> bool:
    return podman("image", "exists", name, check=False).returncode == 0


def base() -> None:
    """debian:bookworm-slim in the cache's image store: imported from a cached root file system tarball,
    which debootstrap makes from the machine's Debian mirror when it is missing (~3 min, ~200 MB)."""
    if has_image(BASE):
        return
    tarball = cache_dir() / f"debian-{SUITE}-minbase.tar"
    if not tarball.exists():
        if shutil.which("debootstrap") is None and not Path("/usr/sbin/debootstrap").exists():
            raise SystemExit("image: debootstrap is not installed (`make system-deps` installs it)")
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        with tempfile.TemporaryDirectory(dir=cache_dir()) as tmp:
            rootfs = Path(tmp) / "rootfs"
            mirror = apt_mirror()
            print(f"image: debootstrap --variant=minbase {SUITE} from {mirror} (a few minutes, once)", flush=True)
            subprocess.run([*sudo, "debootstrap", "--variant=minbase", SUITE, str(rootfs), mirror], check=True,
                           stdout=subprocess.DEVNULL)
            # The image keeps no downloaded packages; apt lists come from `apt-get update` in each build.
            subprocess.run([*sudo, "sh", "-c", f"rm -rf {rootfs}/var/cache/apt/archives/*.deb "
                            f"{rootfs}/var/lib/apt/lists/* {rootfs}/var/log/*.log"], check=True)
            subprocess.run([*sudo, "tar", "--numeric-owner", "-C", str(rootfs), "-cf", f"{tarball}.part", "."],
                           check=True)
            subprocess.run([*sudo, "rm", "-rf", str(rootfs)], check=True)
        os.replace(f"{tarball}.part", tarball)
    podman("import", "--change", "CMD [\"bash\"]", str(tarball), BASE, capture=True)


def pip_index_url() -> str:
    """GUNMA_PIP_INDEX_URL, else the index this machine's pip is configured with (empty: PyPI)."""
    if "GUNMA_PIP_INDEX_URL" in os.environ:
        return os.environ["GUNMA_PIP_INDEX_URL"]
    if os.environ.get("PIP_INDEX_URL"):
        return os.environ["PIP_INDEX_URL"]
    for f in (Path("/etc/pip.conf"), Path("/etc/xdg/pip/pip.conf"), Path.home() / ".config/pip/pip.conf",
              Path.home() / ".pip/pip.conf"):
        cp = configparser.ConfigParser()
        try:
            cp.read(f)
        except configparser.Error:
            continue
        url = cp.get("global", "index-url", fallback="")
        if url.startswith(("http://", "https://")):
            return url
    return ""


def ca_bundle() -> Path | None:
    """GUNMA_CA_BUNDLE, else the bundle pip or OpenSSL on this machine trusts (it may hold a TLS-inspecting
    proxy's CA, which a fresh image lacks)."""
    for name in ("GUNMA_CA_BUNDLE", "PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        value = os.environ.get(name)
        if value:
            return Path(value) if name != "GUNMA_CA_BUNDLE" or value != "none" else None
    default = Path("/etc/ssl/certs/ca-certificates.crt")
    return default if default.is_file() else None


def build(tag: str = TAG, target: str = "app", timeout: float | None = None) -> str:
    """Build the Dockerfile's target stage as IMAGE:tag (s3 stage: IMAGE-s3:tag); the image name."""
    base()
    name = f"{IMAGE}:{tag}" if target == "app" else f"{IMAGE}-{target}:{tag}"
    args = ["build", "--format", "docker", "--layers", "--target", target, "-t", name, "-f",
            str(ROOT / "Dockerfile")]
    index = pip_index_url()
    if index:
        args += ["--build-arg", f"PIP_INDEX_URL={index}"]
    ca = ca_bundle()
    if ca is not None:
        args += ["--secret", f"id=ca,src={ca}"]
    podman(*args, str(ROOT), timeout=timeout)
    return name


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("command", choices=["base", "build", "env", "mirror"])
    ap.add_argument("--tag", default=TAG)
    ap.add_argument("--target", default="app", choices=["app", "s3"])
    args = ap.parse_args(argv)
    if args.command == "base":
        base()
    elif args.command == "build":
        print(build(args.tag, args.target))
    elif args.command == "mirror":
        print(apt_mirror())
    else:
        env = podman_env()
        for k in ("CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF"):
            print(f"export {k}={env[k]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
