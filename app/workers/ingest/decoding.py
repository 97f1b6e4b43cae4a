"""Turning the bytes partner sites send into text.

Japanese municipal sites routinely mislabel their encoding: ``Shift_JIS`` on
bytes written by Windows software (really cp932, which alone has ①, ㈱, ～
and 髙), a server-wide ``ISO-8859-1`` header on a Shift_JIS page, or a
``UTF-8`` header left over after a migration. The rules here trust labels
only as far as the bytes agree with them and never guess a Western
single-byte encoding, because that turns Japanese text into mojibake without
any error.
"""

import codecs
import logging
import re
from dataclasses import dataclass

logger = logging.getLogger(__name__)

# Every label a site may use for Shift_JIS means the Windows variant: the
# strict JIS codec fails on ① and ㈱ and maps ～ to a different character.
_SHIFT_JIS_LABELS = {
    "shift_jis",
    "shift-jis",
    "sjis",
    "x-sjis",
    "s-jis",
    "shiftjis",
    "windows-31j",
    "ms932",
    "ms_kanji",
    "cp932",
    "x-ms-cp932",
    "csshiftjis",
    "cswindows31j",
}
_EUC_JP_LABELS = {
    "euc-jp",
    "euc_jp",
    "eucjp",
    "x-euc-jp",
    "euc-jp-ms",
    "eucjp-ms",
    "cseucpkdfmtjapanese",
}
# Labels that describe single-byte Western text. A Tokyo site sending
# non-ASCII bytes under one of these has mislabelled Japanese text.
_WESTERN_PREFIXES = ("iso-8859", "iso8859", "latin", "windows-125", "cp125")
_WESTERN_LABELS = {"us-ascii", "ascii", "l1", "iso_8859-1", "csisolatin1"}

# Byte-order marks, longest first so that UTF-32 is not read as UTF-16.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Declarations are ASCII, so they can be found before the encoding is known.
# Browsers look at the first 1024 bytes; a little more tolerates long heads.
_SNIFF_BYTES = 4096
_XML_DECLARATION = re.compile(
    rb"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([^"']+)["']""", re.IGNORECASE
)
# Covers both <meta charset="..."> and <meta http-equiv content="...charset=...">.
_META_CHARSET = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE
)
_CHARSET_PARAMETER = re.compile(r"""charset\s*=\s*["']?\s*([^"';\s]+)""", re.I)

_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")

_CHALLENGE_MARKERS = (
    "just a moment",
    "checking your browser",
    "attention required",
    "cf-browser-verification",
    "cf-challenge",
    "challenge-platform",
    "captcha",
    "enable javascript and cookies",
    "ddos protection",
    "access denied",
    "アクセスが集中",
    "ロボットではありません",
)
_FEED_ROOTS = {"rss", "rdf", "feed"}
# Processing instructions, comments and a doctype may come before the root.
_PROLOGUE = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->|<!doctype[^>]*>)", re.I | re.S)
_ROOT_ELEMENT = re.compile(r"\s*<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")


@dataclass(frozen=True)
class Decoded:
    text: str
    # Python codec name actually used, e.g. "cp932" or "utf-8".
    encoding: str
    warnings: tuple[str, ...] = ()


