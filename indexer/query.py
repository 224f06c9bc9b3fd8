"""Turning what a person typed into a bounded Whoosh query.

The box is forgiving: terms are ANDed and each is looked for in the texts and,
weighted lower, in the asker's, answerer's and department's names;
`"quoted phrases"` match the words as written (in the texts, the department or a
member's name), OR / NOT / -term / parentheses work, `word*` expands to its most
frequent words (a bounded number), and `heading:`, `question:`, `answer:`,
`dept:`, `asker:`, `answerer:`, `party:`, `uin:` and `house:` restrict a term to
one field (`dept:FCDO` takes a department's acronym, `departments.py`). A query
that is only a UIN (`51639`, `HL1234`, `uin 51639`) also finds that question,
first (`uin_query`). Anything Whoosh cannot parse falls back to the plain words
with a notice. Every query is bounded (length, terms, wildcard prefix) because
hostile queries are slow in Whoosh, not failing.
"""

from __future__ import annotations

import heapq
import re
from copy import copy
from dataclasses import dataclass

from whoosh import qparser, query
from whoosh.qparser import plugins, syntax

from .answer_html import clean_text
from .departments import names_for_acronym
from .describe import describe
from .errors import QueryTooComplex
from .schema import (
    EXACT_FIELD,
    FIELD_BOOSTS,
    PHRASE_ALSO_FIELDS,
    QUERY_FIELDS,
    STEMMED_FIELDS,
    default_fields,
    display_schema,
    english_analyzer,
    exact_analyzer,
    exact_counts_field,
)

MAX_QUERY_CHARS = 256
MAX_TERMS = 20
MAX_PHRASE_WORDS = 8
MIN_PREFIX_CHARS = 3
MAX_EXPANSIONS = 50
MAX_PREFIX_SCAN = 20_000  # words with one prefix read to find its most frequent (per segment)
MAX_UINS = 5
UIN_SCORE = 1000.0  # far above any text score: the question asked for comes first
_UIN = re.compile(r"(hl|hc)?(\d{1,6})", re.IGNORECASE)
_WORDS = re.compile(r"\w+")
_FIELD_PREFIX = re.compile(rf"(?<![\w:])({'|'.join(QUERY_FIELDS)}):", re.IGNORECASE)
_DISPLAY_SCHEMA = display_schema()
_SYNTAX = re.compile(r'["():*]|(?:^|\s)[-+]|\b(?:AND|OR|NOT)\b')
_TYPED = re.compile(r"\S+")
_PLAIN_WORD = re.compile(r"[A-Za-z0-9]+")
_OPERATORS = frozenset({"AND", "OR", "ANDNOT", "ANDMAYBE", "NOT", "REQUIRE"})  # Whoosh's OperatorsPlugin
PROXIMITY_BOOST = 1.0
PROXIMITY_SLOP = 1
_COUNTING = english_analyzer()
_EXACT = exact_analyzer()


@dataclass(frozen=True)
class ParsedQuery:
    query: query.Query
    understood: str
    notice: str | None = None


def parse_user_query(text: str, schema, field_boosts: dict[str, float] | None = None) -> ParsedQuery:
    """Parse the search box into a query, or raise QueryTooComplex with a reason.

    `field_boosts` weighs each default field (`schema.FIELD_BOOSTS` unless given: `ranking.Ranking`).
    """
    text = clean_text(text).strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QueryTooComplex(f"That query is too long: keep it under {MAX_QUERY_CHARS} characters.")
    if not text:
        return ParsedQuery(query.Every(), "everything")
    text = _FIELD_PREFIX.sub(lambda m: m.group(1).lower() + ":", text)
    notice = _unbalanced_notice(text)
    if not _SYNTAX.search(text):
        text, cut = _first_words(text)
        notice = f"Only the first {MAX_TERMS} words of your query were searched." if cut else notice
        plain = _plain_parse(text, schema, field_boosts) if notice is None else None
        if plain is not None:
            return plain
    try:
        parsed = _parser(schema, boosts=field_boosts).parse(text)
        _check_bounds(parsed)
    except QueryTooComplex:
        raise
    except Exception:  # Whoosh raises assorted errors on odd syntax; fall back to words
        parsed = None
    if parsed is None or parsed is query.NullQuery:
        words = " ".join(_WORDS.findall(text))
        parsed = _parser(schema, plain=True, boosts=field_boosts).parse(words) if words else query.NullQuery
        _check_bounds(parsed)
        notice = ("Your query's syntax could not be understood, so we searched for its words."
                  if parsed is not query.NullQuery else
                  "Your query has no words to search for: very common words are ignored.")
    understood = "nothing" if parsed is query.NullQuery else _understood(text, notice, parsed)
    return ParsedQuery(parsed, understood, notice)


