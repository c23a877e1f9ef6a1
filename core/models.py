"""Imports every module that defines tables, so that Base.metadata knows them all."""

from core import outbox, users  # noqa: F401
