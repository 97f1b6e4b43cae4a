"""Reference data every installation needs."""

from collections import Counter

from app.extensions import db
from app.models import Category, LoadAttribute, LoadLevel, Municipality
from app.reference import load_reference_data


def _counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(db.select(db.func.count()).select_from(model))
        for model in (Municipality, Category, LoadAttribute, LoadLevel)
    }


def test_reference_data_has_all_62_municipalities_of_tokyo(app):
    kinds = Counter(db.session.scalars(db.select(Municipality.kind)))
    assert kinds == {"ward": 23, "city": 26, "town": 5, "village": 8}
    assert sum(kinds.values()) == 62


def test_loading_reference_data_twice_creates_no_duplicates(app):
    before = _counts()
    load_reference_data()
    load_reference_data()
    assert _counts() == before
