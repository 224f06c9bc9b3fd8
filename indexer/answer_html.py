"""Answer HTML from the API, turned into clean text for the index and safe HTML for pages.

Both functions are pure. The text keeps the shape a reader relies on: paragraphs
are separated by a blank line, list items and table rows get a line each (items
with a bullet, cells joined by " | "), so "key activities:" followed by a list
stays readable in snippets. Text inside `<del>` (the old wording of a corrected
answer) is left out of the text: search finds what the answer says now.
"""

from __future__ import annotations

import html as html_lib
import re
import unicodedata
import warnings

import nh3
from bs4 import BeautifulSoup, Comment, MarkupResemblesLocatorWarning, NavigableString, Tag

# An answer is HTML from the API, never a file name or URL to open: Beautiful Soup's
# guess that a short one without tags (a bare link) might be is noise in the logs.
warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"\s+")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_EMPTY_PARAGRAPH = re.compile(r"<p>(?:\s|&nbsp;|\xa0|<br>)*</p>")
_TAG = re.compile(r"<[^>]*>")
_SAFE_TAG = re.compile(r"<(/?)([a-z0-9]+)")
_VOID = {"br", "hr"}
# Deeper than any real answer; beyond it the HTML is read as plain text (the tree
# walk would exhaust Python's recursion limit).
MAX_NESTING = 200
MARK_CHARS = 100_000  # longer than real answers but for a few huge tables

_BLOCKS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section", "article",
    "ul", "ol", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "caption", "pre",
    "header", "footer", "address", "figure", "hr",
}
_DROPPED = ("del", "script", "style", "head", "title", "iframe", "object", "template")
# A start tag of one of them: without one, the (slow) search of the tree for them is skipped.
_DROPPED_START = re.compile(rf"<(?:{'|'.join(_DROPPED)})(?![^\s/>])", re.IGNORECASE)
_LINE_KINDS = {"li", "tr"}

