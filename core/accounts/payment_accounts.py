"""Payment accounts: where a trader receives or sends fiat, saved once per method.

Each account is a method, a number in its canonical form and the holder's name:

- wallets (ZainCash, FastPay, SuperQi, AsiaHawala): an Iraqi mobile number, stored 07XXXXXXXXX
  (typed as +964 7.., 00964 7.., 964 7.. or 07.., in Latin or Arabic-Indic digits);
- Qi Card: the 16-digit card number (Luhn checked) or the linked mobile number;
- bank: an IBAN (ISO 13616 mod-97 checksum), stored upper-case without spaces;
- cash: a city where the cash changes hands (a contact number is optional).

Offers name which of the maker's accounts they accept; a trade's buyer sees the seller's
account (number and holder) and declares the account they paid from. The numbers never appear in
public texts: ``public_text_has_number`` refuses terms carrying a phone or account number.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.models import PaymentAccount
from core.accounts.names import normalized_name, same_person
from core.errors import DomainError
from core.users import User

PAYMENT_METHODS = ("zaincash", "fastpay", "qicard", "superqi", "asiahawala", "bank", "cash")
PHONE_METHODS = ("zaincash", "fastpay", "superqi", "asiahawala")
MAX_ACCOUNTS = 10  # saved at a time, per trader
HOLDER_MIN, HOLDER_MAX = 3, 64
CITY_MAX = 40
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_SEPARATORS = re.compile(r"[\s\-./()\u200e\u200f\u061c]")
_IQ_MOBILE = re.compile(r"(?:\+|00)?(?:964)?0?(7\d{9})")
_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")
# 7 or more digits in a row, allowing the separators people type inside numbers.
_NUMBER_IN_TEXT = re.compile(r"(?:\+?\d[\s\-.]?){7,}")
_IBAN_IN_TEXT = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,}", re.IGNORECASE)


def _plain(text: str) -> str:
    return _SEPARATORS.sub("", text.translate(_DIGITS))


def iraqi_mobile(text: str) -> str | None:
    """07XXXXXXXXX, or None when ``text`` is not an Iraqi mobile number."""
    found = _IQ_MOBILE.fullmatch(_plain(text))
    return "0" + found.group(1) if found else None


def iban_valid(iban: str) -> bool:
    """ISO 13616: move the first four characters to the end, letters to numbers, mod 97 == 1."""
    if not _IBAN.fullmatch(iban):
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def luhn_valid(number: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(number)):
        d = int(c) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def canonical_number(method: str, number: str) -> str:
    """The account number as stored, or DomainError("account_number_invalid", method=...)."""
    plain = _plain(number)
    if method in PHONE_METHODS:
        phone = iraqi_mobile(plain)
        if phone:
            return phone
    elif method == "qicard":
        phone = iraqi_mobile(plain)
        if phone:
            return phone
        if re.fullmatch(r"\d{16}", plain) and luhn_valid(plain):
            return plain
    elif method == "bank":
        iban = plain.upper()
        if iban_valid(iban):
            return iban
    elif method == "cash":
        if not plain:
            return ""
        phone = iraqi_mobile(plain)
        if phone:
            return phone
    raise DomainError("account_number_invalid", method=method)


def _holder(name: str) -> str:
    holder = " ".join(name.split())
    if not HOLDER_MIN <= len(holder) <= HOLDER_MAX or not any(c.isalpha() for c in holder) \
            or any(c.isdigit() for c in holder.translate(_DIGITS)):  # fmt: skip
        raise DomainError("holder_name_invalid", min=HOLDER_MIN, max=HOLDER_MAX)
    return holder


def _city(city: str | None) -> str:
    name = " ".join((city or "").split())
    if not 2 <= len(name) <= CITY_MAX or not all(c.isalpha() or c in " -'" for c in name):
        raise DomainError("city_invalid", max=CITY_MAX)
    return name


def public_text_has_number(text: str | None) -> bool:
    """A phone, card or account number (or an IBAN) in text meant for everyone."""
    if not text:
        return False
    latin = text.translate(_DIGITS)
    return bool(_NUMBER_IN_TEXT.search(latin) or _IBAN_IN_TEXT.search(latin))


def check_public_text(text: str | None, field: str) -> None:
    """Refuse (DomainError "number_in_public_text") a public text that carries a number: the
    buyer of a trade sees the seller's payment account; nobody else should."""
    if public_text_has_number(text):
        raise DomainError("number_in_public_text", field=field)


async def add_account(
    session: AsyncSession,
    *,
    user_id: int,
    method: str,
    number: str,
    holder_name: str,
    city: str | None = None,
    now: datetime | None = None,
) -> PaymentAccount:
    """Save an account after checking its number for the method (and the city for cash).
    The same number saved twice for a method returns the saved one with the new holder name."""
    if method not in PAYMENT_METHODS:
        raise DomainError("payment_method_unknown", methods=[method], allowed=list(PAYMENT_METHODS))
    canonical = canonical_number(method, number)
    holder = _holder(holder_name)
    place = _city(city) if method == "cash" else None
    await session.get(User, user_id, with_for_update=True)  # one trader's saves take turns
    saved = await accounts_of(session, user_id)
    for account in saved:
        if account.method == method and account.number == canonical and account.city == place and canonical:
            account.holder_name = holder
            await session.flush()
            return account
    if len(saved) >= MAX_ACCOUNTS:
        raise DomainError("too_many_accounts", limit=MAX_ACCOUNTS)
    account = PaymentAccount(user_id=user_id, method=method, number=canonical, holder_name=holder, city=place,
                             created_at=now or datetime.now(UTC))
    session.add(account)
    await session.flush()
    return account


async def accounts_of(session: AsyncSession, user_id: int, *, method: str | None = None) -> list[PaymentAccount]:
    """The trader's saved accounts (not removed), oldest first."""
    stmt = select(PaymentAccount).where(PaymentAccount.user_id == user_id, PaymentAccount.removed_at.is_(None))
    if method is not None:
        stmt = stmt.where(PaymentAccount.method == method)
    return list((await session.execute(stmt.order_by(PaymentAccount.id))).scalars())


async def get_account(session: AsyncSession, account_id: int) -> PaymentAccount | None:
    return await session.get(PaymentAccount, account_id)


async def own_account(session: AsyncSession, *, user_id: int, account_id: int) -> PaymentAccount:
    """The trader's saved account, or DomainError("account_not_found")."""
    account = await session.get(PaymentAccount, account_id)
    if account is None or account.user_id != user_id or account.removed_at is not None:
        raise DomainError("account_not_found", account_id=account_id)
    return account


async def own_accounts(session: AsyncSession, *, user_id: int, account_ids: Sequence[int]) -> list[PaymentAccount]:
    return [await own_account(session, user_id=user_id, account_id=i) for i in dict.fromkeys(account_ids)]


async def remove_account(session: AsyncSession, *, user_id: int, account_id: int, now: datetime | None = None) -> None:
    """Remove a saved account (trades that used it keep it; offers stop offering it)."""
    account = await own_account(session, user_id=user_id, account_id=account_id)
    account.removed_at = now or datetime.now(UTC)
    await session.flush()


def payer_name_check(holder_name: str, verified_name: str | None) -> str:
    """match | mismatch against the buyer's verified name; unverified when they have none."""
    if not verified_name or not normalized_name(verified_name):
        return "unverified"
    return "match" if same_person(holder_name, verified_name) else "mismatch"