def codec_for_label(label: str | None) -> str | None:
    """The Python codec for a charset label, or None if it names none."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if name in _SHIFT_JIS_LABELS:
        return "cp932"
    if name in _EUC_JP_LABELS:
        return "euc_jp"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode(body: bytes, declared: str | None = None) -> Decoded:
    """Decode a response body, given its Content-Type header or charset label.

    Order: a byte-order mark; the header if the bytes agree with it; the
    document's own declaration; UTF-8; cp932; EUC-JP; and finally cp932 or
    UTF-8 with replacement characters and a warning.
    """
    if not body:
        return Decoded("", "utf-8")

    for bom, codec in _BOMS:
        if body.startswith(bom):
            return Decoded(body.decode(codec), codecs.lookup(codec).name)

    warnings: list[str] = []
    header_label = _charset_from_header(declared)
    document_label = _declared_in_document(body)
    header = _usable_codec(header_label, warnings, "header")
    document = _usable_codec(document_label, warnings, "document")
    ascii_only = body.isascii()

    # A Western label on non-ASCII bytes is the server default, not a fact
    # about this page; the in-document declaration and the bytes decide.
    if header and _is_western(header) and not ascii_only:
        warnings.append(f"ignored the header charset {header_label!r}")
        header = None
    if document and _is_western(document) and not ascii_only:
        warnings.append(f"ignored the declared charset {document_label!r}")
        document = None

    # XXX: a legacy Japanese header that the page itself contradicts with a
    # UTF-8 declaration loses when the bytes are valid UTF-8: UTF-8 bytes
    # often decode "cleanly" as cp932 into nonsense, the reverse almost never.
    if (
        header
        and header != "utf-8"
        and document == "utf-8"
        and not ascii_only
        and _decodes(body, "utf-8")
    ):
        warnings.append(f"the page declares UTF-8; ignored the header {header_label!r}")
        header = None

    candidates = []
    for codec in (header, document, "utf-8", "cp932", "euc_jp"):
        if codec and codec not in candidates:
            candidates.append(codec)

    for codec in candidates:
        text = _decodes(body, codec)
        if text is not None:
            if header and codec != header:
                warnings.append(
                    f"the bytes are not {header_label!r} as the header says;"
                    f" decoded as {codec}"
                )
            elif document and codec != document and codec != header:
                warnings.append(
                    f"the bytes are not {document_label!r} as the page says;"
                    f" decoded as {codec}"
                )
            return Decoded(text, codec, tuple(warnings))

    # Nothing fits: keep whichever of the two usual encodings loses less.
    attempts = {
        codec: _PRIVATE_USE.sub("\ufffd", body.decode(codec, errors="replace"))
        for codec in ("cp932", "utf-8")
    }
    codec = min(attempts, key=lambda codec: attempts[codec].count("\ufffd"))
    text = attempts[codec]
    warnings.append(
        f"no encoding decoded the body cleanly; decoded as {codec} with"
        f" {text.count(chr(0xFFFD))} replacement characters"
    )
    logger.debug("undecodable body (%s bytes); used %s", len(body), codec)
    return Decoded(text, codec, tuple(warnings))


def looks_like_html_challenge(text: str) -> bool:
    """Whether text is an HTML page, such as a bot challenge, not a feed."""
    root = _root_element(text)
    if root in _FEED_ROOTS:
        return False
    return root in {"html", "!doctype html"} or _has_challenge_marker(text)


def not_a_feed_reason(text: str) -> str | None:
    """Why a fetched feed body cannot be a feed, or None if it may be one.

    Lets a fetch fail with a reason instead of reporting "no new items".
    """
    if not text.strip(" \t\r\n\ufeff"):
        return "the response body is empty"
    root = _root_element(text)
    if root in _FEED_ROOTS:
        return None
    if _has_challenge_marker(text):
        return "the site answered with a bot-challenge page instead of the feed"
    if root in {"html", "!doctype html"}:
        return "the site answered with an HTML page instead of the feed"
    if root is None:
        return "the response is not XML"
    return f"the document root <{root}> is not RSS, RSS 1.0 or Atom"


def _charset_from_header(declared: str | None) -> str | None:
    if not declared:
        return None
    # A bare label ("Shift_JIS") or a whole Content-Type header value.
    if "/" not in declared and "=" not in declared and ";" not in declared:
        return declared.strip()
    match = _CHARSET_PARAMETER.search(declared)
    return match.group(1) if match else None


def _declared_in_document(body: bytes) -> str | None:
    head = body[:_SNIFF_BYTES]
    match = _XML_DECLARATION.search(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def _usable_codec(label: str | None, warnings: list[str], where: str) -> str | None:
    if label is None:
        return None
    codec = codec_for_label(label)
    if codec is None:
        warnings.append(f"unknown charset {label!r} in the {where}")
    return codec


def _is_western(codec: str) -> bool:
    return codec in _WESTERN_LABELS or codec.startswith(_WESTERN_PREFIXES)


def _decodes(body: bytes, codec: str) -> str | None:
    try:
        text = body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None
    # cp932 maps stray bytes and vendor-defined characters to the private use
    # area instead of failing; no reader could see those as text.
    if codec == "cp932" and _PRIVATE_USE.search(text):
        return None
    return text


def _root_element(text: str) -> str | None:
    """The root element's local name in lower case, "!doctype html", or None."""
    rest = text.lstrip("\ufeff")
    while True:
        match = _PROLOGUE.match(rest)
        if not match:
            break
        if match.group(0).strip().lower().startswith("<!doctype html"):
            return "!doctype html"
        rest = rest[match.end() :]
    match = _ROOT_ELEMENT.match(rest)
    return match.group(2).lower() if match else None


def _has_challenge_marker(text: str) -> bool:
    lowered = text[:20000].lower()
    return any(marker in lowered for marker in _CHALLENGE_MARKERS)
