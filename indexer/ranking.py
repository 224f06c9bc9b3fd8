"""How matches are ordered: BM25's B and K1, field weights, and the clauses that only reorder.

A search matches what the stemmed fields match (`query.parse_user_query`); this
module decides the order. `Ranking` holds every choice, `RANKING` is the one
served, and `bench/relevance.py` measures any of them against FTS5 (the choices
and what each bought: docs/relevance.md).

Whoosh's BM25F scores each field on its own and adds the field scores, so a word
found in heading, question and answer is saturated and counted three times. The
`words` clause scores a plain query's typed words once more in `exact` (heading,
question and answer as one field, unstemmed; read from its positionless twin
`exact_words`, which scores the same): plain BM25 over the whole text,
which ranked known items far better at scale. Like the proximity clause it is
optional (`AndMaybe`), so it reorders matches and never adds or removes one; and
it is stock Whoosh, so `engine.matcharrays` computes it bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from whoosh import query, scoring

from .engine.weighting import CachedLengthBM25F
from .query import typed_words, with_proximity
from .schema import EXACT_FIELD, EXACT_WORDS_FIELD, FIELD_BOOSTS, default_fields, exact_counts_field

MIN_WORDS = 2  # typed words from which the `words` clause is added


@dataclass(frozen=True)
class Ranking:
    """Every ranking choice: weights of the stemmed fields, B and K1, the reordering clauses."""

    boosts: tuple[tuple[str, float], ...] = tuple(FIELD_BOOSTS.items())  # stemmed field -> weight
    words: float = 0.0  # weight of the typed words scored in `exact` (0: no such clause)
    proximity: float = 1.0  # weight of the typed words as one run (0: no such clause)
    proximity_from: int = 2  # typed words (less stop words) from which the run is scored
    B: float = 0.75
    K1: float = 1.2
    field_B: tuple[tuple[str, float], ...] = field(default=())  # B of one field, e.g. ("exact", 0.5)

    @property
    def field_boosts(self) -> dict[str, float]:
        return dict(self.boosts)

    def scored_fields(self, schema) -> tuple[str, ...]:
        """The fields plain words are scored in (their lengths are read before a first search)."""
        in_exact = (self.words or self.proximity) and EXACT_FIELD in schema
        twin = EXACT_WORDS_FIELD in schema  # the words clause's, and every `word*`'s
        return (*default_fields(schema), *([EXACT_FIELD] if in_exact else []),
                *([EXACT_WORDS_FIELD] if twin else []))

    def weighting(self) -> scoring.BM25F:
        """Stock Whoosh's BM25F with these parameters (the oracle the engine is held to)."""
        return scoring.BM25F(B=self.B, K1=self.K1, **self._field_B())

    def cached_weighting(self) -> CachedLengthBM25F:
        """The same model, reading field lengths once per segment (what searches use)."""
        return CachedLengthBM25F(B=self.B, K1=self.K1, **self._field_B())

    def ranked(self, parsed: query.Query, text: str, schema=None) -> query.Query:
        """`parsed` with the clauses that only reorder: the typed words in `exact`, then as a run.

        The words are scored in `exact`'s positionless twin when `schema` has it:
        the same scores, read at a sixth of the cost.
        """
        ranked = parsed
        if self.words:
            field = exact_counts_field(schema) if schema is not None else EXACT_FIELD
            ranked = with_exact_words(ranked, text, self.words, field)
        if self.proximity and len(typed_words(parsed, text)) >= self.proximity_from:
            ranked = with_proximity(ranked, text, self.proximity)
        return ranked

    def _field_B(self) -> dict[str, float]:
        """Per-field B; `exact`'s is its twin's too, so the words clause scores as in `exact`."""
        named = dict(self.field_B)
        if EXACT_FIELD in named:
            named.setdefault(EXACT_WORDS_FIELD, named[EXACT_FIELD])
        return {f"{name}_B": value for name, value in named.items()}


def with_exact_words(parsed: query.Query, text: str, boost: float, field: str = EXACT_FIELD) -> query.Query:
    """Also score the typed words in `exact`, where heading, question and answer are one field.

    Only words the stemmed fields search too (`typed_words`: no stop words), each
    once, and only for plain queries: the clause is optional and a word found in
    `exact` is in the stemmed fields, so it reorders and never changes the matches.
    Not for one word: `exact`'s postings of a common word cost as much again as
    the stemmed fields' (a search of one common word took twice as long), and
    the measured gain is on queries of two words and more.
    """
    words = typed_words(parsed, text)
    if len(words) < MIN_WORDS:
        return parsed
    return query.AndMaybe(parsed, query.Or([query.Term(field, w) for w in words], boost=boost))


# Chosen by bench/relevance.py (docs/relevance.md): the typed words in `exact` at weight 2; the
# run of words only from three words (for two it bought 0.007 and, with the words clause, cost a
# fifth more time on two- and three-word searches).
RANKING = Ranking(words=2.0, proximity_from=3)
