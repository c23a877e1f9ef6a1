"""All configuration, read once from the environment (and an optional .env file)."""

from __future__ import annotations

import getpass
import os
import stat
import sys
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.crypto import SealError, is_passphrase_sealed, unseal_with_passphrase

MAINNET_USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
TELEGRAM_API = "https://api.telegram.org"


# Only the process that signs (role worker or all) may be given these (or their *_FILE).
SIGNING_SECRETS = ("hot_wallet_key", "wallet_seed")


def _plain(value: object) -> object:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


class ConfigError(Exception):
    """A configuration value is wrong; the message names the variable."""


def _environ() -> dict[str, str]:
    """The environment with lower-case names (settings are case-insensitive)."""
    return {name.lower(): value for name, value in os.environ.items()}


def read_secret_file(variable: str, path: str) -> str:
    """The content of a secret file named by ``variable`` (X_FILE): refused, naming the file and
    its mode, when the group or others may read it; a trailing newline is dropped."""
    file = Path(path)
    try:
        mode = stat.S_IMODE(file.stat().st_mode)
        if mode & 0o077:
            raise ConfigError(
                f"{variable}: {file} is open to its group or others (mode {mode:04o}); run: chmod 600 {file}"
            )
        text = file.read_text()
    except OSError as exc:
        raise ConfigError(f"{variable}: cannot read {file} ({exc.strerror or type(exc).__name__})") from None
    return text.removesuffix("\n").removesuffix("\r")