def _plain_parse(text: str, schema, field_boosts: dict[str, float] | None) -> ParsedQuery | None:
    """What the parser and the echo make of words of ASCII letters and digits, built directly.

    Whoosh's parser spent 0.25 ms on a one-word query, and the echo parses it again
    (of a rare word's 6 ms at a million answers). Each such word is an OR of one
    term per default field, and two or more are ANDed: exactly the parser's
    query (tests/test_query_plain.py compares them). A word that is an operator, or
    that a field's analyzer makes into more than one term, and a query of stop
    words only, are left to the parser: None.
    """
    spans = [(m.start(), m.end()) for m in _TYPED.finditer(text)]
    plain = (_PLAIN_WORD.fullmatch(text, a, b) and text[a:b] not in _OPERATORS for a, b in spans)
    if not spans or not all(plain):
        return None
    parsed = _words_query(text, spans, schema, field_boosts or FIELD_BOOSTS)
    shown = _words_query(text, spans, _DISPLAY_SCHEMA, FIELD_BOOSTS)
    if parsed is None or shown is None:
        return None
    return ParsedQuery(parsed, describe(shown))


def _words_query(text: str, spans: list[tuple[int, int]], schema, boosts: dict[str, float]):
    """Per word, an OR of its term in each default field (none if a stop word); None if not that simple."""
    names = default_fields(schema)
    clauses, seen = [], []
    for start, end in spans:
        terms = [list(schema[name].process_text(text[start:end], mode="query")) for name in names]
        if all(not found for found in terms):
            continue  # a stop word: no field keeps it
        if any(len(found) != 1 for found in terms) or terms in seen:  # the parser drops a repeat
            return None
        seen.append(terms)
        clause = []
        for name, (term,) in zip(names, terms, strict=True):
            leaf = query.Term(name, term, boost=boosts.get(name, 1.0))
            leaf.startchar, leaf.endchar = start, end
            clause.append(leaf)
        clauses.append(query.Or(clause))
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else query.And(clauses)


def _first_words(text: str) -> tuple[str, bool]:
    """Cut a plain query (a pasted sentence, say) after MAX_TERMS words that count.

    Common words the index ignores do not count. Cutting beats refusing: the first
    twenty words of a passage are plenty to find it.
    """
    kept, seen = [], set()
    for word in text.split():
        tokens = {token.text for token in _COUNTING(word)}
        if tokens - seen and len(seen | tokens) > MAX_TERMS:
            return " ".join(kept), True
        seen |= tokens
        kept.append(word)
    return text, False


def _understood(text: str, notice: str | None, parsed: query.Query) -> str:
    """Describe the query in the words as typed (stems are unreadable), with its structure."""
    try:
        if notice and "syntax" in notice:
            shown = _parser(_DISPLAY_SCHEMA, plain=True).parse(" ".join(_WORDS.findall(text)))
        else:
            shown = _parser(_DISPLAY_SCHEMA, spread=False).parse(text)
        return describe(shown) if shown is not query.NullQuery else describe(parsed)
    except Exception:  # the description is a courtesy: never fail a search over it
        return describe(parsed)


def _unbalanced_notice(text: str) -> str | None:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0 or text.count('"') % 2:
        return "Unmatched quotes or brackets in your query were ignored."
    return None


