"""Reading what people type: addresses, kana readings, postal codes, phones.

Japanese keyboards produce full-width letters, half-width kana and
hiragana where katakana is asked for; each helper accepts all of them and
returns one stored form.
"""

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_KATAKANA = re.compile(r"^[\u30a0-\u30ff\u31f0-\u31ff ]+$")


def normalise_email(address: str | None) -> str:
    """One form per address: ｈａｎａｋｏ＠Example.JP and hanako@example.jp match."""
    return unicodedata.normalize("NFKC", address or "").strip().lower()


def hiragana_to_katakana(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)


def to_katakana(text: str | None) -> str:
    """Full-width katakana with single spaces, from whatever kana was typed."""
    text = hiragana_to_katakana(unicodedata.normalize("NFKC", text or ""))
    return _SPACES.sub(" ", text).strip()


def is_katakana(text: str | None) -> bool:
    return bool(text) and bool(_KATAKANA.match(text))


def normalise_postal_code(text: str | None) -> str | None:
    """123-4567 from any way of writing seven digits, or None if it is not one."""
    digits = re.sub(r"[\s\-‐－ー−〒]", "", unicodedata.normalize("NFKC", text or ""))
    if not re.fullmatch(r"\d{7}", digits):
        return None
    return f"{digits[:3]}-{digits[3:]}"


def normalise_phone(text: str | None) -> str | None:
    """A phone number in half-width digits and hyphens, or None if it is not one."""
    phone = unicodedata.normalize("NFKC", text or "").strip()
    phone = re.sub(r"[‐－ー−―\s]", "-", phone)
    phone = re.sub(r"[()]", "-", phone).strip("-")
    phone = re.sub(r"-{2,}", "-", phone)
    if not re.fullmatch(r"\+?\d[\d-]{8,18}", phone):
        return None
    return phone
