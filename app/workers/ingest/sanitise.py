"""Making partner HTML safe to show, and reading text out of it."""

import html
import logging
import re
from urllib.parse import urljoin

import nh3
from bs4 import BeautifulSoup, NavigableString, Tag

logger = logging.getLogger(__name__)

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "div", "dl",
    "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "li", "ol", "p", "pre", "rp", "rt", "ruby", "s", "small", "span",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "u", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
_URL_ATTRIBUTES = {("a", "href"), ("img", "src")}
_SCHEMES = {"http", "https", "mailto", "tel"}

# Elements whose start or end is a line break in the text a reader sees.
_BLOCKS = {
    "address", "article", "blockquote", "br", "caption", "dd", "div", "dl", "dt",
    "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "ol", "p", "pre", "section", "table", "td",
    "th", "tr", "ul",
}  # fmt: skip
_INVISIBLE = {"script", "style", "template", "noscript", "head"}

# Markup that arrived escaped once too often: &lt;p&gt; where <p> was meant.
_ESCAPED_TAG = re.compile(r"&lt;/?[A-Za-z][^<>]*?&gt;")
_REAL_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#\d{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_BLANK_LINES = re.compile(r"[ \t]*\n[\s]*\n[ \t\n]*")


def unescape_title(title: str) -> str:
    """A title whose entities were escaped twice (``&amp;amp;``), decoded once more.

    Feed titles are text, so an entity still in them after parsing was meant
    as the character.
    """
    if _ENTITY.search(title):
        return html.unescape(title)
    return title


def unescape_markup(fragment: str) -> str:
    """HTML that was escaped once too often, as markup again."""
    if _ESCAPED_TAG.search(fragment) and not _REAL_TAG.search(fragment):
        return html.unescape(fragment)
    return fragment


def sanitise_html(fragment: str, base_url: str | None) -> str:
    """Safe HTML: no scripts or event attributes; links and images absolute.

    Relative addresses are resolved against ``base_url``, the item's own page,
    because that is where the author saw them work.
    """

    def absolute(tag: str, attribute: str, value: str) -> str | None:
        if (tag, attribute) in _URL_ATTRIBUTES and base_url:
            return urljoin(base_url, value.strip())
        return value

    return nh3.clean(
        fragment,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        attribute_filter=absolute,
        link_rel="noopener noreferrer nofollow",
    ).strip()


def block_text(node: Tag | BeautifulSoup | None) -> str:
    """The text a reader sees: blocks on their own lines, inline text joined."""
    if node is None:
        return ""
    parts: list[str] = []
    _collect(node, parts)
    text = "".join(parts).replace("\xa0", " ")
    lines = [line.strip(" \t") for line in text.split("\n")]
    return _BLANK_LINES.sub("\n", "\n".join(lines)).strip()


def html_text(fragment: str) -> str:
    return block_text(BeautifulSoup(fragment, "html.parser"))


def _collect(node: Tag, parts: list[str]) -> None:
    for child in node.children:
        if isinstance(child, NavigableString):
            if type(child) is NavigableString:
                # Source line breaks inside a block are layout, not text.
                parts.append(re.sub(r"[\r\n\t]+", " ", str(child)))
            continue
        if not isinstance(child, Tag) or child.name in _INVISIBLE:
            continue
        block = child.name in _BLOCKS
        if block:
            parts.append("\n")
        _collect(child, parts)
        if block:
            parts.append("\n")
