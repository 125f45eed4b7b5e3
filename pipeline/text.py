"""Text as a person reads it: times on forms, abbreviated content, masked phone numbers."""

from __future__ import annotations

import re


def show_time(value: str | None) -> str:
    """ISO time as printed on forms: 2026-11-03 08:12:00."""
    return value.replace("T", " ") if value else ""


def mask_phone(phone: str | None) -> str:
    """138****5678: enough to recognise, not enough to call."""
    if not phone:
        return ""
    if len(phone) <= 4:
        return "*" * len(phone)
    if len(phone) >= 11:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return phone[:2] + "*" * (len(phone) - 4) + phone[-2:]


_LONG_NUMBER = re.compile(r"\d{7,}")


def mask_numbers(text: str) -> str:
    """The run summary goes to cron mail and the outbox: no phone number in full there."""
    return _LONG_NUMBER.sub(lambda m: mask_phone(m.group(0)) if len(m.group(0)) < 13
                            else m.group(0), text)


def summary(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
