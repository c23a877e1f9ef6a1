"""HD derivation against the published vectors (TRON.md)."""

import pytest
from tronpy.keys import PrivateKey

from core.wallet.hd import DEV_MNEMONIC, Seed, address_at, xpub_from_mnemonic

ABANDON = " ".join(["abandon"] * 11 + ["about"])
VECTORS = [
    "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH",
    "TSeJkUh4Qv67VNFwY8LaAxERygNdy6NQZK",
    "TYJPRrdB5APNeRs4R7fYZSwW3TcrTKw2gx",
    "TRhVWK5XEDkQBDevcdCWW7RW51aRncty4W",
    "TT2X2yyubp7qpAWYYNE5JQWBtoZ7ikQFsY",
]


@pytest.mark.parametrize("index", range(5))
def test_addresses_from_the_xpub_alone(index):
    xpub = xpub_from_mnemonic(ABANDON)
    assert xpub.startswith("xpub")
    assert address_at(xpub, index) == VECTORS[index]


def test_private_key_from_the_seed_matches_the_vector():
    seed = Seed(ABANDON)
    key = seed.key_at(0)
    assert key.hex() == "b5a4cea271ff424d7c31dc12a3e43e401df7a40d7412a15750f3f0b6b5449a28"
    assert key.public_key.to_base58check_address() == VECTORS[0]
    assert seed.key_at(3).public_key.to_base58check_address() == VECTORS[3]
    assert "abandon" not in repr(seed)


def test_known_private_key_gives_its_address():
    key = PrivateKey(bytes.fromhex("8d596057e510b14cbb9bf24f88803a6d6dbd138dd303a62b175b9e6cc0f3f941"))
    assert key.public_key.to_base58check_address() == "TY72iA3SBtrds3QLYsS7LwYfkzXwAXCRWT"


def test_dev_wallet_is_not_the_public_test_mnemonic():
    dev = xpub_from_mnemonic(DEV_MNEMONIC)
    assert address_at(dev, 0) != VECTORS[0]
    assert Seed(DEV_MNEMONIC).key_at(7).public_key.to_base58check_address() == address_at(dev, 7)


def test_index_out_of_range():
    with pytest.raises(ValueError):
        address_at(xpub_from_mnemonic(ABANDON), -1)
