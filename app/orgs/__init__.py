"""The organisation portal: forms for posting activities and choosing applicants."""

from flask import Blueprint

bp = Blueprint("orgs", __name__, template_folder="templates")

from app.orgs import routes  # noqa: E402, F401
