"""Password policy and hashing (argon2id)."""

import gzip
import unicodedata
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
MAX_LENGTH = 128

# argon2-cffi's defaults follow RFC 9106's second recommended profile.
_hasher = PasswordHasher()


def normalise(password: str) -> str:
    """NFKC, so that the same password typed on a full-width keyboard matches."""
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    return _hasher.hash(normalise(password))


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, normalise(password))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than today's."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def burn_time() -> None:
    """Spend the time a real verification takes, for accounts that do not exist.

    Signing in to an unknown address must take as long as a wrong password, so
    that timing does not reveal which addresses have accounts.
    """
    verify_password(_dummy_hash(), "not the password")


@cache
def _dummy_hash() -> str:
    return hash_password("a password nobody has")


@cache
def common_passwords() -> frozenset[str]:
    """About 20,000 passwords that attackers try first.

    The list is Django's common-passwords file (BSD licence), itself taken from
    Royce Williams' compilation of breached passwords.
    """
    data = resources.files("app.data").joinpath("common_passwords.txt.gz")
    with data.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as text:
        return frozenset(line.strip().lower() for line in text if line.strip())


def problems(password: str, *, email: str | None = None) -> list[str]:
    """Why a new password is not acceptable, as message ids; empty when fine."""
    from flask_babel import lazy_gettext as _l

    found = []
    length = len(normalise(password))
    if length < MIN_LENGTH:
        found.append(_l("Use at least %(min)d characters.", min=MIN_LENGTH))
    if length > MAX_LENGTH:
        found.append(_l("Use at most %(max)d characters.", max=MAX_LENGTH))
    lowered = normalise(password).lower()
    if lowered in common_passwords():
        found.append(_l("This password is too common. Choose another one."))
    elif email and lowered == normalise(email).lower():
        found.append(_l("Do not use your e-mail address as the password."))
    return found
