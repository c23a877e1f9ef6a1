"""Domain errors. Core never speaks a language: an error carries a code and its facts,
and the bots turn the code into a translated sentence."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule refused the request. ``code`` is stable (the bots translate it)."""

    code: str = "error"

    def __init__(self, code: str | None = None, **params: Any) -> None:
        self.code = code or self.code
        self.params = params
        super().__init__(f"{self.code} {params}" if params else self.code)


class NotFound(DomainError):
    code = "not_found"


class Forbidden(DomainError):
    code = "forbidden"


class InvalidState(DomainError):
    code = "invalid_state"


class InsufficientFunds(DomainError):
    code = "insufficient_funds"
