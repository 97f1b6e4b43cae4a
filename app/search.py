"""Which activities the public sees, and finding them by keyword."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app.extensions import db
from app.models import (
    Activity,
    ActivityLoad,
    LoadAttribute,
    LoadLevel,
    Municipality,
    Organisation,
)
from app.models.types import ReviewState
from app.templating import TOKYO

# What a card in a list shows, loaded with the list rather than row by row.
CARD_LOADING = (
    contains_eager(Activity.municipality),
    joinedload(Activity.organisation),
    selectinload(Activity.sessions),
)


def tokyo_today() -> date:
    return datetime.now(TOKYO).date()


# Ids are 32-bit integers on PostgreSQL; a larger number in an address is
# simply an activity that does not exist.
MAX_ID = 2**31 - 1


def public_activities() -> sa.Select:
    """Activities anyone may open: approved, in a municipality that has joined,
    and run by an approved organisation (or imported without one).

    An activity that stopped recruiting stays visible so that links to it
    keep working; the page says recruiting has ended.
    """
    organisation_ok = sa.or_(
        Activity.organisation_id.is_(None),
        Activity.organisation.has(
            sa.and_(
                Organisation.review_state == ReviewState.PUBLISHED,
                Organisation.closed_at.is_(None),
            )
        ),
    )
    return (
        sa.select(Activity)
        .join(Activity.municipality)
        .where(
            Activity.review_state == ReviewState.PUBLISHED,
            Municipality.is_active,
            organisation_ok,
        )
    )


def recruiting_activities(today: date | None = None) -> sa.Select:
    """Public activities still taking applications, newest first."""
    today = today or tokyo_today()
    return (
        public_activities()
        .where(
            Activity.closed_at.is_(None),
            sa.or_(
                Activity.application_deadline.is_(None),
                Activity.application_deadline >= today,
            ),
        )
        .order_by(Activity.published_at.desc(), Activity.id.desc())
    )


def newest_activities(limit: int = 12) -> sa.Select:
    return recruiting_activities().options(*CARD_LOADING).limit(limit)


def keywords(query: str | None) -> list[str]:
    """The words of a query; full-width spaces separate words too.

    Only the first ten count, so a pasted paragraph cannot build a huge query.
    """
    return (query or "").split()[:10]


def search_activities(query: str | None) -> sa.Select:
    """Recruiting activities that contain every word of ``query``.

    TODO: replace the LIKE filter with a Japanese full-text index (full- and
    half-width, kana and spacing folded) once the search service is chosen;
    LIKE scans every row and matches only the exact characters typed.
    """
    stmt = (
        recruiting_activities()
        .outerjoin(Activity.organisation)
        .options(
            contains_eager(Activity.municipality),
            contains_eager(Activity.organisation),
            selectinload(Activity.sessions),
        )
    )
    for word in keywords(query):
        stmt = stmt.where(
            sa.or_(
                Activity.title.icontains(word, autoescape=True),
                Activity.summary.icontains(word, autoescape=True),
                Activity.description.icontains(word, autoescape=True),
                Organisation.name.icontains(word, autoescape=True),
            )
        )
    return stmt


def public_activity(activity_id: int) -> Activity | None:
    """One public activity with everything its page shows, or None."""
    if not 0 < activity_id <= MAX_ID:
        return None
    return db.session.scalar(
        public_activities()
        .where(Activity.id == activity_id)
        .options(
            contains_eager(Activity.municipality),
            joinedload(Activity.organisation),
            selectinload(Activity.categories),
            selectinload(Activity.sessions),
            selectinload(Activity.images),
        )
    )


def load_levels(activity: Activity) -> list[tuple[LoadAttribute, LoadLevel]]:
    """The activity's physical-load and access attributes with their levels."""
    rows = db.session.execute(
        sa.select(LoadAttribute, LoadLevel)
        .join(ActivityLoad, ActivityLoad.attribute_code == LoadAttribute.code)
        .join(
            LoadLevel,
            sa.and_(
                LoadLevel.attribute_code == ActivityLoad.attribute_code,
                LoadLevel.value == ActivityLoad.value,
            ),
        )
        .where(ActivityLoad.activity_id == activity.id)
        .order_by(LoadAttribute.sort_order)
    )
    return [(attribute, level) for attribute, level in rows]
