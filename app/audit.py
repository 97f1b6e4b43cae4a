"""Writing the audit log: one entry per sensitive action, with its actor."""

import logging

from flask import has_request_context, request

from app.extensions import db
from app.models import Account, AuditEntry

logger = logging.getLogger(__name__)


def record(
    action: str,
    obj=None,
    *,
    actor: Account | None = None,
    municipality_id: int | None = None,
    on_behalf_of_participant_id: int | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
    **detail,
) -> AuditEntry:
    """Add an audit entry for ``action`` on ``obj`` (or the named object).

    The entry joins the caller's transaction, so it is kept exactly when the
    change it describes is.
    """
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else obj.id
        if municipality_id is None:
            municipality_id = getattr(obj, "municipality_id", None)
    entry = AuditEntry(
        action=action,
        object_type=object_type or "",
        object_id=object_id,
        actor_id=actor.id if actor is not None else None,
        municipality_id=municipality_id,
        on_behalf_of_participant_id=on_behalf_of_participant_id,
        detail=detail,
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    logger.info(
        "audit %s %s %s by account %s",
        action,
        object_type,
        object_id,
        actor.id if actor is not None else None,
    )
    return entry
