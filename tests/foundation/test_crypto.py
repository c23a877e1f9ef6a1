"""Sealed secrets open only with their key (or passphrase) and in their place."""

import pytest

from core.crypto import (
    SealError,
    derive_key,
    is_passphrase_sealed,
    seal,
    seal_with_passphrase,
    unseal,
    unseal_with_passphrase,
)

KEY = derive_key("operator secret", "totp")


def test_a_sealed_value_opens_with_its_key_and_place_only() -> None:
    sealed = seal(KEY, b"JBSWY3DPEHPK3PXP", aad=b"user:7")
    assert "JBSWY3DP" not in sealed
    assert unseal(KEY, sealed, aad=b"user:7") == b"JBSWY3DPEHPK3PXP"
    with pytest.raises(SealError):
        unseal(KEY, sealed, aad=b"user:8")  # copied to another user's row
    with pytest.raises(SealError):
        unseal(derive_key("operator secret", "other"), sealed, aad=b"user:7")
    assert seal(KEY, b"x") != seal(KEY, b"x")  # a fresh nonce each time


def test_a_changed_character_is_refused() -> None:
    sealed = seal(KEY, b"secret")
    body = sealed[-10:]
    flipped = sealed[:-10] + ("A" if body[0] != "A" else "B") + body[1:]
    with pytest.raises(SealError):
        unseal(KEY, flipped)
    with pytest.raises(SealError):
        unseal(KEY, "plain text")


def test_a_key_file_sealed_with_a_passphrase() -> None:
    sealed = seal_with_passphrase("correct horse", b"ab" * 32)
    assert is_passphrase_sealed(sealed + "\n") and not is_passphrase_sealed("ab" * 32)
    assert unseal_with_passphrase("correct horse", sealed + "\n") == b"ab" * 32
    with pytest.raises(SealError):
        unseal_with_passphrase("wrong horse", sealed)
    with pytest.raises(SealError):
        seal_with_passphrase("", b"x")
