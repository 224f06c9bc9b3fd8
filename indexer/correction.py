"""What a correction changed: the original and corrected answers as one word-level diff.

Pure and safe by construction: the diff is built from the answers' clean text
(paragraphs, list items and table rows kept as text_from_html lays them out), and
every word is escaped, so the only tags in the result are `<p>`, `<br>`, `<del>`
and `<ins>`. Paragraph breaks from either text are kept, so a paragraph that was
deleted or added shows as a paragraph of its own.
"""

from __future__ import annotations

import html as html_lib
import re
from difflib import SequenceMatcher

from .records import Answer

# SequenceMatcher is quadratic at worst (two 4,000-word texts of common words: 1.5 s).
# Up to this many word pairs it compares every word (0.3 s at worst). Longer texts are
# matched paragraph by paragraph first, then word by word inside changed paragraphs;
# a pair still too long lets frequent words not start a match (autojunk), which is
# fast but may show more as replaced than was.
EXACT_DIFF_PAIRS = 4_000_000
_TOKENS = re.compile(r"\n\s*\n|\n|[^\s]+")
_INLINE_MARKS = re.compile(r"<(?:del|ins)\b")
PARAGRAPH, LINE = "\n\n", "\n"


def correction_diff_html(answer: Answer) -> str:
    """Return the diff of a corrected answer against its original, or "" when there is none to show."""
    if not answer.is_correction or not answer.original_answer_text.strip():
        return ""
    if answer.original_answer_text == answer.answer_text:
        return ""
    return diff_html(answer.original_answer_text, answer.answer_text)


def has_inline_marks(safe_html: str) -> bool:
    """Whether answer HTML marks its own correction with `<del>`/`<ins>` (older corrections do)."""
    return bool(_INLINE_MARKS.search(safe_html or ""))


def diff_html(old_text: str, new_text: str) -> str:
    """Return `old_text` -> `new_text` as HTML paragraphs with `<del>` and `<ins>` runs of words."""
    old, new = _tokens(old_text), _tokens(new_text)
    paragraphs: list[list[str]] = [[]]
    for tag, i1, i2, j1, j2 in _opcodes(old, new):
        if tag == "equal":
            _add_run(paragraphs, old[i1:i2], None)
            continue
        _add_run(paragraphs, old[i1:i2], "del")
        _add_run(paragraphs, new[j1:j2], "ins")
    return "".join(f"<p>{' '.join(p).replace(' <br> ', '<br>')}</p>" for p in paragraphs if p)


def _opcodes(old: list[str], new: list[str]) -> list[tuple[str, int, int, int, int]]:
    """Edit operations old -> new over tokens, bounded in time for long texts."""
    if len(old) * len(new) <= EXACT_DIFF_PAIRS:
        return SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    old_spans, new_spans = _line_spans(old), _line_spans(new)
    lines = SequenceMatcher(None, [tuple(old[a:b]) for a, b in old_spans],
                            [tuple(new[a:b]) for a, b in new_spans],
                            autojunk=len(old_spans) * len(new_spans) > EXACT_DIFF_PAIRS)
    result = []
    for tag, i1, i2, j1, j2 in lines.get_opcodes():
        a0, a1 = _span(old_spans, i1, i2)
        b0, b1 = _span(new_spans, j1, j2)
        if tag == "equal":
            result.append(("equal", a0, a1, b0, b1))
            continue
        words = SequenceMatcher(None, old[a0:a1], new[b0:b1],
                                autojunk=(a1 - a0) * (b1 - b0) > EXACT_DIFF_PAIRS)
        result += [(t, a0 + x1, a0 + x2, b0 + y1, b0 + y2) for t, x1, x2, y1, y2 in words.get_opcodes()]
    return result


def _line_spans(tokens: list[str]) -> list[tuple[int, int]]:
    """(start, end) of each line of tokens, its closing break included."""
    spans, start = [], 0
    for index, token in enumerate(tokens):
        if token in (PARAGRAPH, LINE):
            spans.append((start, index + 1))
            start = index + 1
    if start < len(tokens):
        spans.append((start, len(tokens)))
    return spans


def _span(spans: list[tuple[int, int]], first: int, last: int) -> tuple[int, int]:
    """The token range lines first..last-1 cover (empty, at the right place, when first == last)."""
    if first < last:
        return spans[first][0], spans[last - 1][1]
    at = spans[first][0] if first < len(spans) else (spans[-1][1] if spans else 0)
    return at, at


def _tokens(text: str) -> list[str]:
    """Words, with paragraph and line breaks as tokens of their own."""
    return [PARAGRAPH if t.strip() == "" and t.count("\n") > 1 else t
            for t in _TOKENS.findall(text or "")]


def _add_run(paragraphs: list[list[str]], tokens: list[str], tag: str | None) -> None:
    """Append tokens to the paragraphs, each stretch of words wrapped in `tag` (when given)."""
    words: list[str] = []

    def flush():
        if words:
            text = html_lib.escape(" ".join(words), quote=False)
            paragraphs[-1].append(f"<{tag}>{text}</{tag}>" if tag else text)
            words.clear()

    for token in tokens:
        if token in (PARAGRAPH, LINE):
            flush()
            if token == PARAGRAPH:
                paragraphs.append([])
            elif paragraphs[-1]:
                paragraphs[-1].append("<br>")
        else:
            words.append(token)
    flush()
