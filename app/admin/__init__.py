"""The municipal and Tokyo staff console, built on Flask-Admin."""

from flask import Flask


def init_admin(app: Flask) -> None:
    pass
