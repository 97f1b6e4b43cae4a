"""Tokyo's matching platform for social participation."""

import logging
from collections.abc import Mapping

from flask import Flask

from app import config
from app.extensions import babel, csrf, db, login_manager, migrate


def create_app(overrides: Mapping | None = None) -> Flask:
    """Build the application; tests pass ``overrides`` instead of environment."""
    app = Flask(__name__, instance_relative_config=True)
    configure_settings(app, overrides)
    configure_logging(app)
    configure_extensions(app)
    configure_security(app)
    configure_error_pages(app)
    configure_templates(app)
    configure_blueprints(app)
    configure_admin(app)
    configure_jobs(app)
    configure_cli(app)
    return app


def configure_settings(app: Flask, overrides: Mapping | None) -> None:
    app.config.update(config.DEFAULTS)
    app.config.update(config.from_environment(app.instance_path))
    if overrides:
        app.config.update(overrides)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = config.secret_key(app.instance_path)


def configure_logging(app: Flask) -> None:
    # Configure the root logger once; every module logs through its own
    # ``logging.getLogger(__name__)``.
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    logging.getLogger("app").setLevel(app.config["LOG_LEVEL"])


def configure_extensions(app: Flask) -> None:
    from app import auth, i18n

    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_directory())
    babel.init_app(
        app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(auth.load_account)
    auth.init_app(app)
    login_manager.login_view = "public.sign_in"
    login_manager.login_message = i18n.lazy_gettext("Please sign in to continue.")
    # Sessions are revocable on the server, so a change of network (Wi-Fi to
    # mobile data) need not sign anyone out; "basic" only marks the session
    # as no longer fresh.
    login_manager.session_protection = "basic"


def configure_security(app: Flask) -> None:
    from app import security

    security.init_app(app)


def configure_error_pages(app: Flask) -> None:
    from app import errors

    errors.init_app(app)


def configure_templates(app: Flask) -> None:
    from app import templating

    templating.init_app(app)


def configure_blueprints(app: Flask) -> None:
    from app.converters import RecordIdConverter
    from app.ops import bp as ops_bp
    from app.orgs import bp as orgs_bp
    from app.public import bp as public_bp

    # Before any route is added, so every <int:...> in an address is bounded.
    app.url_map.converters["int"] = RecordIdConverter
    app.register_blueprint(public_bp)
    app.register_blueprint(orgs_bp, url_prefix="/orgs")
    app.register_blueprint(ops_bp)


def configure_admin(app: Flask) -> None:
    from app.admin import init_admin

    init_admin(app)


def configure_jobs(app: Flask) -> None:
    from app.workers import jobs

    jobs.init_app(app)


def configure_cli(app: Flask) -> None:
    from app.cli import accounts_cli, seed_cli
    from app.workers.cli import worker_command
    from app.workers.ingest.cli import ingest_cli

    app.cli.add_command(seed_cli)
    app.cli.add_command(accounts_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(ingest_cli)


def _migrations_directory() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / "migrations")
