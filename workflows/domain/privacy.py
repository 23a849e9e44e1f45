"""Personal data shown to people who do not need it in full (PIPL: the least that serves)."""

from __future__ import annotations


def masked_phone(phone: str) -> str:
    """``13800001111`` → ``138****1111``; short numbers keep only their last two digits."""
    digits = phone.strip()
    if len(digits) >= 7:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * max(len(digits) - 2, 0) + digits[-2:]
