"""The wallet's knobs, with defaults in code (admins may override some later).

Amounts are micro units (6 decimals for both USDT and TRX).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlparse

from tronpy.keys import PrivateKey

from core.config import ConfigError, Settings
from core.money import MICRO, Asset
from core.wallet.hd import DEV_MNEMONIC, dev_hot_key, xpub_from_mnemonic


def _per_asset(usdt: int, trx: int) -> dict[Asset, int]:
    return {Asset.USDT: usdt, Asset.TRX: trx}


@dataclass(frozen=True)
class WalletConfig:
    xpub: str
    usdt_contract: str
    hot_address: str | None = None  # the scanner ignores its transfers (sweep gas) to deposit addresses
    confirmations: int = 19
    batch_blocks: int = 100
    start_block: int | None = None  # None: a new scanner starts where the first deposit address was handed out
    min_deposit: dict[Asset, int] = field(default_factory=lambda: _per_asset(1 * MICRO, 1 * MICRO))
    # Withdrawals: the user pays amount + fee (same asset); the fee covers the network cost.
    withdrawal_fee: dict[Asset, int] = field(default_factory=lambda: _per_asset(2 * MICRO, 1_100_000))
    min_withdrawal: dict[Asset, int] = field(default_factory=lambda: _per_asset(5 * MICRO, 10 * MICRO))
    approval_over: dict[Asset, int] = field(default_factory=lambda: _per_asset(1_000 * MICRO, 20_000 * MICRO))
    two_approvals_over: dict[Asset, int] = field(
        default_factory=lambda: _per_asset(10_000 * MICRO, 200_000 * MICRO)
    )
    whitelist_cooling: timedelta = timedelta(hours=24)
    usdt_fee_limit_sun: int = 50 * MICRO  # explicit fee_limit for USDT transfers (50 TRX)
    # Sweeping and the hot/cold report.
    sweep_over: dict[Asset, int] = field(default_factory=lambda: _per_asset(100 * MICRO, 1_000 * MICRO))
    sweep_gas_sun: int = 30 * MICRO  # TRX sent to a deposit address to burn for the USDT transfer
    trx_sweep_reserve_sun: int = 1 * MICRO  # TRX left behind for bandwidth when sweeping TRX
    hot_trx_float_sun: int = 1_000 * MICRO  # TRX the hot wallet keeps for fees, on top of its target
    # Cold storage (core.wallet.cold): watch-only, its key never reaches the service.
    cold_address: str | None = None  # COLD_WALLET_ADDRESS; None: nothing moves to cold storage
    hot_share_pct: int = 5  # the hot wallet's target: this share of liabilities (+ withdrawals waiting)
    refill_window: timedelta = timedelta(hours=24)  # refill forecast: withdrawn over this window
    cold_min_move: dict[Asset, int] = field(default_factory=lambda: _per_asset(500 * MICRO, 5_000 * MICRO))
    refill_lifetime_ms: int = 12 * 3_600_000  # an unsigned refill stays signable this long (TRON: < 24 h)


def _is_local(url: str | None) -> bool:
    if not url:
        return True
    return (urlparse(url).hostname or "") in ("127.0.0.1", "localhost", "::1")


def dev_wallet_allowed(settings: Settings) -> bool:
    """The dev wallet (its mnemonic is in the source) stands in for missing wallet secrets only
    in the sandbox: a local node and no real bot token. Production always has a bot token, so
    a forgotten WALLET_XPUB there is a configuration error, never the dev wallet."""
    return settings.sandboxed and _is_local(settings.tron_api_url)


def hot_key_hex(settings: Settings) -> str | None:
    """HOT_WALLET_KEY, or the dev hot wallet's key in the sandbox."""
    if settings.hot_wallet_key:
        return settings.hot_wallet_key.get_secret_value().strip().removeprefix("0x")
    return dev_hot_key().hex() if dev_wallet_allowed(settings) else None


def wallet_config(settings: Settings, **overrides: object) -> WalletConfig:
    """The wallet configuration from Settings: deposit addresses from WALLET_XPUB, or from the xpub
    of WALLET_SEED, or (in the sandbox, see ``dev_wallet_allowed``) of the dev wallet; the hot
    wallet's address from HOT_WALLET_ADDRESS, or from HOT_WALLET_KEY."""
    xpub = settings.wallet_xpub
    if not xpub and settings.wallet_seed:
        xpub = xpub_from_mnemonic(settings.wallet_seed.get_secret_value())
    if not xpub:
        if not dev_wallet_allowed(settings):
            raise ConfigError("WALLET_XPUB: required outside the sandbox (a real node or a real bot token)")
        xpub = xpub_from_mnemonic(DEV_MNEMONIC)
    hot_address = settings.hot_wallet_address.strip() if settings.hot_wallet_address else None
    if hot_address is None:  # derived only where the key is (the web role is given the address)
        key = hot_key_hex(settings)
        hot_address = PrivateKey(bytes.fromhex(key)).public_key.to_base58check_address() if key else None
    values: dict[str, object] = {
        "hot_address": hot_address,
        "xpub": xpub,
        "usdt_contract": settings.usdt_contract,
        "confirmations": settings.confirmations,
        "cold_address": settings.cold_wallet_address,
        "hot_share_pct": settings.hot_share_pct,
        "refill_window": timedelta(hours=settings.refill_window_hours),
        "start_block": settings.start_block,
    }
    values.update(overrides)
    return WalletConfig(**values)  # type: ignore[arg-type]
