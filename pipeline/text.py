"""Text as a person reads it: times on forms, abbreviated content, masked phone numbers,
file names that cannot forge a line, and errors that carry no citizen's data."""

from __future__ import annotations

import re
import unicodedata


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


# Phones in every written form: 13800001111, 138-0000-1111, 139 1234 5678, +86 138 0000 1111,
# 0086-13800001111, (021)5600-1234, 021-56001234, full-width digits (\d matches them). Never
# inside a longer number (a 14-digit order number) and never a date (20261127, 2026-11-27).
_SEP = r"[ \t\u3000\-‐－—.·]?"
_PHONE = re.compile(
    r"(?<![\d])"
    r"(?:(?:[+＋]|[0０]{2})?[8８][6６]" + _SEP + r")?"                  # country code
    r"(?:[1１][3-9３-９]\d" + _SEP + r"\d{4}" + _SEP + r"\d{4}"        # mobile, 3-4-4
    r"|[(（]?[0０]\d{2,3}[)）]?" + _SEP + r"\d{3,4}" + _SEP + r"\d{4})"  # area code, number
    r"(?![\d])"
)
_LONG_NUMBER = re.compile(r"(?<![\d])\d{7,12}(?![\d])")


def _mask_match(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = "".join(str(unicodedata.digit(c)) for c in text if c.isdigit())
    prefix = ""
    if len(digits) > 11 and digits.startswith(("86", "0086")):
        country = "0086" if digits.startswith("0086") else "86"
        prefix, digits = "+86 ", digits[len(country):]
    return prefix + mask_phone(digits)


def mask_phones(text: str) -> str:
    """Every phone number in `text`, in whatever form it was written, masked; dates, file
    names and order numbers left alone. For whole reports."""
    return _PHONE.sub(_mask_match, text)


def mask_numbers(text: str) -> str:
    """Free text from elsewhere (a reason, an error): phones and any other run of 7 to 12
    digits masked (a local number written without its area code looks like nothing else)."""
    return _LONG_NUMBER.sub(_mask_match, mask_phones(text))


# Characters that would forge a line or reorder what a reader sees: C0/C1 controls (newline,
# carriage return), bidi overrides and isolates (RLO shows "xslx.exe" for "exe.xlsx"),
# line and paragraph separators, zero-width characters.
def _is_hidden(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn")


def show_name(name: str) -> str:
    """A file name as a report line may show it: hidden characters escaped visibly
    (a newline as \\n, U+202E as \\u202e), so a name cannot start a line or turn text around."""
    out = []
    for char in name:
        if not _is_hidden(char):
            out.append(char)
        elif char in "\n\r\t":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[char])
        else:
            code = ord(char)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
    return "".join(out)


def one_line(text: str) -> str:
    """Free text (a reason, a message) on one report line: hidden characters escaped."""
    return show_name(text)


def error_text(exc: BaseException) -> str:
    """An unexpected error in a few words that carry no data: the type and the first line of
    the database driver's or the system's own message, never SQLAlchemy's statement and
    parameters (names, addresses, phones) nor a driver's DETAIL lines with a row's values.
    Any other error gives its type only: its text may quote anything."""
    orig = getattr(exc, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's error
    if orig is not None:
        name, message = type(orig).__name__, str(orig)
    elif isinstance(exc, OSError):
        name = type(exc).__name__
        message = exc.strerror or ""
        if exc.filename:
            message += f"（{show_name(str(exc.filename))}）"
    else:
        name, message = type(exc).__name__, ""
    message = message.split("[SQL:", 1)[0].strip()
    message = message.splitlines()[0] if message else ""
    message = mask_numbers(one_line(message))[:200]
    return f"{name}：{message}" if message else name


def summary(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
