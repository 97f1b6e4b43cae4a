"""The migrations build exactly the schema the models describe."""

import pprint

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app.extensions import db
from tests.support import apps


def test_models_and_migrations_agree(app):
    # The test database was built by running the migrations to head.
    context = MigrationContext.configure(
        db.session.connection(), opts={"compare_type": True}
    )
    differences = compare_metadata(context, db.metadata)
    assert differences == [], pprint.pformat(differences)


def test_migrations_upgrade_and_downgrade_on_sqlite(tmp_path):
    sqlite_url = f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    app = apps.build(apps.settings(sqlite_url, tmp_path))
    try:
        with app.app_context():
            upgrade()
            tables = set(sa.inspect(db.engine).get_table_names())
            assert set(db.metadata.tables) <= tables

            downgrade(revision="base")
            assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
    finally:
        apps.dispose(app)
