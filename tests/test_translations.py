"""Every message in the code has a Japanese translation.

Messages are written in English in the code; Japanese is the default language
of the site, so a message missing from the Japanese catalog would show up in
English on a Japanese page. ``make translations-update`` brings the catalogs
up to date with the code; a translator then fills in the Japanese.
"""

from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "translations"
LOCALES = ("ja", "en")


@cache
def extracted_messages() -> dict[tuple[str | None, str], list[str]]:
    """``(context, msgid)`` of every message in the code, with where it is."""
    with (ROOT / "babel.cfg").open() as mapping:
        method_map, options_map = parse_mapping_cfg(mapping, "babel.cfg")
    messages: dict[tuple[str | None, str], list[str]] = {}
    for filename, line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        messages.setdefault((context, msgid), []).append(f"{filename}:{line}")
    return messages


@cache
def catalog(locale: str) -> Catalog:
    path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        # A malformed line is an error here, not a warning to scroll past.
        return read_po(source, locale=locale, abort_invalid=True)


def missing_from(target: Catalog, messages) -> list[str]:
    return sorted(
        f"{msgid!r} ({', '.join(places)})"
        for (context, msgid), places in messages.items()
        if target.get(msgid, context=context) is None
    )


def _forms(message) -> tuple[str, ...]:
    """A translation as a tuple of its plural forms (one for most messages)."""
    if isinstance(message.string, list | tuple):
        return tuple(message.string)
    return (message.string,)


def untranslated(target: Catalog) -> list[str]:
    """Entries with an empty translation (in any plural form) or marked fuzzy."""
    problems = []
    for message in target:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(f"{message.id!r} is fuzzy")
        elif not all(_forms(message)):
            problems.append(f"{message.id!r} has no translation")
    return problems


def test_the_code_has_messages_to_translate():
    # Guards the tests below against an extraction that silently finds nothing.
    messages = extracted_messages()

    assert (None, "Skip to main content") in messages
    assert (None, "Every day") in messages
    assert (None, "Keyword") in messages  # a lazy_gettext label


def test_every_message_in_the_code_is_in_the_japanese_catalog():
    missing = missing_from(catalog("ja"), extracted_messages())

    assert not missing, (
        "messages missing from translations/ja (run `make translations-update` "
        "and translate them):\n" + "\n".join(missing)
    )


def test_every_japanese_entry_has_a_translation_that_is_not_fuzzy():
    japanese = catalog("ja")

    assert not japanese.fuzzy, "the Japanese catalog header is marked fuzzy"
    problems = untranslated(japanese)
    assert not problems, "\n".join(problems)


def test_the_english_catalog_holds_every_message_too():
    missing = missing_from(catalog("en"), extracted_messages())

    assert not missing, "run `make translations-update`:\n" + "\n".join(missing)


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders_of_their_source(locale):
    errors = [
        f"{message.id!r}: {error}"
        for message, found in catalog(locale).check()
        for error in found
    ]

    assert not errors, "\n".join(errors)


def test_japanese_has_a_single_plural_form():
    assert catalog("ja").num_plurals == 1


@pytest.mark.parametrize("locale", LOCALES)
def test_the_compiled_catalog_matches_its_source(locale):
    path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo"
    assert path.exists(), (
        f"{path.relative_to(ROOT)} is missing: run `make translations`"
    )
    with path.open("rb") as compiled_file:
        compiled = read_mo(compiled_file)

    stale = []
    for message in catalog(locale):
        if not message.id or message.fuzzy or not any(_forms(message)):
            continue
        found = compiled.get(message.id, context=message.context)
        # read_mo gives plural forms as a list, read_po as a tuple.
        if found is None or _forms(found) != _forms(message):
            stale.append(repr(message.id))

    assert not stale, (
        f"{path.relative_to(ROOT)} is older than its .po file: run "
        "`make translations`\n" + "\n".join(stale)
    )


def test_the_checks_catch_a_message_without_its_japanese():
    japanese = Catalog(locale="ja")
    japanese.add("Translated", "翻訳済み")
    japanese.add("Forgotten", "")
    japanese.add("Guessed", "推測", flags=["fuzzy"])
    messages = {(None, "Translated"): ["a.py:1"], (None, "New"): ["b.html:2"]}

    assert missing_from(japanese, messages) == ["'New' (b.html:2)"]
    assert untranslated(japanese) == [
        "'Forgotten' has no translation",
        "'Guessed' is fuzzy",
    ]
