"""Staff two-factor sign-in: TOTP codes from an app, and one-time recovery codes.

A code is accepted for the current 30-second step and one step either side,
for clocks that drift, and each step at most once: the last accepted step is
kept on the account, so a code seen over someone's shoulder cannot be
replayed.
"""

import hashlib
import hmac
import logging
import secrets
import time
import unicodedata
from datetime import timedelta

import pyotp
import segno
import sqlalchemy as sa
from limits import parse as parse_limit

from app import audit
from app.extensions import db, limiter
from app.models import Account, AuditEntry, RecoveryCode
from app.models.types import utcnow

logger = logging.getLogger(__name__)

#: Authenticator apps show this above the code. Kept in ASCII because some
#: apps garble other characters in the enrolment link.
ISSUER = "Tokyo Tsunagari Navi"

#: Steps either side of now that still count, for a phone whose clock drifts.
DRIFT_STEPS = 1

RECOVERY_CODE_COUNT = 10
# 16 symbols of 5 bits each: 80 random bits, far beyond guessing, so a plain
# SHA-256 protects them at rest as it does link tokens.
RECOVERY_CODE_LENGTH = 16
# Crockford's base 32: no I, L, O or U, which are easily misread.
RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_MISREAD = str.maketrans({"o": "0", "i": "1", "l": "1"})

#: Wrong codes allowed per account within FAILURE_WINDOW; after that even a
#: right code is refused until the window has passed, so that six digits
#: cannot be guessed by trying them all.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)

FAILURE_ACTION = "two_factor_failed"


def new_secret() -> str:
    """160 random bits, base 32, as RFC 6238 recommends for SHA-1."""
    return pyotp.random_base32(32)


def provisioning_uri(account: Account) -> str:
    return pyotp.TOTP(account.totp_secret).provisioning_uri(
        name=account.email, issuer_name=ISSUER
    )


def qr_code_data_uri(account: Account) -> str:
    """The enrolment link as a QR code, an SVG in a ``data:`` URI for an <img>."""
    qr = segno.make(provisioning_uri(account), error="m")
    return qr.svg_data_uri(scale=5, border=4, dark="#000", light="#fff")


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalise(code: str | None) -> str:
    """Full-width digits, spaces and hyphens typed in any way, made plain."""
    text = unicodedata.normalize("NFKC", code or "").lower()
    return "".join(char for char in text if char not in " -\t")


def looks_like_totp(code: str | None) -> bool:
    plain = normalise(code)
    return len(plain) == 6 and plain.isdigit()


def verify_totp(account: Account, code: str | None) -> bool:
    """Accept a code from the app once, within one step of now.

    The step is recorded with an update conditional on the stored one being
    older, so two requests racing with the same code cannot both pass.
    """
    plain = normalise(code)
    if not account.totp_secret or len(plain) != 6 or not plain.isdigit():
        return False
    totp = pyotp.TOTP(account.totp_secret)
    now = totp.timecode(time.time())
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if not hmac.compare_digest(totp.generate_otp(step), plain):
            continue
        accepted = db.session.execute(
            sa.update(Account)
            .where(
                Account.id == account.id,
                sa.or_(Account.totp_last_step.is_(None), Account.totp_last_step < step),
            )
            .values(totp_last_step=step)
            .execution_options(synchronize_session=False)
        )
        if accepted.rowcount != 1:
            logger.info("replayed code refused for account %s", account.id)
            return False
        db.session.refresh(account)
        return True
    return False


def _digest(code: str) -> str:
    return hashlib.sha256(normalise(code).translate(_MISREAD).encode()).hexdigest()


def new_recovery_codes(account: Account) -> list[str]:
    """Replace the account's recovery codes; the plain codes are shown once."""
    db.session.execute(
        sa.delete(RecoveryCode).where(RecoveryCode.account_id == account.id)
    )
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        plain = "".join(
            secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH)
        )
        codes.append("-".join(plain[i : i + 4] for i in range(0, len(plain), 4)))
        db.session.add(RecoveryCode(account_id=account.id, code_hash=_digest(plain)))
    db.session.flush()
    return codes


def use_recovery_code(account: Account, code: str | None) -> bool:
    """Spend one unused recovery code; each works once."""
    plain = normalise(code)
    if len(plain) != RECOVERY_CODE_LENGTH:
        return False
    used = db.session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.account_id == account.id,
            RecoveryCode.code_hash == _digest(plain),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return used.rowcount == 1


def remaining_recovery_codes(account: Account) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None)
        )
    )


def enable(account: Account) -> list[str]:
    """Finish enrolment after a first right code; return the recovery codes."""
    account.totp_enabled_at = utcnow()
    codes = new_recovery_codes(account)
    audit.record("two_factor_enrolled", account, actor=account)
    logger.info("account %s enrolled in two-factor sign-in", account.id)
    return codes


def start_enrolment(account: Account) -> None:
    """Give the account a secret to enrol with, keeping one already shown.

    The secret stays the same until enrolment finishes, so reloading the page
    does not invalidate what was already scanned into a phone.
    """
    if account.totp_secret and account.totp_enabled_at is None:
        return
    account.totp_secret = new_secret()
    account.totp_enabled_at = None
    account.totp_last_step = None


def reset(account: Account) -> None:
    """Forget the device and the recovery codes; the next sign-in enrols again."""
    account.totp_secret = None
    account.totp_enabled_at = None
    account.totp_last_step = None
    db.session.execute(
        sa.delete(RecoveryCode).where(RecoveryCode.account_id == account.id)
    )


def record_failure(account: Account, stage: str) -> None:
    audit.record(FAILURE_ACTION, account, actor=None, stage=stage)
    db.session.commit()


def claim_attempt(account: Account) -> bool:
    """Count one code about to be checked; False when the account has none left.

    The rate-limit store counts atomically (Redis INCR), so guesses sent in
    parallel cannot all slip past a count read before any of them failed.
    The audit-log count below keeps the limit when that store is restarted.
    """
    item = parse_limit(
        f"{MAX_FAILURES} per {int(FAILURE_WINDOW.total_seconds())} second"
    )
    return limiter.limiter.hit(item, "two-factor", str(account.id))


def too_many_failures(account: Account) -> bool:
    """Whether the account has used up its wrong codes for now.

    Counted from the audit log, on the server, so a saved cookie or a second
    browser does not start a fresh count.
    """
    since = utcnow() - FAILURE_WINDOW
    failures = db.session.scalar(
        sa.select(sa.func.count()).where(
            AuditEntry.action == FAILURE_ACTION,
            AuditEntry.object_type == "account",
            AuditEntry.object_id == account.id,
            AuditEntry.at >= since,
        )
    )
    return failures >= MAX_FAILURES
