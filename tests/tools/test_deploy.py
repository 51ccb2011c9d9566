"""The ready definitions for a Linux host (tools/deploy/): systemd units checked by
`systemd-analyze verify`, the nginx site by `nginx -t`, and both against what the hub and
docs/operations.md say (ports, the trusted proxy, the WebSocket paths, the environment file)."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from handoff.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "tools" / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*"))


def units_here(tmp_path: Path) -> Path:
    """The units as they would be installed with the repository at /opt/sportello, pointed at this
    checkout instead (systemd-analyze checks that the programs exist)."""
    out = tmp_path / "units"
    out.mkdir()
    for unit in UNITS:
        (out / unit.name).write_text(unit.read_text().replace("/opt/sportello", str(ROOT)))
    return out


def test_the_units_pass_systemd_analyze_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing (Debian's systemd package; .ci/run installs it)"
    here = units_here(tmp_path)
    names = [u.name.replace("@.service", "@1.service") for u in UNITS]
    done = subprocess.run([analyze, "verify", *names], cwd=here, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr


def test_a_broken_unit_is_caught(tmp_path):
    here = units_here(tmp_path)
    broken = here / "sportello-actions.service"
    broken.write_text(broken.read_text().replace("ExecStart=", "ExecStart=not-a-path-"))
    done = subprocess.run(
        [shutil.which("systemd-analyze"), "verify", broken.name], cwd=here, capture_output=True, text=True
    )
    assert done.returncode != 0  # so the check above can fail


def test_the_units_start_the_processes_docs_operations_names():
    def unit(name):
        parsed = configparser.ConfigParser(strict=False, interpolation=None)
        parsed.read(DEPLOY / "systemd" / name)
        return parsed

    rasa = unit("sportello-rasa.service")["Service"]["ExecStart"]
    assert "--enable-api --auth-token=${RASA_TOKEN}" in rasa and "-i 127.0.0.1 -p 5005" in rasa
    hub = unit("sportello-hub@.service")["Service"]
    assert "-m handoff serve" in hub["ExecStart"] and "HUB_PORT=808%i" in hub["Environment"]
    for name in ("sportello-hub@.service", "sportello-rasa.service", "sportello-actions.service"):
        service = unit(name)["Service"]
        assert (
            service["Restart"] in ("always", "on-failure")
            and service["EnvironmentFile"] == "/etc/sportello/sportello.env"
        )


def test_the_environment_file_is_what_the_hub_accepts():
    env = {}
    for line in (DEPLOY / "sportello.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = value
    env["HUB_SECRET"] = "x" * 20 + "abcdefghijklmnop"  # the example's placeholders are not secrets
    env["HUB_INTERNAL_TOKEN"] = "y" * 14 + "abcdefghijkl"
    settings = Settings.from_env(env)
    assert settings.proxies_count == 1 and settings.rasa_url == "http://127.0.0.1:5005"


@pytest.fixture
def certificate(tmp_path):
    key, cert = tmp_path / "site.key", tmp_path / "site.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=test",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return key, cert


def test_the_nginx_site_passes_nginx_t(tmp_path, certificate):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(nginx).exists(), "nginx is missing (Debian's nginx-light; .ci/run installs it)"
    key, cert = certificate
    site = (DEPLOY / "nginx" / "sportello.conf").read_text()
    site = site.replace("/etc/ssl/certs/support.shop.example.pem", str(cert))
    site = site.replace("/etc/ssl/private/support.shop.example.key", str(key))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  include {tmp_path}/site.conf;\n}}\n"
    )
    done = subprocess.run(
        [nginx, "-t", "-q", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def test_the_nginx_site_keeps_the_promises_of_the_hub():
    site = (DEPLOY / "nginx" / "sportello.conf").read_text()
    # WebSocket upgrades on both streams, held past the pings
    assert "proxy_set_header Upgrade $http_upgrade;" in site
    assert re.search(r"location ~ \^/v1/\(conversations/\[\^/\]\+/stream\|agent/stream\)\$", site)
    # the visitor's address overwritten, never appended (HUB_PROXIES_COUNT=1 trusts one proxy)
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in site
    assert "$proxy_add_x_forwarded_for" not in site
    # bodies buffered and small, the internal API and the development mailbox never exposed
    assert "proxy_request_buffering on;" in site and "client_body_timeout 10s;" in site
    assert re.search(r"location /v1/internal/ \{\s*return 404;", site)
    assert re.search(r"location /dev/ \{\s*return 404;", site)
