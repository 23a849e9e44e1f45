"""Personal data shown to people who do not need it in full (PIPL: the least that serves)."""

from __future__ import annotations

import re

PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,18}[0-9]$")


def normalized_phone(phone: str) -> str:
    """A phone number as stored and looked up: without spaces and dashes."""
    return re.sub(r"[ -]", "", phone.strip())


def is_phone(phone: str) -> bool:
    """Digits (spaces, dashes and a leading + allowed), 6 to 20 of them."""
    return bool(PHONE.match(phone.strip()))


def masked_phone(phone: str) -> str:
    """``13800001111`` → ``138****1111``; short numbers keep only their last two digits."""
    digits = phone.strip()
    if len(digits) >= 7:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * max(len(digits) - 2, 0) + digits[-2:]