SAFE_TAGS = {
    "p", "br", "ul", "ol", "li", "table", "thead", "tbody", "tfoot", "tr", "td", "th",
    "caption", "strong", "b", "em", "i", "u", "a", "del", "ins", "sup", "sub", "h3", "h4",
    "h5", "h6", "blockquote", "pre", "dl", "dt", "dd", "hr",
}
SAFE_ATTRIBUTES = {
    "a": {"href", "title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}


def clean_text(text: str | None) -> str:
    """Normalise text from outside: NFC, no control or bidi characters, no lone surrogates."""
    if not text:
        return ""
    text = str(text).encode("utf-8", "replace").decode("utf-8")
    text = unicodedata.normalize("NFC", text)
    return _CONTROL.sub("", text)


def text_from_html(fragment: str | None) -> str:
    """Return the readable text of an answer's HTML, paragraphs and lists kept apart."""
    fragment = clean_text(fragment)
    if not fragment.strip():
        return ""
    if "<" not in fragment and "&" not in fragment:
        return _plain_text(fragment)  # nearly every question: a build parsed each one
    return _parsed_text(fragment)


def _plain_text(fragment: str) -> str:
    """`_parsed_text` of text without tags or entities, which parses as one string."""
    blocks = _Blocks()
    blocks.add_inline(fragment)
    return blocks.text()


def _parsed_text(fragment: str) -> str:
    soup = BeautifulSoup(fragment, "html.parser")
    if _is_too_deep(soup):
        return _SPACES.sub(" ", html_lib.unescape(_TAG.sub(" ", fragment))).strip()
    if _DROPPED_START.search(fragment):
        for tag in soup.find_all(_DROPPED):
            tag.decompose()
    blocks = _Blocks()
    _walk(soup, blocks)
    return blocks.text()


def safe_html_from_html(fragment: str | None) -> str:
    """Return the answer HTML reduced to an allowlist of tags, fit to render as it is."""
    fragment = clean_text(fragment)
    if not fragment.strip():
        return ""
    if "<" not in fragment:
        paragraphs = [p.strip() for p in _PARAGRAPH_BREAK.split(fragment) if p.strip()]
        return "".join(f"<p>{html_lib.escape(p)}</p>" for p in paragraphs)
    cleaned = nh3.clean(
        fragment,
        tags=SAFE_TAGS,
        attributes=SAFE_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
        strip_comments=True,
    )
    cleaned = _EMPTY_PARAGRAPH.sub("", cleaned).strip()
    if _safe_html_depth(cleaned) > MAX_NESTING:
        return safe_html_from_html(html_lib.escape(text_from_html(fragment), quote=False))
    return cleaned


def _is_too_deep(soup: BeautifulSoup) -> bool:
    """Whether any element sits more than MAX_NESTING elements deep (found without recursion)."""
    stack = [(soup, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            return True
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, Tag))
    return False


def _safe_html_depth(safe: str) -> int:
    """The deepest nesting of well-formed (sanitised) HTML, counted from its tags."""
    depth = deepest = 0
    for closing, name in _SAFE_TAG.findall(safe):
        if name not in _VOID:
            depth += -1 if closing else 1
            deepest = max(deepest, depth)
    return deepest


class _Blocks:
    """Collects inline text into blocks and joins them with the right separators."""

    def __init__(self):
        self.blocks: list[tuple[str, str]] = []
        self.line: list[str] = []
        self.kind = "p"

    def add_inline(self, text: str) -> None:
        parts = _PARAGRAPH_BREAK.split(text)
        for index, part in enumerate(parts):
            if index:
                self.flush()
            self.line.append(part)

    def flush(self, kind: str | None = None) -> None:
        text = _SPACES.sub(" ", "".join(self.line)).strip()
        if text:
            self.blocks.append((kind or self.kind, text))
        self.line = []

    def add_block(self, kind: str, text: str) -> None:
        self.flush()
        text = _SPACES.sub(" ", text).strip()
        if text:
            self.blocks.append((kind, text))

    def text(self) -> str:
        self.flush()
        out: list[str] = []
        previous = None
        for kind, text in self.blocks:
            if out:
                out.append("\n" if kind in _LINE_KINDS and kind == previous else "\n\n")
            out.append(text)
            previous = kind
        return "".join(out)


def _walk(node: Tag, blocks: _Blocks) -> None:
    for child in node.children:
        if isinstance(child, Comment):
            continue
        if isinstance(child, NavigableString):
            blocks.add_inline(str(child))
        elif child.name == "br":
            blocks.flush()
        elif child.name == "li":
            blocks.flush()
            blocks.add_block("li", "• " + _inline_text(child))
        elif child.name == "tr":
            cells = [_inline_text(cell) for cell in child.find_all(["td", "th"], recursive=False)]
            blocks.add_block("tr", " | ".join(c for c in cells if c))
        elif child.name in _BLOCKS:
            blocks.flush()
            _walk(child, blocks)
            blocks.flush()
        else:
            _walk(child, blocks)


def _inline_text(tag: Tag) -> str:
    """Flatten a list item or table cell (nested lists included) into one line."""
    inner = _Blocks()
    _walk(tag, inner)
    return " ".join(text for _, text in inner.blocks + ([("p", "".join(inner.line))] if inner.line else []))


def mark_words_in_html(fragment: str, words: frozenset[str], analyzer) -> str:
    """Wrap every word of safe HTML whose analysed form is in `words` in `<mark>`.

    Works on text nodes only, so tags and attributes are never touched; the
    analyzer is the index's, so stemmed forms are marked as the search matched them.
    Only the first MARK_CHARS characters of text are looked at, so a huge answer
    and a query from the URL cannot hold a worker for seconds.
    """
    if not fragment or not words:
        return fragment
    soup = BeautifulSoup(fragment, "html.parser")
    budget = MARK_CHARS
    for node in list(soup.find_all(string=True)):
        if isinstance(node, Comment) or node.parent.name == "mark":
            continue
        text = str(node)
        if budget <= 0:
            break
        looked_at = text[:budget]
        budget -= len(looked_at)
        spans = [(t.startchar, t.endchar) for t in analyzer(looked_at, chars=True, removestops=False)
                 if t.text in words]
        if not spans:
            continue
        pieces, last = [], 0
        for start, end in spans:
            pieces.append(html_lib.escape(text[last:start], quote=False))
            pieces.append(f"<mark>{html_lib.escape(text[start:end], quote=False)}</mark>")
            last = end
        pieces.append(html_lib.escape(text[last:], quote=False))
        node.replace_with(BeautifulSoup("".join(pieces), "html.parser"))
    return str(soup)
