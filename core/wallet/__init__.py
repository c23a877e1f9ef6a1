"""The TRON wallet: HD deposit addresses, the deposit scanner, withdrawals, sweeping and the
hot/cold report. See each module's docstring; the names below are the public API."""
