"""Sealing secrets at rest: AES-256-GCM (pycryptodome), with a key or with a passphrase.

Two uses: secrets the database keeps (a user's one-time-code secret, sealed with a service key),
and key files an operator keeps on disk (a hot wallet key or a seed, sealed with a passphrase
given at start; scrypt makes guessing the passphrase slow). A sealed value is printable text
that says which kind it is; opening it with the wrong key or passphrase, or after a single bit
changed, raises ``SealError`` (GCM authenticates as well as encrypts).
"""

from __future__ import annotations

import base64
import hashlib

from Crypto.Cipher import AES
from Crypto.Protocol.KDF import scrypt
from Crypto.Random import get_random_bytes

KEY_PREFIX = "koxx-key-v1:"  # sealed with a 32-byte key
PASSPHRASE_PREFIX = "koxx-pass-v1:"  # sealed with a passphrase (scrypt)
_NONCE = 12
_TAG = 16
_SALT = 16
# scrypt cost: about 0.1 s and 32 MiB per opening, done once at start-up.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**15, 8, 1


class SealError(Exception):
    """The value is not sealed, or the key or passphrase is wrong, or it was changed."""


def derive_key(secret: str, purpose: str) -> bytes:
    """A 32-byte key for one purpose from an operator's secret (any length of text)."""
    return hashlib.sha256(f"koxx:{purpose}:{secret}".encode()).digest()


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = get_random_bytes(_NONCE)
    cipher = AES.new(key, AES.MODE_GCM, nonce=nonce, mac_len=_TAG)
    cipher.update(aad)
    ciphertext, tag = cipher.encrypt_and_digest(plaintext)
    return nonce + ciphertext + tag


def _open(key: bytes, blob: bytes, aad: bytes) -> bytes:
    if len(blob) < _NONCE + _TAG:
        raise SealError("too short")
    nonce, ciphertext, tag = blob[:_NONCE], blob[_NONCE:-_TAG], blob[-_TAG:]
    cipher = AES.new(key, AES.MODE_GCM, nonce=nonce, mac_len=_TAG)
    cipher.update(aad)
    try:
        return cipher.decrypt_and_verify(ciphertext, tag)
    except ValueError as exc:
        raise SealError("wrong key or changed value") from exc


def _b64decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text.strip().encode())
    except ValueError as exc:
        raise SealError("not base64") from exc


def seal(key: bytes, plaintext: bytes, *, aad: bytes = b"") -> str:
    """Encrypt ``plaintext`` with a 32-byte key; ``aad`` binds the value to its place (a user
    id, say), so a sealed value copied to another row does not open."""
    return KEY_PREFIX + base64.urlsafe_b64encode(_seal(key, plaintext, aad)).decode()


def unseal(key: bytes, sealed: str, *, aad: bytes = b"") -> bytes:
    if not sealed.startswith(KEY_PREFIX):
        raise SealError("not sealed with a key")
    return _open(key, _b64decode(sealed[len(KEY_PREFIX) :]), aad)


def _passphrase_key(passphrase: str, salt: bytes) -> bytes:
    key = scrypt(passphrase.encode(), salt, 32, N=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P)  # type: ignore[arg-type]
    assert isinstance(key, bytes)
    return key


def seal_with_passphrase(passphrase: str, plaintext: bytes) -> str:
    if not passphrase:
        raise SealError("empty passphrase")
    salt = get_random_bytes(_SALT)
    blob = salt + _seal(_passphrase_key(passphrase, salt), plaintext, b"")
    return PASSPHRASE_PREFIX + base64.urlsafe_b64encode(blob).decode()


def is_passphrase_sealed(text: str) -> bool:
    return text.strip().startswith(PASSPHRASE_PREFIX)


def unseal_with_passphrase(passphrase: str, sealed: str) -> bytes:
    sealed = sealed.strip()
    if not sealed.startswith(PASSPHRASE_PREFIX):
        raise SealError("not sealed with a passphrase")
    blob = _b64decode(sealed[len(PASSPHRASE_PREFIX) :])
    if len(blob) < _SALT + _NONCE + _TAG:
        raise SealError("too short")
    return _open(_passphrase_key(passphrase, blob[:_SALT]), blob[_SALT:], b"")
