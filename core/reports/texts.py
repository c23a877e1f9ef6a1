"""The words a rendered report needs, handed in by the caller: core speaks no language, so the
bots (botkit.report_texts) fill these with translated texts and their number formats."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ARABIC_DIGITS = str.maketrans("0123456789.,", "٠١٢٣٤٥٦٧٨٩٫٬")


def latin(text: str) -> str:
    return text


def arabic_digits(text: str) -> str:
    """Arabic-Indic digits and separators (٫ decimal, ٬ thousands)."""
    return text.translate(ARABIC_DIGITS)


@dataclass(frozen=True)
class ChartTexts:
    titles: dict[str, str]  # chart key -> title
    names: dict[str, str] = field(default_factory=dict)  # series name or panel -> label (others as they are)
    period: str = ""  # under the title: "1–7 Dec 2026"
    no_data: str = "No data"
    rtl: bool = False
    digits: Callable[[str], str] = latin  # applied to every number drawn

    def name(self, key: str) -> str:
        return self.names.get(key, key)


@dataclass(frozen=True)
class StatementTexts:
    title: str  # "Statement"
    headers: dict[str, str]  # column key -> header (see core.reports.statement_files.COLUMNS)
    kinds: dict[str, str]  # line kind / side -> word
    opening: str
    closing: str
    period: str  # "1 Nov 2026 – 30 Nov 2026"
    trader: str  # "Trader: Nick"
    empty: str  # "Nothing happened in this period."
    generated: str  # "Made on ..."
    rtl: bool = False
    digits: Callable[[str], str] = latin
