"""The deployment files describe the topology README's Operations section promises (Docker
cannot run on the CI machines, so compose.yaml is checked as data here, and by
`docker compose config` in deploy/check-compose.sh where Docker runs)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_has_the_database_redis_two_servers_a_consumer_and_a_proxy():
    services = compose()["services"]
    assert {"postgres", "redis", "migrate", "app1", "app2", "worker", "proxy"} <= set(services)
    for name in ("app1", "app2", "worker", "migrate"):
        env = services[name]["environment"]
        # The shared state every server needs, or the app refuses to start (HalfConfigured).
        assert env["DATABASE_URL"].startswith("postgresql://") and env["REDIS_URL"].startswith("redis://")
        assert "SECRET_KEY" in env and env["TRUSTED_PROXIES"] == "1"
    for name in ("app1", "app2"):
        assert "/readyz" in " ".join(services[name]["healthcheck"]["test"])
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    worker = services["worker"]
    assert worker["command"][:2] == ["huey_consumer", "eventapp.tasks.huey"] and "process" in worker["command"]
    assert worker["stop_signal"] == "SIGINT"  # huey's graceful stop: running tasks finish
    assert {"app1", "app2"} <= set(services["proxy"]["depends_on"])


def test_the_proxy_balances_both_servers_and_passes_what_the_app_believes():
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert re.search(r"server app1:8000", nginx) and re.search(r"server app2:8000", nginx)
    for header in ("Host $http_host", "X-Forwarded-For", "X-Forwarded-Proto $scheme", "X-Request-ID"):
        assert header in nginx


def test_the_image_has_the_fonts_and_harfbuzz_printing_needs_and_the_locked_packages():
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("fonts-noto-core", "fonts-noto-cjk", "libharfbuzz-subset0"):
        assert package in dockerfile
    assert "-r requirements.lock" in dockerfile and "npm ci" in dockerfile
    assert "eventapp.serving.RedactingAccessLogger" in dockerfile


@pytest.mark.skipif(shutil.which("docker") is None, reason="docker is not installed")
def test_docker_compose_accepts_the_file_where_the_plugin_exists(tmp_path):
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        pytest.skip("the docker compose plugin is not installed here")
    result = subprocess.run(
        ["docker", "compose", "-f", str(ROOT / "compose.yaml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
        env={"SECRET_KEY": "x", "PATH": "/usr/bin:/bin:/usr/local/bin"},
    )
    assert result.returncode == 0, result.stderr
