"""HD derivation of deposit addresses (BIP-44, m/44'/195'/0'/0/i).

The online service holds only the account-level extended public key (WALLET_XPUB) and so can
hand out addresses without any private key. Private keys (for sweeping) derive from the seed
(WALLET_SEED), only in the process that sweeps.
"""

from __future__ import annotations

from functools import lru_cache

from bip_utils import Bip39SeedGenerator, Bip44, Bip44Changes, Bip44Coins
from tronpy.keys import PrivateKey

# DEV ONLY: the sandbox's wallet. Never fund it on a real network; production sets WALLET_XPUB
# (and WALLET_SEED only where sweeping runs).
DEV_MNEMONIC = "skull swift bar settle mixture noodle nothing defy bachelor sword target garden"


def dev_hot_key() -> PrivateKey:
    """DEV ONLY: the sandbox's hot wallet, m/44'/195'/1'/0/0 of the dev mnemonic (another
    account than the deposit addresses)."""
    seed = Bip39SeedGenerator(DEV_MNEMONIC).Generate()
    account = Bip44.FromSeed(seed, Bip44Coins.TRON).Purpose().Coin().Account(1)
    return PrivateKey(
        bytes(account.Change(Bip44Changes.CHAIN_EXT).AddressIndex(0).PrivateKey().Raw().ToBytes())
    )


def _account_from_mnemonic(mnemonic: str, passphrase: str = "") -> Bip44:
    seed = Bip39SeedGenerator(mnemonic).Generate(passphrase)
    return Bip44.FromSeed(seed, Bip44Coins.TRON).Purpose().Coin().Account(0)


def xpub_from_mnemonic(mnemonic: str, passphrase: str = "") -> str:
    """The account-level extended public key (m/44'/195'/0') of a mnemonic."""
    return str(_account_from_mnemonic(mnemonic, passphrase).PublicKey().ToExtended())


@lru_cache(maxsize=8)
def _external_chain(xpub: str) -> Bip44:
    return Bip44.FromExtendedKey(xpub, Bip44Coins.TRON).Change(Bip44Changes.CHAIN_EXT)


def address_at(xpub: str, index: int) -> str:
    """The base58 TRON address at m/44'/195'/0'/0/index, from the account xpub alone."""
    if index < 0 or index >= 2**31:
        raise ValueError("index out of range")
    return str(_external_chain(xpub).AddressIndex(index).PublicKey().ToAddress())


class Seed:
    """Signs for deposit addresses. Holds the seed; its repr never shows it."""

    def __init__(self, mnemonic: str, passphrase: str = "") -> None:
        self._chain = _account_from_mnemonic(mnemonic, passphrase).Change(Bip44Changes.CHAIN_EXT)

    def __repr__(self) -> str:
        return "Seed(<hidden>)"

    def key_at(self, index: int) -> PrivateKey:
        raw = self._chain.AddressIndex(index).PrivateKey().Raw().ToBytes()
        return PrivateKey(bytes(raw))
