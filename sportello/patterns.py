"""What an order number and an e-mail address look like, written once: the bot's actions and the
hub (which spots them in what a customer waiting for a person writes) both read them.

Standard library only, like the rest of this package.
"""

from __future__ import annotations

import re
from typing import Optional

ORDER_NUMBER = re.compile(r"(?<!\d)(\d{7})(?!\d)")
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")


def extract_order_number(text: Optional[str]) -> Optional[str]:
    """The first 7-digit number in ``text`` (spaces, dots and dashes between digits ignored)."""
    if not text:
        return None
    match = ORDER_NUMBER.search(re.sub(r"(?<=\d)[ \-.](?=\d)", "", str(text)))
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
