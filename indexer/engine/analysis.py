"""An analyzer chain that indexes faster: each distinct word goes through the chain once.

Whoosh runs every token of every document through a generator per filter
(tokenise, lowercase, fold accents, stop, stem). Indexing a million answers is
mostly that, so `MemoAnalyzer` keeps the chain but, when indexing, maps each word
the tokenizer finds to the chain's output for it, computed once and remembered.
The tokens it yields are the chain's: same texts, same positions (stop words
renumbered exactly as `StopFilter` does), same boosts. Every other use (queries,
the highlighter's character offsets, keeping stop words) runs the chain itself.
"""

from __future__ import annotations

from whoosh.analysis import CompositeAnalyzer, StopFilter, Token

_STOPPED = None  # the memo's value for a word the chain drops
_UNSEEN = object()  # not in the memo yet


class MemoAnalyzer(CompositeAnalyzer):
    """A `CompositeAnalyzer` whose index-time tokens come from a per-word memo."""

    memo_limit = 1_000_000  # distinct words remembered before the memo starts again

    def __init__(self, *composables):
        super().__init__(*composables)
        stops = [item for item in self.items if isinstance(item, StopFilter)]
        self._renumber = any(stop.renumber for stop in stops)
        self._memo = {}
        self._last_text = self._last_positions = None

    def __getstate__(self):
        state = dict(self.__dict__)
        # The schema is pickled into every TOC: leave the memo and the last text out
        # (a TOC holds what it held before `term_positions` kept a text).
        state["_memo"] = {}
        state.pop("_last_text", None)
        state.pop("_last_positions", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.__dict__.setdefault("_memo", {})
        self.__dict__.setdefault("_last_text", None)
        self.__dict__.setdefault("_last_positions", None)

    def __call__(self, value, no_morph=False, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        if (mode != "index" or no_morph or chars or keeporiginal or not removestops
                or not tokenize or kwargs.keys() - {"boosts"}):
            return super().__call__(value, no_morph=no_morph, positions=positions, chars=chars,
                                    keeporiginal=keeporiginal, removestops=removestops,
                                    start_pos=start_pos, start_char=start_char,
                                    tokenize=tokenize, mode=mode, **kwargs)
        return self._index_tokens(value, positions, start_pos, mode)  # boosts: always 1.0 here

    def _index_tokens(self, value, positions, start_pos, mode):
        token = Token(positions, False, removestops=True, mode=mode)
        token.boost = 1.0
        token.stopped = False
        for term, pos in self._kept_terms(value, start_pos, self._renumber and positions):
            token.text = term
            if positions:
                token.pos = pos
            yield token

    def term_positions(self, value: str) -> dict[str, list[int]]:
        """Each term of `value` with its positions, as the tokens indexing yields them.

        The same terms and positions as `_index_tokens` with positions on, gathered
        per term in first-seen order (what Whoosh's formats gather from the tokens),
        for a build writer that needs no Token objects (building.BuildSegmentWriter).
        The answer for the last text is kept and handed out again for that same
        object: a document's `exact` and `exact_words` are one string analysed
        alike, a third of a build's analysis. Callers must not change it.
        """
        if value is self._last_text:
            return self._last_positions
        found: dict[str, list[int]] = {}
        memo, term_of, renumber = self._memo, self._term_of, self._renumber
        pos = None
        for i, word in enumerate(self._words(value)):  # `_kept_terms`, inlined: the build's hottest loop
            term = memo.get(word, _UNSEEN)
            if term is _UNSEEN:
                term = term_of(word)
            if term is _STOPPED:
                continue
            pos = i if pos is None or not renumber else pos + 1
            positions = found.get(term)
            if positions is None:
                found[term] = [pos]
            else:
                positions.append(pos)
        self._last_text, self._last_positions = value, found
        return found

    def _kept_terms(self, value: str, start_pos: int, renumber: bool):
        """(term, position) for each word the chain keeps, each word's term from the memo."""
        memo, term_of = self._memo, self._term_of
        pos = None
        for i, word in enumerate(self._words(value)):
            term = memo.get(word, _UNSEEN)
            if term is _UNSEEN:
                term = term_of(word)
            if term is _STOPPED:
                continue
            # StopFilter's renumbering: the first kept word keeps its place, the rest follow on
            pos = start_pos + i if pos is None or not renumber else pos + 1
            yield term, pos

    def _words(self, value: str) -> list[str]:
        """The words the tokenizer finds in `value`, in order."""
        expression = self.items[0].expression
        if expression.groups:  # findall would give the groups, not the words
            return [match.group(0) for match in expression.finditer(value)]
        return expression.findall(value)

    def _term_of(self, word: str):
        """Run one word through the chain and remember what comes out."""
        if len(self._memo) >= self.memo_limit:
            self._memo.clear()
        out = [t.text for t in super().__call__(word, mode="index")]
        # The tokenizer found `word` in the text, so alone it is one token again.
        term = out[0] if out else _STOPPED
        self._memo[word] = term
        return term


# Every index's table of contents pickles its schema, and so this class by module
# path: keep the path indexes have always named, so indexes written before and after
# the move into `indexer.engine` open with either code (`indexer/analysis.py`).
MemoAnalyzer.__module__ = "indexer.analysis"
