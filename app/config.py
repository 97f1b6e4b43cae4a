"""Settings read from the environment, with defaults that need nothing installed."""

import os
import secrets
from datetime import timedelta
from pathlib import Path


def secret_key(instance_path: str) -> str:
    """Return SECRET_KEY from the environment, or one kept in the instance folder.

    A key generated on first run is written beside the SQLite file so that
    sessions survive restarts without anyone having to invent a key.
    """
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment(instance_path: str) -> dict:
    """Build the settings mapping for the app factory."""
    sqlite_path = Path(instance_path) / "tsunagari.sqlite3"
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{sqlite_path}"
    # Heroku-style URLs name the driver "postgres"; SQLAlchemy wants psycopg 3.
    if database_url.startswith(("postgres://", "postgresql://")):
        database_url = "postgresql+psycopg://" + database_url.split("://", 1)[1]
    base_url = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    https = base_url.startswith("https://")
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "BASE_URL": base_url,
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get(
            "MAIL_DEFAULT_SENDER", "東京つながりナビ <no-reply@tsunagari.example.jp>"
        ),
        "MAIL_OUTBOX_DIR": os.environ.get(
            "MAIL_OUTBOX_DIR", str(Path(instance_path) / "outbox")
        ),
        "JOB_TIMEOUT": int(os.environ.get("JOB_TIMEOUT", "600")),
        # Cookies are marked Secure whenever the site is served over HTTPS.
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", https),
        "REMEMBER_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", https),
        # How many proxies (load balancers) in front of the app set
        # X-Forwarded-For and X-Forwarded-Proto.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
    }


#: Fixed settings that do not depend on the deployment.
DEFAULTS = {
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "BABEL_DEFAULT_LOCALE": "ja",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Tokyo",
    # The catalogs live beside the package, not inside it, so the path is
    # absolute rather than relative to the app's root.
    "BABEL_TRANSLATION_DIRECTORIES": str(
        Path(__file__).resolve().parent.parent / "translations"
    ),
    "LANGUAGES": {"ja": "日本語", "en": "English"},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_DURATION": timedelta(days=14),
    # Failed sign-ins allowed before a pause, per e-mail address and per client.
    "SIGN_IN_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
    "SIGN_IN_LIMIT_PER_ADDRESS": "30 per 15 minutes",
    # Forms that send e-mail, per recipient address and per client.
    "MAIL_REQUEST_LIMIT_PER_ACCOUNT": "3 per hour",
    "MAIL_REQUEST_LIMIT_PER_ADDRESS": "20 per hour",
    "WTF_CSRF_TIME_LIMIT": None,
    "FLASK_ADMIN_SWATCH": "default",
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
}
