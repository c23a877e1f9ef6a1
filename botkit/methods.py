"""The payment methods' names as traders read them (both bots, the API's statements)."""

from __future__ import annotations

from aiogram.utils.i18n import lazy_gettext as __

METHOD_NAMES = {
    "zaincash": __("ZainCash"),
    "fastpay": __("FastPay"),
    "qicard": __("Qi Card"),
    "superqi": __("SuperQi"),
    "asiahawala": __("AsiaHawala"),
    "bank": __("Bank transfer"),
    "cash": __("Cash in person"),
}
