"""Protections every response and every sign-in form share.

Security headers on each response, proxy awareness behind a load balancer,
and the limits on failed sign-ins.
"""

import logging
import secrets
from functools import wraps

from flask import Flask, abort, current_app, g, render_template, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from app.extensions import limiter
from app.text import normalise_email

logger = logging.getLogger(__name__)

# Scripts and styles come only from this site; Flask-Admin's few inline
# scripts carry a per-response nonce. Inline style attributes are allowed in
# the console only, where Flask-Admin's widgets set them; never inline script.
CSP = (
    "default-src 'self'; "
    "script-src 'self' 'nonce-{nonce}'; "
    "style-src 'self'{inline_styles}; "
    "img-src 'self' data:; "
    "font-src 'self'; "
    "connect-src 'self'; "
    "object-src 'none'; "
    "base-uri 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    app.config.setdefault(
        "RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://"
    )
    # A rate-limit store that is down must not lock everyone out.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter.init_app(app)

    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)
    app.register_error_handler(429, too_many_attempts)


def refuse_nul_characters():
    """Refuse input carrying NUL characters, which no text field can hold.

    PostgreSQL rejects them in any string, so they would otherwise surface as
    a server error wherever the value reaches a query.
    """
    values = [request.path, *(value for _, value in request.args.items(multi=True))]
    if request.method in ("POST", "PUT", "PATCH"):
        values.extend(value for _, value in request.form.items(multi=True))
    if any("\x00" in value for value in values):
        abort(400)


def csp_nonce() -> str:
    """The nonce for this response's inline scripts, made on first use."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def add_security_headers(response):
    console = request.path.startswith("/admin")
    response.headers.setdefault(
        "Content-Security-Policy",
        CSP.format(
            nonce=csp_nonce(), inline_styles=" 'unsafe-inline'" if console else ""
        ),
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
    )
    if request.is_secure:
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=63072000; includeSubDomains"
        )
    return response


def _submitted_address() -> str:
    # The organisation form names its staff member's address staff_email.
    form = request.form
    address = normalise_email(form.get("email") or form.get("staff_email"))
    return f"sign-in:{address[:254]}"


def _failed(response) -> bool:
    # A successful sign-in redirects; every other answer counts as a failure.
    return response.status_code not in (301, 302, 303)


def limit_sign_in(view):
    """Limit failed sign-ins per submitted address and per client address.

    The same limits apply whether or not an account has that address, so the
    limit itself reveals nothing.
    """
    per_account = limiter.limit(
        lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"],
        key_func=_submitted_address,
        methods=["POST"],
        deduct_when=_failed,
        scope="sign-in-account",
    )
    per_address = limiter.limit(
        lambda: current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"],
        methods=["POST"],
        deduct_when=_failed,
        scope="sign-in-address",
    )

    @wraps(view)
    def limited(*args, **kwargs):
        return view(*args, **kwargs)

    return per_address(per_account(limited))


def limit_mail_requests(view):
    """Limit forms that send e-mail (registration, new links, password reset).

    Each request counts, whatever its outcome, so nobody can use the site to
    flood an inbox or to probe many addresses from one client.
    """
    per_recipient = limiter.limit(
        lambda: current_app.config["MAIL_REQUEST_LIMIT_PER_ACCOUNT"],
        key_func=_submitted_address,
        methods=["POST"],
        scope="mail-request-account",
    )
    per_client = limiter.limit(
        lambda: current_app.config["MAIL_REQUEST_LIMIT_PER_ADDRESS"],
        methods=["POST"],
        scope="mail-request-address",
    )

    @wraps(view)
    def limited(*args, **kwargs):
        return view(*args, **kwargs)

    return per_client(per_recipient(limited))


def _signed_in_account() -> str:
    return f"account:{current_user.get_id() if current_user.is_authenticated else ''}"


def limit_password_checks(view):
    """Limit wrong current passwords on the pages that ask for one again.

    Someone at an unattended, signed-in computer must not be able to guess
    the password by trying it on the change-password or withdrawal form.
    """
    per_account = limiter.limit(
        lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"],
        key_func=_signed_in_account,
        methods=["POST"],
        deduct_when=_failed,
        scope="password-check",
    )

    @wraps(view)
    def limited(*args, **kwargs):
        return view(*args, **kwargs)

    return per_account(limited)


def too_many_attempts(error):
    logger.info(
        "sign-in attempts limited for %s at %s", request.remote_addr, request.path
    )
    return render_template("errors/too_many_attempts.html"), 429
