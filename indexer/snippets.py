"""Passages for a result: the best one to three ~300-character pieces with every match marked.

Snippets are made only for the page being shown (highlighting re-analyses text),
from the record's cleaned text, with the same English analyzer as the index so
stemmed forms ("smuggling" for `smuggle`) are marked too.
"""

from __future__ import annotations

from html import escape

from whoosh import highlight
from whoosh.analysis import Filter, Token

SNIPPET_CHARS = 300
JOIN_GAP = 40  # passages at most this many characters apart are shown as one
MEMO_WORDS = 200_000  # distinct words remembered by `snippet_analyzer` before it starts again


def passages(analyzer, question: str, answer: str, words: frozenset[str]) -> list[str]:
    """Up to one passage from the question and two from the answer, or the answer's opening."""
    found = _marked(analyzer, question, words, 1) + _marked(analyzer, answer, words, 2)
    if not found:
        return [opening(answer or question)] if (answer or question) else []
    return found


def _marked(analyzer, text: str, words: frozenset[str], top: int) -> list[str]:
    if not text or not words:
        return []
    # charlimit=None: matches past Whoosh's default 32 KB would give empty snippets.
    fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=90, charlimit=None)
    formatter = highlight.HtmlFormatter(tagname="mark", between="\x00")
    # As whoosh.highlight.highlight, with touching passages joined into one.
    tokens = analyzer(text, chars=True, mode="query", removestops=False)
    tokens = highlight.set_matched_filter(tokens, words)
    fragments = _joined(text, fragmenter.fragment_tokens(text, tokens), 2 * SNIPPET_CHARS)
    fragments = highlight.top_fragments(fragments, top, _earliest_first, highlight.FIRST, (1,))
    # The chosen ones are all shown anyway: join those that touch, whatever their length.
    marked = formatter(text, _joined(text, fragments, None))
    return [part.strip() for part in marked.split("\x00") if "<mark" in part]


def _joined(text: str, fragments, longest: int | None) -> list:
    """Join passages (in text order) that touch or are a few characters apart.

    Two passages cut from one run of text would read as two separate quotations,
    the first ending mid-sentence and the second starting mid-sentence. Before the
    best are chosen (a joined passage scores its matches together) a join stops
    at `longest` characters; None joins whatever touches.
    """
    out = []
    for fragment in fragments:
        if not fragment.matches:  # Whoosh's fragmenter can yield empty ones, starting at 0
            continue
        last = out[-1] if out else None
        if (last is not None and fragment.startchar - last.endchar <= JOIN_GAP
                and (longest is None or fragment.endchar - last.startchar <= longest)):
            out[-1] = highlight.Fragment(text, last.matches + fragment.matches,
                                         last.startchar, max(last.endchar, fragment.endchar))
        else:
            out.append(fragment)
    return out


def _earliest_first(fragment) -> tuple:
    """Whoosh's passage score, ties going to the earlier passage.

    Whoosh breaks ties between equally good passages by comparing the objects'
    memory addresses (`Fragment.__lt__`), so the same answer could show different
    passages from one call to the next; with the position in the key it never
    compares fragments. Compared with `minscore=(1,)`, exactly the passages whose
    score reaches 1 are kept, as before.
    """
    return highlight.BasicFragmentScorer()(fragment), -fragment.startchar


def opening(text: str) -> str:
    """The first ~300 characters of `text`, escaped, cut at a word."""
    text = " ".join(text.split())
    cut = text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …" if len(text) > SNIPPET_CHARS else text
    return escape(cut)


def snippet_analyzer(analyzer):
    """`analyzer` with its filters run once per distinct word: the same tokens, faster.

    Highlighting re-analyses every shown answer; lowercasing, accent folding, stop
    words and stemming depend only on the word, so their result is remembered.
    """
    tokenizer, *filters = analyzer.items
    return tokenizer | _RememberedFilters(filters)


class _RememberedFilters(Filter):
    """Replay what `filters` make of each word (text and stopped flag) from a dict."""

    def __init__(self, filters):
        self.filters = list(filters)
        self.memo: dict[str, tuple[str, bool]] = {}

    def __call__(self, tokens):
        memo = self.memo
        for token in tokens:
            found = memo.get(token.text)
            if found is None:
                found = self._normalise(token.text)
                if len(memo) >= MEMO_WORDS:
                    memo.clear()
                memo[token.text] = found
            token.text, token.stopped = found
            yield token

    def _normalise(self, text: str) -> tuple[str, bool]:
        token = Token(positions=False, chars=False, removestops=False, mode="query")
        token.text, token.stopped = text, False
        stream = iter([token])
        for step in self.filters:
            stream = step(stream)
        out = list(stream)
        if len(out) != 1:  # the analyzer's filters map one word to one token
            raise ValueError(f"filters changed the number of tokens for {text!r}")
        return out[0].text, bool(out[0].stopped)
