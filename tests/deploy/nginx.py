"""A private nginx running deploy/nginx/koxx.conf: the site as shipped, with the test's addresses,
a self-signed certificate and paths in a temporary directory (no root, no fixed port needed)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "koxx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def self_signed(folder: Path, host: str = "localhost") -> tuple[Path, Path]:
    """A certificate and key for ``host`` (openssl, one day)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-days", "1", "-subj", f"/CN={host}", "-addext", f"subjectAltName=DNS:{host},IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def _replace(text: str, pattern: str, new: str, count: int) -> str:
    result, n = re.subn(pattern, new, text, flags=re.MULTILINE)
    assert n == count, f"deploy/nginx/koxx.conf changed: {pattern!r} matched {n} times, expected {count}"
    return result


def site(folder: Path, *, https_port: int, http_port: int, upstreams: list[int], cert: Path, key: Path) -> str:
    """deploy/nginx/koxx.conf with this machine's ports, certificate and log files."""
    text = SITE.read_text()
    text = _replace(text, r"^\s*server 127\.0\.0\.1:\d+ .*;\n", "", 2)
    servers = "".join(f"    server 127.0.0.1:{port} max_fails=3 fail_timeout=5s;\n" for port in upstreams)
    text = _replace(text, r"^(upstream koxx_web \{\n(?:\s*#.*\n)*)", rf"\g<1>{servers}", 1)
    text = _replace(text, r"^\s*listen \[::\]:\d+.*;\n", "", 2)
    text = _replace(text, r"listen 80;", f"listen 127.0.0.1:{http_port};", 1)
    text = _replace(text, r"listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;", 1)
    text = _replace(text, r"ssl_certificate .*;", f"ssl_certificate {cert};", 1)
    text = _replace(text, r"ssl_certificate_key .*;", f"ssl_certificate_key {key};", 1)
    text = _replace(text, r"/var/log/nginx/", f"{folder}/", 2)
    return text


def main_conf(folder: Path, site_file: Path) -> Path:
    """A minimal nginx.conf around the site: everything nginx writes stays in ``folder``."""
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / sub).mkdir(exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers may read the test's files
    conf = folder / "nginx.conf"
    conf.write_text(
        f"{user}worker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log warn;\n"
        "events { worker_connections 256; }\n"
        "http {\n"
        f"  access_log {folder}/access.log;\n"
        f"  client_body_temp_path {folder}/body;\n  proxy_temp_path {folder}/proxy;\n"
        f"  fastcgi_temp_path {folder}/fastcgi;\n  uwsgi_temp_path {folder}/uwsgi;\n"
        f"  scgi_temp_path {folder}/scgi;\n"
        f"  include {site_file};\n"
        "}\n"
    )
    return conf


def command(conf: Path, *args: str) -> list[str]:
    return [NGINX, "-c", str(conf), "-p", str(conf.parent), "-e", str(conf.parent / "error.log"), *args]
