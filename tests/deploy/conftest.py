"""The backup drill's chain: the wallet fixtures (a local TRON node and its client)."""

from tests.wallet.conftest import config, node, sleeps, tron  # noqa: F401
