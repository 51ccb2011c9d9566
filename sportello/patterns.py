"""What an order number and an e-mail address look like, written once: the bot's actions and the
hub (which spots them in what a customer waiting for a person writes) both read them.

Standard library only, like the rest of this package.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Optional

ORDER_DIGITS = (7, 7)  # the demo shop's order numbers; a shop's profile says its own (order_number_digits)
ORDER_NUMBER = re.compile(r"(?<!\d)(\d{7})(?!\d)")


def order_number_pattern(digits: tuple[int, int] = ORDER_DIGITS) -> re.Pattern[str]:
    """An order number of `digits` (least, most) digits, not part of a longer number."""
    low, high = digits
    return re.compile(rf"(?<!\d)(\d{{{low},{high}}})(?!\d)")


EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")


def extract_order_number(text: Optional[str], digits: tuple[int, int] = ORDER_DIGITS) -> Optional[str]:
    """The first order number in ``text``, of the shop's `digits` (the demo's: 7; spaces, dots and
    dashes between digits ignored)."""
    if not text:
        return None
    pattern = ORDER_NUMBER if tuple(digits) == ORDER_DIGITS else order_number_pattern(tuple(digits))
    match = pattern.search(re.sub(r"(?<=\d)[ \-.](?=\d)", "", str(text)))
    return match.group(1) if match else None


def extract_email(text: Optional[str]) -> Optional[str]:
    """The first e-mail address in ``text``, lower-cased."""
    match = EMAIL.search(str(text or ""))
    return match.group(0).lower() if match else None


def mask_email(email: Optional[str]) -> str:
    """An address as the chat may show it: each part of the name kept by its first and last letter
    (giulia.rossi@example.it → g****a.r***i@example.it), the domain as it is. The chat never writes
    an address back in full: whoever typed it may not be its owner."""
    text = str(email or "").strip()
    name, at, domain = text.partition("@")
    if not at:
        return ""

    def part(word: str) -> str:
        if len(word) <= 2:
            return word[:1] + "*" * (len(word) - 1)
        return word[0] + "*" * (len(word) - 2) + word[-1]

    return ".".join(part(w) for w in name.split(".")) + "@" + domain


def fold(text: str) -> str:
    """Lower case without accents ("comò" → "como")."""
    decomposed = unicodedata.normalize("NFD", str(text).lower())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