def _parser(schema, plain: bool = False, spread: bool = True, boosts: dict[str, float] | None = None,
            ) -> qparser.QueryParser:
    """The box's parser; `spread=False` leaves phrases and acronyms as typed (for the echo).

    Built once per schema, kind and field boosts: a parser holds only its
    configuration, and building one (plugins, compiled taggers) cost more than
    parsing a short query.
    """
    key = (id(schema), plain, spread, tuple(sorted(boosts.items())) if boosts else None)
    cached = _PARSERS.get(key)
    if cached is None or cached[0] is not schema:
        if len(_PARSERS) >= MAX_CACHED_PARSERS:
            _PARSERS.clear()
        cached = _PARSERS[key] = (schema, _new_parser(schema, plain, spread, boosts))
    return cached[1]


_PARSERS: dict[tuple, tuple] = {}
MAX_CACHED_PARSERS = 32  # a few schemas (the live index's, the display one) by kinds and rankings


def _new_parser(schema, plain: bool, spread: bool, boosts: dict[str, float] | None) -> qparser.QueryParser:
    parser = qparser.MultifieldParser(
        list(default_fields(schema)), schema, fieldboosts=boosts or FIELD_BOOSTS, group=qparser.AndGroup
    )
    parser.remove_plugin_class(plugins.RangePlugin)
    parser.remove_plugin_class(plugins.BoostPlugin)
    parser.remove_plugin_class(plugins.WildcardPlugin)
    parser.remove_plugin_class(plugins.FieldsPlugin)
    if plain:
        parser.remove_plugin_class(plugins.OperatorsPlugin)
        parser.remove_plugin_class(plugins.PhrasePlugin)
        parser.remove_plugin_class(plugins.GroupPlugin)
        return parser
    fields = "|".join(QUERY_FIELDS)
    parser.add_plugin(plugins.FieldsPlugin(expr=rf"(?P<text>{fields}):", remove_unknown=True))
    parser.add_plugin(plugins.PrefixPlugin())
    parser.add_plugin(plugins.PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+(?=[\w\"(])",
                                              minusexpr=r"(?<![^\s(])-(?=[\w\"(])"))
    parser.add_plugin(_ExactWordsPlugin(spread))
    return parser


class _ExactWordsPlugin(plugins.Plugin):
    """Send unfielded phrases and prefixes to the unstemmed `exact` field; expand acronyms.

    Runs after explicit field names are applied (priority 100) and before the
    default fields are spread (110): a phrase matches the words as written, and
    `immigra*` expands over real words rather than over stems. With `spread`, an
    unfielded phrase is also matched in the department and the members' names
    (`"Department for Education"`), and `dept:DfE` means the department's names.
    """

    def __init__(self, spread: bool = True):
        self.spread = spread

    def filters(self, parser):
        return [(self.to_exact, 105)]

    def to_exact(self, parser, group):
        for i, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                self.to_exact(parser, node)
            elif isinstance(node, plugins.PhrasePlugin.PhraseNode) and node.fieldname is None and self.spread:
                group[i] = _phrase_everywhere(node, parser.schema)
            elif isinstance(node, plugins.PhrasePlugin.PhraseNode) and node.fieldname is None:
                node.set_fieldname(EXACT_FIELD)
            elif isinstance(node, plugins.PrefixPlugin.PrefixNode) and node.fieldname is None:
                node.set_fieldname(exact_counts_field(parser.schema))  # no positions needed
            elif (isinstance(node, plugins.PhrasePlugin.PhraseNode) and node.fieldname in parser.schema
                  and not parser.schema[node.fieldname].format.supports("positions")):
                group[i] = _phrase_in_field(node)
            elif (self.spread and isinstance(node, syntax.WordNode) and node.fieldname == "dept"
                  and names_for_acronym(node.text)):
                group[i] = _department_names(node)
        return group


def _phrase_everywhere(node, schema) -> syntax.GroupNode:
    """An unfielded phrase in `exact` OR in each of PHRASE_ALSO_FIELDS the index has with positions."""
    copies = []
    for field in (EXACT_FIELD, *PHRASE_ALSO_FIELDS):
        if field in schema and schema[field].format.supports("positions"):
            phrase = copy(node)
            phrase.set_fieldname(field, override=True)
            copies.append(phrase)
    return syntax.OrGroup(copies)


def _department_names(node) -> syntax.GroupNode:
    """`dept:FCDO`: each name the acronym stands for, as a phrase in `dept`."""
    phrases = []
    for name in names_for_acronym(node.text):
        phrase = plugins.PhrasePlugin.PhraseNode(name, 0)
        phrase.set_fieldname("dept", override=True)
        phrase.set_range(node.startchar, node.endchar)
        phrase.set_boost(node.boost)
        phrases.append(phrase)
    return syntax.OrGroup(phrases)


def _phrase_in_field(node) -> syntax.GroupNode:
    """`answer:"a b"` on a field indexed without positions: the phrase in `exact`, every word in the field.

    The stemmed text fields keep no positions (`schema.POSITIONLESS_FIELDS`), so
    the phrase is matched in `exact`, which holds the same text, and each of its
    words must also be in the field named. Indexes built before kept positions and
    match the phrase in the field itself.
    """
    field = node.fieldname
    phrase = copy(node)
    phrase.set_fieldname(EXACT_FIELD, override=True)
    words = []
    for word in _WORDS.findall(node.text):
        word_node = syntax.WordNode(word)
        word_node.set_fieldname(field, override=True)
        word_node.set_range(node.startchar, node.endchar)
        words.append(word_node)
    return syntax.AndGroup([phrase, *words])


def _check_bounds(parsed: query.Query) -> None:
    leaves = list(parsed.leaves()) if parsed.is_leaf() is False else [parsed]
    # A word or phrase typed once is searched in several fields: count it once, by where it was typed.
    typed = {(leaf.startchar, leaf.endchar) if getattr(leaf, "startchar", None) is not None else id(leaf)
             for leaf in leaves}
    if len(typed) > MAX_TERMS:
        raise QueryTooComplex(f"That query has too many terms: use at most {MAX_TERMS}.")
    for leaf in leaves:
        if isinstance(leaf, query.Prefix) and len(leaf.text) < MIN_PREFIX_CHARS:
            raise QueryTooComplex(
                f"A wildcard needs at least {MIN_PREFIX_CHARS} letters before the *.")
        if isinstance(leaf, query.Phrase) and len(leaf.words) > MAX_PHRASE_WORDS:
            raise QueryTooComplex(f"Phrases can have at most {MAX_PHRASE_WORDS} words.")


def typed_uins(text: str) -> list[str]:
    """The UINs a query made only of UINs names (`51639`, `HL1234`, `uin hc 51639`), else [].

    Returned as the UIN is written (`HL1234`); `HC` names the Commons form and is dropped.
    """
    tokens = re.sub(r"^\s*uin\b\s*:?", "", clean_text(text).strip(), flags=re.IGNORECASE)
    tokens = re.sub(r"\b(hl|hc)\s+(?=\d)", r"\1", tokens, flags=re.IGNORECASE).replace(",", " ").split()
    if not tokens or len(tokens) > MAX_UINS or not all(_UIN.fullmatch(t) for t in tokens):
        return []
    uins = []
    for token in tokens:
        house, number = _UIN.fullmatch(token).groups()
        uins.append(f"HL{number}" if (house or "").lower() == "hl" else number)
    return list(dict.fromkeys(uins))


def uin_query(uins: list[str]) -> query.Query | None:
    """The questions with these UINs, scored far above any text so they come first.

    A bare number may be a Commons UIN or a Lords one (`HL` and the number). The
    caller ORs this with the words, which are still searched.
    """
    forms = [form for uin in uins for form in ([uin.lower()] if uin.startswith("HL") else [uin, f"hl{uin}"])]
    if not forms:
        return None
    return query.ConstantScoreQuery(query.Or([query.Term("uin", form) for form in forms]), UIN_SCORE)


def with_proximity(parsed: query.Query, text: str, boost: float = PROXIMITY_BOOST) -> query.Query:
    """Let answers holding the typed words as one run, as written, rank first.

    Only for plain queries of a few words (no operators, quotes or fields). The run
    is matched in the unstemmed `exact` field, stop words included, as an optional
    clause: it reorders what the words matched and never adds or removes a match.
    """
    if _SYNTAX.search(text) or parsed is query.NullQuery:
        return parsed
    words = [w.lower() for w in _WORDS.findall(text)]
    if not 2 <= len(words) <= MAX_PHRASE_WORDS:
        return parsed
    return query.AndMaybe(parsed, query.Phrase(EXACT_FIELD, words, slop=PROXIMITY_SLOP, boost=boost))


def typed_words(parsed: query.Query, text: str) -> list[str]:
    """A plain query's words as `exact` holds them, each once, less those the stemmed fields drop.

    Empty for a query with syntax (operators, quotes, fields, prefixes): only
    plain words are scored again in `exact` (`ranking.with_exact_words`).
    """
    if _SYNTAX.search(text) or parsed is query.NullQuery:
        return []
    searched, _cut = _first_words(clean_text(text).strip())
    words = [token.text for token in _EXACT(searched)]
    return list(dict.fromkeys(word for word in words if any(True for _ in _COUNTING(word))))


def highlight_words(parsed: query.Query, analyzer) -> frozenset[str]:
    """Return the analysed forms of every searched word, for marking in any text field.

    Terms of the stemmed fields are stems already (stemming a stem again can cut it
    further: "lighthous" -> "lighthou"); unstemmed ones are analysed here.
    """
    words = set()
    for fieldname, text in parsed.iter_all_terms(phrases=True):
        if fieldname in ("uin", "house", "party"):
            continue
        value = text.decode() if isinstance(text, bytes) else str(text)
        if fieldname in STEMMED_FIELDS:
            words.add(value)
        else:
            words.update(token.text for token in analyzer(value))
    return frozenset(words)


def bound_expansions(parsed: query.Query, reader) -> query.Query:
    """Fit `parsed` to this index: bound each `word*`, drop phrase copies that cannot match.

    Each `word*` becomes an OR of its most frequent expansions (at most
    MAX_EXPANSIONS). Frequencies are read segment by segment as the lexicon is
    walked in order (no lookup per word); a segment stops after MAX_PREFIX_SCAN
    words with the prefix, so a prefix with more words than that ranks only the
    first ones of each segment. A phrase in one of PHRASE_ALSO_FIELDS with a word
    that field never holds matches nothing and is dropped, so a quoted phrase of
    ordinary words stays the one phrase in `exact` it always was.
    """
    pruned = False

    def bounded(node):
        nonlocal pruned
        if isinstance(node, query.Prefix):
            frequency: dict[str, int] = {}
            for leaf, _offset in reader.leaf_readers():
                for scanned, (term, info) in enumerate(leaf.iter_prefix(node.fieldname, node.text)):
                    if scanned >= MAX_PREFIX_SCAN:
                        break
                    word = term.decode() if isinstance(term, bytes) else term
                    frequency[word] = frequency.get(word, 0) + info.doc_frequency()
            best = heapq.nsmallest(MAX_EXPANSIONS, frequency, key=lambda w: (-frequency[w], w))
            kept = [query.Term(node.fieldname, t, boost=node.boost) for t in best]
            return query.Or(kept) if kept else query.NullQuery
        if (isinstance(node, query.Phrase) and node.fieldname in PHRASE_ALSO_FIELDS
                and not all(reader.doc_frequency(node.fieldname, word) for word in node.words)):
            pruned = True
            return query.NullQuery
        return node

    fitted = parsed.accept(bounded)
    return fitted.normalize() if pruned else fitted
