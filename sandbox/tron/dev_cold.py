"""DEV ONLY: the cold wallet of the local TRON node and the tests. Its key stands for the one an
operator keeps offline: the service only ever knows the address (COLD_WALLET_ADDRESS) and never
signs with this key; tests sign refills with it as the cold key's holder would, offline."""

from __future__ import annotations

DEV_COLD_KEY = "c01d" * 16  # a well-known key: never fund its address on a real network
DEV_COLD_ADDRESS = "TMQCwwwatEQ45xTdrAqs3tB1t57Fd4iLZA"