class _Passphrase:
    """KEY_PASSPHRASE_FILE, KEY_PASSPHRASE or (stdin a terminal) a prompt; asked once, when a
    sealed file is met."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.value: str | None = None

    def get(self, variable: str) -> str:
        if self.value is None:
            given = _plain(self.data.get("key_passphrase"))
            if isinstance(given, str) and given:
                self.value = given
            elif sys.stdin is not None and sys.stdin.isatty():
                self.value = getpass.getpass(f"Passphrase for {variable}: ")
            else:
                raise ConfigError(
                    f"KEY_PASSPHRASE: {variable} is sealed; set KEY_PASSPHRASE_FILE (or KEY_PASSPHRASE), "
                    "or start from a terminal to be asked"
                )
        return self.value


class Settings(BaseSettings):
    """Secrets (the tokens, keys, seed and the URLs that may carry a password) are ``SecretStr``:
    repr, str and dumps show ``**********``; read them with ``.get_secret_value()`` where used."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    bot_token: SecretStr | None = Field(None, description="Traders' bot token; unset: the sandbox")
    admin_bot_token: SecretStr | None = Field(None, description="Admin bot token; unset: the local stand-in")
    telegram_api_url: str = Field(TELEGRAM_API, description="Base URL of a Telegram Bot API server")
    database_url: SecretStr | None = Field(None, description="postgresql://...; unset: embedded PostgreSQL")
    # A streaming replica for browsing (offers, profiles); unset: every read goes to the primary.
    database_replica_url: SecretStr | None = Field(None, description="postgresql://... of a hot standby")
    replica_sticky_seconds: int = Field(5, ge=1)  # after a user's write, their reads stay on the primary
    redis_url: SecretStr | None = Field(None, description="redis://...; unset: in-process storage and locks")
    redis_prefix: str = "koxx"
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    offers_channel_id: int | None = None
    payments_channel_id: int | None = None
    channel_language: str = "ar"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    tron_api_url: str | None = None
    tron_api_key: SecretStr | None = None
    usdt_contract: str = MAINNET_USDT
    wallet_xpub: str | None = None
    wallet_seed: SecretStr | None = None
    hot_wallet_key: SecretStr | None = None
    totp_key: SecretStr | None = Field(None, description="Seals one-time-code secrets; unset: a dev key (sandbox)")
    # Proof of reserves: derives each user's nonce and the leaves' order (core.reserves); unset: a dev
    # secret (sandbox only).
    reserves_secret: SecretStr | None = None
    hot_wallet_address: str | None = None  # where the key is not (the web role): the hot wallet's address
    key_passphrase: SecretStr | None = None  # opens *_FILE secrets sealed with `python -m core.keyfile seal`
    # Encrypts the KYC documents stored in PostgreSQL (core.accounts.documents); unset: a dev key (sandbox).
    documents_key: SecretStr | None = None
    # Cold storage (watch-only: its key never reaches this service): the hot wallet keeps
    # HOT_SHARE_PCT of what users own (plus what withdrawals need) and moves the rest there.
    cold_wallet_address: str | None = None
    hot_share_pct: int = Field(5, ge=0, le=100)
    refill_window_hours: int = Field(24, ge=1)  # refill forecast: what was withdrawn over this many hours
    # The REST API and the Mini App (api/): the access tokens' signing key (unset: a dev key, the
    # sandbox only; webhook.check_settings requires it with a BOT_TOKEN) and how old Telegram's
    # initData may be at login.
    api_jwt_secret: SecretStr | None = None
    api_init_data_max_age: int = Field(86_400, ge=60)  # seconds
    api_rate_per_ip: int = Field(600, ge=1)  # requests a minute from one address
    api_rate_per_user: int = Field(240, ge=1)  # a minute for one user (calls that move money count 10)
    api_market_seconds: float = Field(2, ge=0, le=60)  # GET /api/offers: how old a page may be (0: fresh)
    data_dir: Path = Path("data")
    outbox_retention_days: int = 30  # sent (or given-up) notifications are deleted after this
    # Logs: "json" (one object a line) or "console" (readable); unset: json with a BOT_TOKEN, else console.
    log_format: Literal["json", "console"] | None = None
    sentry_dsn: SecretStr | None = None  # optional error reporting (secrets scrubbed: logs.py)

    # Marketplace knobs (admins can override some at run time).
    maker_fee_pct: Decimal = Decimal("0.2")
    taker_fee_pct: Decimal = Decimal("0.2")
    price_deviation_pct: Decimal = Decimal("10")
    dispute_after_minutes: int = 15
    release_escalation_hours: int = 24
    confirmations: int = 19
    start_block: int | None = None  # START_BLOCK: where a new deposit scanner starts (unset: see WalletConfig)
    sandbox_port: int = 8081
    tron_node_port: int = 8090
    tron_block_seconds: Decimal = Decimal(3)  # local TRON node: a block every N seconds; 0 = on demand

    @model_validator(mode="before")
    @classmethod
    def _read_secret_files(cls, data: Any) -> Any:
        """Every secret X may come from a file named by X_FILE (systemd credentials, Docker
        secrets): not both, the file private to its owner, and, sealed with a passphrase
        (core.crypto), opened with KEY_PASSPHRASE. The passphrase is dropped once used."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        env = _environ()
        passphrase = _Passphrase(data)
        for name in ("key_passphrase", *(n for n in _SECRET_FIELDS if n != "key_passphrase")):
            path = env.get(f"{name}_file")
            if not path:
                continue
            variable = f"{name.upper()}_FILE"
            if _plain(data.get(name)) not in (None, ""):
                raise ConfigError(f"{variable}: {name.upper()} is set too; set only one of them")
            value = read_secret_file(variable, path)
            if name != "key_passphrase" and is_passphrase_sealed(value):
                try:
                    value = unseal_with_passphrase(passphrase.get(variable), value).decode()
                except (SealError, UnicodeDecodeError):
                    raise ConfigError(
                        f"{variable}: wrong passphrase, or the sealed file was changed"
                    ) from None
            data[name] = value
        data["key_passphrase"] = None
        return data

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in value.replace(";", ",").replace(" ", ",").split(",") if p]
            return [int(p) for p in parts]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("database_url", "database_replica_url", mode="before")
    @classmethod
    def _check_db_url(cls, value: object) -> object:
        value = _plain(value)
        if not isinstance(value, str) or value == "":
            return value or None
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError("not a database URL (expected postgresql://user@host:port/name)") from None
        if url.get_backend_name() != "postgresql":
            raise ValueError("expected a postgresql:// URL")
        if not url.drivername.endswith("+asyncpg"):
            url = url.set(drivername="postgresql+asyncpg")
        return url.render_as_string(hide_password=False)

    @field_validator("redis_url", mode="before")
    @classmethod
    def _check_redis_url(cls, value: object) -> object:
        value = _plain(value)
        if not isinstance(value, str) or not value:
            return value or None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("expected a redis:// URL")
        return value

    @field_validator("cold_wallet_address", mode="before")
    @classmethod
    def _check_cold_address(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        from tronpy.keys import is_base58check_address

        try:
            valid = isinstance(value, str) and is_base58check_address(value.strip())
        except ValueError:  # a bad checksum
            valid = False
        if not valid or not isinstance(value, str):
            raise ValueError("expected a TRON address in base58 (T...)")
        return value.strip()

    @field_validator("channel_language")
    @classmethod
    def _check_language(cls, value: str) -> str:
        if value not in ("ar", "en"):
            raise ValueError("expected ar or en")
        return value

    @property
    def sandboxed(self) -> bool:
        """No real bot token: run against the local Telegram stand-in."""
        return not self.bot_token


_SECRET_FIELDS = tuple(
    name for name, field in Settings.model_fields.items() if "SecretStr" in str(field.annotation)
)


def _given(names: tuple[str, ...], overrides: dict[str, object]) -> str | None:
    """The first of ``names`` (or its X_FILE) set in the environment, the .env file or ``overrides``."""
    sources: list[dict[str, Any]] = [_environ(), {k.lower(): v for k, v in overrides.items()}]
    env_file = Path(str(Settings.model_config.get("env_file") or ""))
    if env_file.name and env_file.is_file():
        from dotenv import dotenv_values

        sources.append({k.lower(): v for k, v in dotenv_values(env_file).items()})
    for name in names:
        for variable in (name, f"{name}_file"):
            if any(_plain(source.get(variable)) not in (None, "") for source in sources):
                return variable.upper()
    return None


def load_settings(*, signs: bool = True, **overrides: object) -> Settings:
    """The settings; ``signs=False`` (the web role) refuses HOT_WALLET_KEY and WALLET_SEED (and
    their files) before reading anything: keys live only in the process that signs."""
    if not signs:
        variable = _given(SIGNING_SECRETS, overrides)
        if variable is not None:
            raise ConfigError(
                f"{variable}: not allowed in the web role (only the worker signs); remove it from this "
                "process's environment (the web role needs WALLET_XPUB and HOT_WALLET_ADDRESS)"
            )
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "configuration"
        raise ConfigError(f"{name}: {first['msg']}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
