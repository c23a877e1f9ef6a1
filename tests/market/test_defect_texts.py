"""Texts of the defects fixed for issue 21, in English and Arabic, without a running bot."""

from __future__ import annotations

import bot.handlers.offers  # noqa: F401  (registers the offer form's error texts)
from botkit.errors import error_text
from botkit.i18n import use_locale
from core.errors import DomainError


def test_a_maximum_above_the_offers_worth_is_refused_in_both_languages() -> None:
    error = DomainError("max_exceeds_amount", max_fiat="300000", amount_fiat="262000", fiat="IQD")
    with use_locale("en"):
        en = error_text(error)
    with use_locale("ar"):
        ar = error_text(error)
    assert en == ("The maximum per trade (300,000 IQD) is more than the whole offer is worth (262,000 IQD). "
                  "Type at most 262,000 IQD.")  # fmt: skip
    assert "٣٠٠٬٠٠٠ د.ع" in ar and "٢٦٢٬٠٠٠ د.ع" in ar and "262" not in ar
