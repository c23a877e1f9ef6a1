"""deploy/nginx/koxx.conf is a valid nginx site (``nginx -t``) and routes what it should: the
webhooks, /api/, /app/ and /healthz to the web workers over TLS, everything else (/metrics) 404,
oversized bodies 413, a burst beyond the rate limit 429."""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from tests.deploy import nginx
from tests.e2e.harness import free_port


def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    cert, key = nginx.self_signed(tmp_path)
    site = tmp_path / "koxx.conf"
    site.write_text(nginx.site(tmp_path, https_port=free_port(), http_port=free_port(), upstreams=[free_port()],
                               cert=cert, key=key))  # fmt: skip
    result = subprocess.run(nginx.command(nginx.main_conf(tmp_path, site), "-t"), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


@pytest.fixture
async def proxied() -> AsyncIterator[tuple[str, list[str]]]:
    """nginx in front of a stand-in web worker that records the paths it is asked for."""
    seen: list[str] = []

    async def record(request: web.Request) -> web.Response:
        seen.append(request.path)
        await request.read()
        return web.json_response({"ok": True})

    app = web.Application(client_max_size=10 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", record)
    runner = web.AppRunner(app)
    await runner.setup()
    upstream = free_port()
    await web.TCPSite(runner, "127.0.0.1", upstream).start()
    folder = Path(tempfile.mkdtemp(prefix="koxx-nginx-"))
    cert, key = nginx.self_signed(folder)
    https = free_port()
    site = folder / "koxx.conf"
    site.write_text(nginx.site(folder, https_port=https, http_port=free_port(), upstreams=[upstream], cert=cert, key=key))
    conf = nginx.main_conf(folder, site)
    await asyncio.to_thread(subprocess.run, nginx.command(conf), check=True, capture_output=True)
    try:
        yield f"https://127.0.0.1:{https}", seen
    finally:
        await asyncio.to_thread(subprocess.run, nginx.command(conf, "-s", "stop"), capture_output=True)
        await runner.cleanup()


async def test_the_site_routes_the_app_and_hides_the_rest(proxied: tuple[str, list[str]]) -> None:
    base, seen = proxied
    async with httpx.AsyncClient(base_url=base, verify=False, timeout=10) as client:
        for path in ("/webhook/traders", "/api/v1/offers", "/app/", "/healthz"):
            answer = await client.post(path, json={}) if path.startswith("/webhook") else await client.get(path)
            assert answer.status_code == 200, (path, answer.status_code)
        assert (await client.get("/metrics")).status_code == 404
        assert (await client.get("/")).status_code == 404
        big = await client.post("/webhook/traders", content=b"x" * (2 * 1024 * 1024))
        assert big.status_code == 413
        burst = await asyncio.gather(*(client.get("/api/v1/offers") for _ in range(60)))
        assert 429 in {answer.status_code for answer in burst}
    assert seen[:4] == ["/webhook/traders", "/api/v1/offers", "/app/", "/healthz"]
    assert "/metrics" not in seen
