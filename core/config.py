"""All configuration, read once from the environment (and an optional .env file)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MAINNET_USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
TELEGRAM_API = "https://api.telegram.org"


def _plain(value: object) -> object:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


class Settings(BaseSettings):
    """Secrets (the tokens, keys, seed and the URLs that may carry a password) are ``SecretStr``:
    repr, str and dumps show ``**********``; read them with ``.get_secret_value()`` where used."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    bot_token: SecretStr | None = Field(None, description="Traders' bot token; unset: the sandbox")
    admin_bot_token: SecretStr | None = Field(None, description="Admin bot token; unset: the local stand-in")
    telegram_api_url: str = Field(TELEGRAM_API, description="Base URL of a Telegram Bot API server")
    database_url: SecretStr | None = Field(None, description="postgresql://...; unset: embedded PostgreSQL")
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
    data_dir: Path = Path("data")
    outbox_retention_days: int = 30  # sent (or given-up) notifications are deleted after this

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

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in value.replace(";", ",").replace(" ", ",").split(",") if p]
            return [int(p) for p in parts]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("database_url", mode="before")
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


class ConfigError(Exception):
    """A configuration value is wrong; the message names the variable."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "configuration"
        raise ConfigError(f"{name}: {first['msg']}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
