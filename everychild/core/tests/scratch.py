"""A scratch demo site (SQLite file, static files) for tests that run ``everychild`` commands as
separate processes: the web server, the task worker and the tick, as the demo runs them."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from conftest import skip_or_fail

EVERYCHILD = [sys.executable, "-m", "everychild.cli"]
_SITE: dict[str, Path] = {}


def scratch_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The demo's environment with everything under ``var_dir`` (SQLite, static, mail)."""
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith("EVERYCHILD_")
        and key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="everychild.settings", EVERYCHILD_ENV="demo",
        EVERYCHILD_VAR_DIR=str(var_dir), PYTHONUNBUFFERED="1", LOG_LEVEL="INFO", **extra,
    )
    return env


def everychild(var_dir: Path, *args: str, timeout: float = 300, **extra: str) -> str:
    """Run one ``everychild`` command to completion; return its standard output. The timeout
    only guards against a hang: on a busy two-core machine collectstatic took over a minute."""
    done = subprocess.run(
        [*EVERYCHILD, *args], env=scratch_env(var_dir, **extra), capture_output=True,
        text=True, timeout=timeout, cwd=var_dir,
    )
    assert done.returncode == 0, f"everychild {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


def shell(var_dir: Path, code: str, **extra: str) -> str:
    """Run Python ``code`` in ``everychild shell`` against the scratch site; return its output."""
    return everychild(var_dir, "shell", "--no-imports", "-c", code, **extra)


def _build_site(base: Path) -> Path:
    site = base / "site"
    site.mkdir()
    everychild(site, "migrate", "--noinput", "-v0")
    everychild(site, "load-demo", "--children", "100")
    vendored = subprocess.run(
        [*EVERYCHILD, "vendor-assets"], env=scratch_env(site), capture_output=True, text=True,
        timeout=60,
    )
    if vendored.returncode != 0:
        checkout_vendor = Path(settings.BASE_DIR) / "var" / "vendor"
        if not (checkout_vendor / "noto-sans-sc" / "400.css").is_file():
            skip_or_fail("front-end packages are not installed (npm ci, everychild vendor-assets)")
        shutil.copytree(checkout_vendor, site / "vendor")
    everychild(site, "collectstatic", "--noinput", "-v0")
    return site


def scratch_site(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    """A fresh copy of the migrated demo site (built once per test run) in ``tmp_path``."""
    if "site" not in _SITE:
        _SITE["site"] = _build_site(tmp_path_factory.mktemp("everychild"))
    site = _SITE["site"]
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    for db_file in site.glob("everychild.sqlite3*"):
        shutil.copy2(db_file, var_dir / db_file.name)
    for shared in ("static", "vendor"):
        (var_dir / shared).symlink_to(site / shared, target_is_directory=True)
    return var_dir


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(method: str, url: str, body: dict | None = None, headers: dict | None = None,
         timeout: float = 30) -> tuple[int, bytes, dict[str, str]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def wait_healthy(base_url: str, process: subprocess.Popen, log: Path, seconds: float = 30) -> dict:
    """Wait until GET /healthz answers 200; fail early if the server process died."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()}")
        try:
            status, body, _ = http("GET", f"{base_url}/healthz", timeout=2)
        except OSError:
            status, body = 0, b""
        if status == 200:
            return json.loads(body)
        time.sleep(0.2)
    pytest.fail(f"no healthy server at {base_url} in {seconds} s:\n{log.read_text()}")


def stop(process: subprocess.Popen, sig: int, seconds: float = 20) -> int:
    """Send ``sig`` and wait; kill the process (and fail) if it does not stop in time."""
    if process.poll() is None:
        process.send_signal(sig)
    try:
        return process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"pid {process.pid} did not stop within {seconds} s of signal {sig}")
