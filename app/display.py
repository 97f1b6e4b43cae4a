"""Display settings (text size, high contrast) that follow the visitor.

A visitor's choice is kept in the session; a signed-in account also keeps it
in its own columns, so it follows the person to any device.
"""

import logging
from dataclasses import dataclass

from flask import session
from flask_login import current_user

from app.extensions import db
from app.models.types import TextSize

logger = logging.getLogger(__name__)

SESSION_KEY = "display"


@dataclass(frozen=True)
class Display:
    text_size: TextSize = TextSize.STANDARD
    high_contrast: bool = False

    @property
    def css_classes(self) -> str:
        """Classes for the <html> element that the stylesheet keys on."""
        classes = [f"text-{self.text_size.value}"]
        if self.high_contrast:
            classes.append("theme-contrast")
        return " ".join(classes)


def _from_session() -> Display:
    stored = session.get(SESSION_KEY) or {}
    try:
        text_size = TextSize(stored.get("text_size", TextSize.STANDARD))
    except ValueError:
        text_size = TextSize.STANDARD
    return Display(text_size, bool(stored.get("high_contrast", False)))


def current_display() -> Display:
    if current_user and current_user.is_authenticated:
        return Display(current_user.text_size, current_user.high_contrast)
    return _from_session()


def change_display(
    text_size: TextSize | None = None, high_contrast: bool | None = None
) -> Display:
    """Apply whichever settings are given and keep them; return the result."""
    before = current_display()
    after = Display(
        text_size if text_size is not None else before.text_size,
        high_contrast if high_contrast is not None else before.high_contrast,
    )
    keep_in_session(after)
    if current_user.is_authenticated and after != before:
        current_user.text_size = after.text_size
        current_user.high_contrast = after.high_contrast
        db.session.commit()
        logger.info(
            "account %s display settings: text size %s, high contrast %s",
            current_user.id,
            after.text_size.value,
            after.high_contrast,
        )
    return after


def keep_in_session(display: Display) -> None:
    """Carry settings over a session reset, such as signing out."""
    session[SESSION_KEY] = {
        "text_size": display.text_size.value,
        "high_contrast": display.high_contrast,
    }
