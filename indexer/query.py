"""Turning what a person typed into a bounded Whoosh query.

The box is forgiving: terms are ANDed, `"quoted phrases"` match the words as
written, OR / NOT / -term / parentheses work, `word*` expands to a bounded number
of terms, and `heading:`, `question:`, `answer:`, `dept:`, `asker:`, `answerer:`,
`uin:` and `house:` restrict a term to one field. Anything Whoosh cannot parse
falls back to the plain words with a notice. Every query is bounded (length,
terms, wildcard prefix) because hostile queries are slow in Whoosh, not failing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from whoosh import qparser, query
from whoosh.qparser import plugins, syntax

from .answer_html import clean_text
from .errors import QueryTooComplex
from .schema import DEFAULT_FIELDS, EXACT_FIELD, FIELD_BOOSTS, QUERY_FIELDS

MAX_QUERY_CHARS = 256
MAX_TERMS = 20
MAX_PHRASE_WORDS = 8
MIN_PREFIX_CHARS = 3
MAX_EXPANSIONS = 50
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True)
class ParsedQuery:
    query: query.Query
    understood: str
    notice: str | None = None


def parse_user_query(text: str, schema) -> ParsedQuery:
    """Parse the search box into a query, or raise QueryTooComplex with a reason."""
    text = clean_text(text).strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QueryTooComplex(f"That query is too long: keep it under {MAX_QUERY_CHARS} characters.")
    if not text:
        return ParsedQuery(query.Every(), "everything")
    notice = _unbalanced_notice(text)
    try:
        parsed = _parser(schema).parse(text)
        _check_bounds(parsed)
    except QueryTooComplex:
        raise
    except Exception:  # Whoosh raises assorted errors on odd syntax; fall back to words
        parsed = None
    if parsed is None or parsed is query.NullQuery:
        words = " ".join(_WORDS.findall(text))
        parsed = _parser(schema, plain=True).parse(words) if words else query.NullQuery
        _check_bounds(parsed)
        notice = ("Your query's syntax could not be understood, so we searched for its words."
                  if parsed is not query.NullQuery else
                  "Your query has no words to search for: very common words are ignored.")
    understood = "nothing" if parsed is query.NullQuery else _describe(parsed)
    return ParsedQuery(parsed, understood, notice)


def _unbalanced_notice(text: str) -> str | None:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0 or text.count('"') % 2:
        return "Unmatched quotes or brackets in your query were ignored."
    return None


def _parser(schema, plain: bool = False) -> qparser.QueryParser:
    parser = qparser.MultifieldParser(
        list(DEFAULT_FIELDS), schema, fieldboosts=FIELD_BOOSTS, group=qparser.AndGroup
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
    parser.add_plugin(plugins.FieldsPlugin(expr=rf"(?P<text>(?i:{fields})):", remove_unknown=True))
    parser.add_plugin(plugins.PrefixPlugin())
    parser.add_plugin(plugins.PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+(?=[\w\"(])",
                                              minusexpr=r"(?<![^\s(])-(?=[\w\"(])"))
    parser.add_plugin(_ExactWordsPlugin())
    return parser


class _ExactWordsPlugin(plugins.Plugin):
    """Send unfielded phrases and prefixes to the unstemmed `exact` field.

    Runs after explicit field names are applied (priority 100) and before the
    default fields are spread (110): a phrase matches the words as written, and
    `immigra*` expands over real words rather than over stems.
    """

    def filters(self, parser):
        return [(self.to_exact, 105)]

    def to_exact(self, parser, group):
        for node in group:
            if isinstance(node, syntax.GroupNode):
                self.to_exact(parser, node)
            elif (isinstance(node, (plugins.PhrasePlugin.PhraseNode, plugins.PrefixPlugin.PrefixNode))
                  and node.fieldname is None):
                node.set_fieldname(EXACT_FIELD)
        return group


def _check_bounds(parsed: query.Query) -> None:
    leaves = list(parsed.leaves()) if parsed.is_leaf() is False else [parsed]
    if len(leaves) > MAX_TERMS:
        raise QueryTooComplex(f"That query has too many terms: use at most {MAX_TERMS}.")
    for leaf in leaves:
        if isinstance(leaf, query.Prefix) and len(leaf.text) < MIN_PREFIX_CHARS:
            raise QueryTooComplex(
                f"A wildcard needs at least {MIN_PREFIX_CHARS} letters before the *.")
        if isinstance(leaf, query.Phrase) and len(leaf.words) > MAX_PHRASE_WORDS:
            raise QueryTooComplex(f"Phrases can have at most {MAX_PHRASE_WORDS} words.")


def _describe(node: query.Query) -> str:
    """A short human description of the parsed query, stems shown as searched."""
    if isinstance(node, query.Every):
        return "everything"
    if isinstance(node, (query.Term, query.Phrase, query.Prefix)):
        return _describe_leaf(node)
    children = getattr(node, "subqueries", None) or (
        [node.a, node.b] if hasattr(node, "a") else [getattr(node, "query", node)])
    parts = [_describe(child) for child in children]
    if isinstance(node, query.Or) and len(set(parts)) == 1:
        return parts[0]
    if isinstance(node, query.AndNot):
        return f"{parts[0]} NOT {parts[1]}"
    if isinstance(node, query.Not):
        return f"NOT {parts[0]}"
    joiner = " OR " if isinstance(node, query.Or) else " AND "
    text = joiner.join(dict.fromkeys(parts))
    return f"({text})" if len(parts) > 1 and isinstance(node, query.Or) else text


def _describe_leaf(leaf) -> str:
    prefix = "" if leaf.fieldname in DEFAULT_FIELDS + (EXACT_FIELD,) else f"{leaf.fieldname}:"
    if isinstance(leaf, query.Phrase):
        return f'{prefix}"{" ".join(leaf.words)}"'
    if isinstance(leaf, query.Prefix):
        return f"{prefix}{leaf.text}*"
    return f"{prefix}{leaf.text}"


def highlight_words(parsed: query.Query, analyzer) -> frozenset[str]:
    """Return the analysed forms of every searched word, for marking in any text field."""
    words = set()
    for fieldname, text in parsed.iter_all_terms(phrases=True):
        if fieldname in ("uin", "house"):
            continue
        value = text.decode() if isinstance(text, bytes) else str(text)
        words.update(token.text for token in analyzer(value))
    return frozenset(words)


def bound_expansions(parsed: query.Query, reader) -> query.Query:
    """Replace each `word*` by an OR of its most frequent expansions (at most MAX_EXPANSIONS)."""

    def bounded(node):
        if isinstance(node, query.Prefix):
            prefix = node.text
            terms = []
            for term in reader.expand_prefix(node.fieldname, prefix):
                terms.append(term.decode() if isinstance(term, bytes) else term)
                if len(terms) >= MAX_EXPANSIONS * 20:
                    break
            terms.sort(key=lambda t: -reader.doc_frequency(node.fieldname, t))
            kept = [query.Term(node.fieldname, t, boost=node.boost) for t in terms[:MAX_EXPANSIONS]]
            return query.Or(kept) if kept else query.NullQuery
        return node

    return parsed.accept(bounded)
