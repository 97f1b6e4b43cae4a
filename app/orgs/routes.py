from app.orgs import bp  # noqa: F401
