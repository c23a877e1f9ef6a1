"""The API's resources, one module per feature; importing them declares their routes."""

from __future__ import annotations


def load() -> None:
    from api.handlers import auth, events, offers, reserves, security, trades, users, wallet  # noqa: F401  (declares the routes)
