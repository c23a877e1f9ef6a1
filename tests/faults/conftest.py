"""Fault-suite fixtures: the wallet fixtures (a fresh database, a local TRON node) reused."""

from tests.wallet.conftest import config, fresh_factory, node, sleeps, tron  # noqa: F401
