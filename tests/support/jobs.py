"""Job functions for the worker tests; a worker imports them by dotted name."""

from pathlib import Path


def write_note(path: str, text: str) -> str:
    """Append ``text`` to the file at ``path``: proof that the job ran."""
    with Path(path).open("a", encoding="utf-8") as handle:
        handle.write(text + "\n")
    return text


def fail_once(path: str) -> str:
    """Fail on the first run and succeed on the next, like a mail server blip."""
    marker = Path(path)
    if not marker.exists():
        marker.write_text("tried\n", encoding="utf-8")
        raise ConnectionError("the first attempt fails")
    return "done"
