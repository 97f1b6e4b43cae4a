"""Turning the bytes partner sites send into text."""

import json
from pathlib import Path

import pytest

from app.workers.ingest.decoding import (
    codec_for_label,
    decode,
    looks_like_html_challenge,
    not_a_feed_reason,
)

FIXTURES = Path(__file__).parent / "fixtures" / "partner_sites"
MANIFEST = {
    entry["file"]: entry
    for entry in json.loads((FIXTURES / "manifest.json").read_text("utf-8"))
}

# Characters that exist in cp932 but not in JIS Shift_JIS, and the kanji that
# shift_jis_2004 would read differently.
JAPANESE_SAMPLE = "【募集】①髙島平団地　見守り～冬季～　㈱サンプル"


def served(name: str) -> tuple[bytes, str | None]:
    """A fixture's bytes and the Content-Type header the manifest serves it with."""
    serve = MANIFEST[name]["serve"]
    serve = serve.get("then", serve)
    return (FIXTURES / name).read_bytes(), serve.get("content_type")


@pytest.mark.parametrize(
    "label",
    [
        "Shift_JIS",
        "shift-jis",
        "SJIS",
        "x-sjis",
        "Windows-31J",
        "MS932",
        "cp932",
        "csShiftJIS",
    ],
)
def test_every_shift_jis_label_is_decoded_as_cp932(label):
    decoded = decode(JAPANESE_SAMPLE.encode("cp932"), label)

    assert decoded.encoding == "cp932"
    assert decoded.text == JAPANESE_SAMPLE
    assert decoded.warnings == ()


def test_a_shift_jis_label_inside_a_content_type_header_is_decoded_as_cp932():
    body = JAPANESE_SAMPLE.encode("cp932")

    assert decode(body, "text/html; charset=Shift_JIS").text == JAPANESE_SAMPLE


@pytest.mark.parametrize("label", ["EUC-JP", "euc_jp", "x-euc-jp", "eucJP"])
def test_euc_jp_labels_are_decoded_as_euc_jp(label):
    text = "高島平の清掃ボランティア"

    decoded = decode(text.encode("euc_jp"), label)

    assert decoded.encoding == "euc_jp"
    assert decoded.text == text


def test_unknown_labels_name_no_codec():
    assert codec_for_label("x-no-such-charset") is None
    assert codec_for_label("") is None


def test_a_utf8_byte_order_mark_wins_over_any_label():
    decoded = decode("\ufeff見守り～".encode(), "Shift_JIS")

    assert decoded.text == "見守り～"
    assert decoded.encoding.startswith("utf-8")


def test_a_utf16_byte_order_mark_is_honoured():
    decoded = decode("\ufeff見守り".encode("utf-16-le"), "utf-8")

    assert decoded.text == "見守り"


def test_a_meta_charset_beats_a_western_header_on_cp932_bytes():
    body = f'<meta charset="Shift_JIS"><p>{JAPANESE_SAMPLE}</p>'.encode("cp932")

    decoded = decode(body, "text/html; charset=iso-8859-1")

    assert decoded.encoding == "cp932"
    assert JAPANESE_SAMPLE in decoded.text
    assert decoded.warnings


def test_a_meta_http_equiv_content_type_beats_a_utf8_header_the_bytes_contradict():
    body = (
        '<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">'
        f"<p>{JAPANESE_SAMPLE}</p>"
    ).encode("cp932")

    decoded = decode(body, "text/html; charset=utf-8")

    assert decoded.encoding == "cp932"
    assert JAPANESE_SAMPLE in decoded.text
    assert any("utf-8" in warning for warning in decoded.warnings)


def test_an_xml_declaration_beats_a_header_the_bytes_contradict():
    body = (
        f'<?xml version="1.0" encoding="Shift_JIS"?><rss><title>{JAPANESE_SAMPLE}'
        "</title></rss>"
    ).encode("cp932")

    decoded = decode(body, "application/rss+xml; charset=UTF-8")

    assert decoded.encoding == "cp932"
    assert JAPANESE_SAMPLE in decoded.text


def test_a_header_the_bytes_agree_with_beats_a_stale_xml_declaration():
    body = (
        f'<?xml version="1.0" encoding="Shift_JIS"?><rss><title>{JAPANESE_SAMPLE}'
        "</title></rss>"
    ).encode()

    decoded = decode(body, "text/xml; charset=utf-8")

    assert decoded.encoding == "utf-8"
    assert JAPANESE_SAMPLE in decoded.text


def test_a_page_declaring_utf8_beats_a_stale_shift_jis_header_on_utf8_bytes():
    body = f'<meta charset="utf-8"><p>{JAPANESE_SAMPLE}</p>'.encode()

    decoded = decode(body, "text/html; charset=Shift_JIS")

    assert decoded.encoding == "utf-8"
    assert JAPANESE_SAMPLE in decoded.text


def test_an_undeclared_body_that_fails_as_utf8_is_read_as_cp932():
    decoded = decode(JAPANESE_SAMPLE.encode("cp932"))

    assert decoded.encoding == "cp932"
    assert decoded.text == JAPANESE_SAMPLE


def test_an_undeclared_utf8_body_is_read_as_utf8():
    decoded = decode(JAPANESE_SAMPLE.encode())

    assert decoded.encoding == "utf-8"
    assert decoded.text == JAPANESE_SAMPLE


@pytest.mark.parametrize("label", ["iso-8859-1", "ISO-8859-2", "windows-1252", None])
def test_japanese_bytes_are_never_read_as_a_western_encoding(label):
    decoded = decode(JAPANESE_SAMPLE.encode("cp932"), label)

    assert decoded.encoding == "cp932"
    assert decoded.text == JAPANESE_SAMPLE


