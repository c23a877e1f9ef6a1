"""``python -m sandbox.telegram --port 8081 [--bot TOKEN ...]``: run the stand-in alone."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from .sandbox import serve_forever


def main() -> None:
    parser = argparse.ArgumentParser(description="Local Telegram Bot API stand-in")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--bot", action="append", default=[], help="register a bot token up front")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever(args.host, args.port, args.bot))


if __name__ == "__main__":
    main()
