"""The local cluster: nginx (deploy/nginx/koxx.conf with a self-signed certificate) in front of
two `webhook.py --role web` and one `--role worker`, on a scratch database of the test server
and the test Redis, with the Telegram stand-in delivering webhooks through nginx over TLS.
Built on the fault suite's stack (tests/faults/stack.py: the processes, the TRON node, the
stand-in); every process it starts is killed in ``close``."""

from __future__ import annotations

import asyncio
import ssl
import tempfile
from pathlib import Path

from sqlalchemy import func, select

from core.inbox import HandledUpdate
from tests.deploy import nginx
from tests.e2e.harness import free_port
from tests.faults.stack import Proc, Stack

WEB = ("web1", "web2")


class Cluster:
    def __init__(self, database_url: str, redis_url: str) -> None:
        self.tls = Path(tempfile.mkdtemp(prefix="koxx-cluster-"))
        self.cert, self.key = nginx.self_signed(self.tls)
        trust = ssl.create_default_context(cafile=str(self.cert))  # as Telegram trusts a given certificate
        self.stack = Stack(database_url=database_url, redis_url=redis_url, webhook_ssl=trust)
        self.https_port = free_port()
        self.ports = {name: free_port() for name in WEB}
        self.url = f"https://127.0.0.1:{self.https_port}"

    async def start(self) -> Cluster:
        await self.stack.start()
        folder = self.stack.dir / "nginx"
        folder.mkdir()
        site = folder / "koxx.conf"
        site.write_text(nginx.site(folder, https_port=self.https_port, http_port=free_port(),
                                   upstreams=list(self.ports.values()), cert=self.cert, key=self.key))  # fmt: skip
        conf = nginx.main_conf(folder, site)
        proxy = Proc("nginx", nginx.command(conf, "-g", "daemon off;"), {}, self.stack.dir)
        self.stack.procs["nginx"] = await proxy.start()
        self.access_log = folder / "koxx.access.log"
        await self.stack._until(self._nginx_up, 20, f"nginx did not start:\n{proxy.tail()}")
        # All three at once on the same database: migrations take turns under their advisory lock.
        await asyncio.gather(self.stack.start_app("worker"), *(self.start_web(name) for name in WEB))
        return self

    async def start_web(self, name: str, crash_at: str | None = None) -> Proc:
        return await self.stack.start_app("web", crash_at, name=name, port=self.ports[name], webhook_url=self.url)

    async def _nginx_up(self) -> bool:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", self.https_port)
        except OSError:
            return False
        writer.close()
        return True

    async def handled(self, bot_id: int) -> int:
        """Updates of ``bot_id`` whose handling committed (core.inbox)."""
        async with self.stack.factory() as s:
            return int(await s.scalar(select(func.count()).where(HandledUpdate.bot_id == bot_id)) or 0)

    def log_lines(self, name: str, contains: str) -> int:
        return self.stack.procs[name].log.read_text(errors="replace").count(contains)

    def nginx_statuses(self) -> list[int]:
        """The status of every request nginx answered (its access log, combined format)."""
        statuses = []
        for line in self.access_log.read_text().splitlines():
            parts = line.split('"')
            if len(parts) > 2 and parts[2].split():
                statuses.append(int(parts[2].split()[0]))
        return statuses

    async def close(self) -> None:
        await self.stack.close()
