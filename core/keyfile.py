"""Key files sealed with a passphrase, for HOT_WALLET_KEY_FILE, WALLET_SEED_FILE (any X_FILE):

    python -m core.keyfile seal IN OUT      (IN: a file, or - for standard input)

asks for the passphrase twice (or reads KEY_PASSPHRASE_FILE / KEY_PASSPHRASE) and writes OUT,
mode 0600, as ``koxx-pass-v1:...`` (core.crypto). At start the process opens it with the same
passphrase (core.config). The secret is never printed.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from core.config import ConfigError, read_secret_file
from core.crypto import seal_with_passphrase


def _passphrase() -> str:
    path = os.environ.get("KEY_PASSPHRASE_FILE")
    if path:
        return read_secret_file("KEY_PASSPHRASE_FILE", path)
    if os.environ.get("KEY_PASSPHRASE"):
        return os.environ["KEY_PASSPHRASE"]
    first = getpass.getpass("New passphrase: ")
    if first != getpass.getpass("The passphrase again: "):
        raise ConfigError("the two passphrases differ")
    return first


def seal_file(source: str, target: Path) -> None:
    secret = sys.stdin.read() if source == "-" else Path(source).read_text()
    secret = secret.removesuffix("\n").removesuffix("\r")
    if not secret:
        raise ConfigError("nothing to seal: the input is empty")
    passphrase = _passphrase()
    if not passphrase:
        raise ConfigError("the passphrase is empty")
    sealed = seal_with_passphrase(passphrase, secret.encode())
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never over an existing file
    with os.fdopen(fd, "w") as out:
        out.write(sealed + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m core.keyfile", description="Seal a key file with a passphrase"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    seal = commands.add_parser("seal", help="seal IN (a file or -) into OUT (mode 0600)")
    seal.add_argument("source", metavar="IN")
    seal.add_argument("target", metavar="OUT", type=Path)
    args = parser.parse_args(argv)
    try:
        seal_file(args.source, args.target)
    except (ConfigError, OSError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    print(f"Sealed into {args.target} (mode 0600).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