def test_ascii_bytes_under_a_western_header_decode_unchanged():
    decoded = decode(b"<rss><title>Volunteers</title></rss>", "ISO-8859-1")

    assert decoded.text == "<rss><title>Volunteers</title></rss>"
    assert decoded.warnings == ()


def test_bytes_nothing_decodes_cleanly_are_replaced_with_a_warning():
    body = JAPANESE_SAMPLE.encode("cp932") + b"\xff\xfe\xfd"

    decoded = decode(body, "utf-8")

    assert decoded.encoding in {"cp932", "utf-8"}
    assert "\ufffd" in decoded.text
    assert JAPANESE_SAMPLE in decoded.text
    assert any("replacement" in warning for warning in decoded.warnings)


def test_bytes_cp932_maps_only_to_private_use_characters_are_not_clean_cp932():
    body = "見守り".encode("cp932") + b"\xfd"

    decoded = decode(body)

    assert decoded.text == "見守り\ufffd"
    assert decoded.warnings


def test_an_empty_body_decodes_to_empty_text():
    assert decode(b"", "text/xml").text == ""


def expected_titles(name: str) -> list[str]:
    expect = MANIFEST[name]["expect"]
    if "title" in expect:
        return [expect["title"]]
    return [item["title"] for item in expect["items"]]


@pytest.mark.parametrize(
    "name",
    [
        "rss10_shiftjis_cp932.rdf",
        "page_table_cp932.html",
        "opendata_event_list_cp932.csv",
        "atom_blog_no_offset.xml",
        "page_dl_recurring.html",
        "page_jsonld_event.html",
    ],
)
def test_the_partner_site_samples_decode_to_the_titles_the_manifest_expects(name):
    decoded = decode(*served(name))

    for title in expected_titles(name):
        assert title in decoded.text


def test_the_mislabelled_shift_jis_feed_keeps_the_characters_only_cp932_has():
    body, content_type = served("rss10_shiftjis_cp932.rdf")

    decoded = decode(body, content_type)

    assert decoded.encoding == "cp932"
    for character in ("①", "髙", "㈱", "\uff5e"):
        assert character in decoded.text
    # The fullwidth tilde must not turn into the wave dash strict JIS gives.
    assert "\u301c" not in decoded.text
    with pytest.raises(UnicodeDecodeError):
        body.decode("shift_jis")


def test_the_page_served_with_a_wrong_iso_8859_1_header_is_read_as_cp932():
    body, content_type = served("page_table_cp932.html")

    decoded = decode(body, content_type)

    assert content_type == "text/html; charset=ISO-8859-1"
    assert decoded.encoding == "cp932"
    assert "令和９年１月１５日（金）午前１０時～正午" in decoded.text
    assert "①１３時～１５時　②１５時３０分～１７時" in decoded.text


def test_the_open_data_csv_without_a_charset_is_read_as_cp932():
    body, content_type = served("opendata_event_list_cp932.csv")

    decoded = decode(body, content_type)

    assert decoded.encoding == "cp932"
    assert "区民会館 第１会議室" in decoded.text
    assert "\r\n" in decoded.text


def test_a_feed_with_a_blank_line_before_its_declaration_is_read_as_declared():
    body, content_type = served("rss20_relative_entities.xml")

    decoded = decode(body, content_type)

    assert decoded.encoding == "utf-8"
    assert not_a_feed_reason(decoded.text) is None


@pytest.mark.parametrize(
    "name",
    [
        "rss10_shiftjis_cp932.rdf",
        "atom_blog_no_offset.xml",
        "rss20_relative_entities.xml",
    ],
)
def test_the_sample_feeds_are_recognised_as_feeds(name):
    text = decode(*served(name)).text

    assert not_a_feed_reason(text) is None
    assert not looks_like_html_challenge(text)


def test_a_bot_challenge_page_is_a_failed_fetch_with_a_reason():
    text = decode(*served("not_a_feed_challenge.html")).text

    assert looks_like_html_challenge(text)
    assert "challenge" in not_a_feed_reason(text)


def test_an_empty_feed_response_is_a_failed_fetch_with_a_reason():
    text = decode(*served("empty_body.xml")).text

    assert not_a_feed_reason(text) == "the response body is empty"
    assert not_a_feed_reason(" \r\n") == "the response body is empty"


def test_an_ordinary_html_page_where_a_feed_was_expected_is_not_a_feed():
    text = decode(*served("page_dl_recurring.html")).text

    assert looks_like_html_challenge(text)
    assert "HTML page" in not_a_feed_reason(text)


def test_a_feed_that_mentions_a_captcha_in_an_item_is_still_a_feed():
    text = "<?xml version='1.0'?><rss><item><title>captcha</title></item></rss>"

    assert not looks_like_html_challenge(text)
    assert not_a_feed_reason(text) is None


def test_a_feed_after_comments_and_a_stylesheet_is_still_a_feed():
    text = (
        '<?xml version="1.0"?>\n<?xml-stylesheet href="feed.xsl"?>\n'
        '<!-- generated -->\n<feed xmlns="http://www.w3.org/2005/Atom"></feed>'
    )

    assert not_a_feed_reason(text) is None


def test_text_that_is_not_xml_is_not_a_feed():
    assert not_a_feed_reason("イベント名,開始日\r\n") == "the response is not XML"
    assert "<urlset>" in not_a_feed_reason("<?xml version='1.0'?><urlset></urlset>")
