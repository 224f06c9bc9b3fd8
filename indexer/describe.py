"""Echoing a parsed query in readable form: operators in capitals, fields named once.

A word typed without a field is searched in every default field (the texts, and
the names where the index has them); the description shows it once, bare, as it
was typed.
"""

from __future__ import annotations

from whoosh import query

from .schema import DEFAULT_FIELDS, EXACT_FIELD, EXACT_WORDS_FIELD, TEXT_FIELDS


def describe(node: query.Query) -> str:
    """A short human description of the parsed query: operators in capitals, fields named."""
    if isinstance(node, query.Every):
        return "everything"
    if isinstance(node, (query.Term, query.Phrase, query.Prefix)):
        return _describe_leaf(node)
    children = getattr(node, "subqueries", None) or (
        [node.a, node.b] if hasattr(node, "a") else [getattr(node, "query", node)])
    if _is_default_spread(node, children):
        return _describe_leaf(children[0], bare=True)
    parts = _describe_or_parts(children) if isinstance(node, query.Or) else [
        describe(child) for child in children]
    if isinstance(node, query.AndNot):
        return f"{parts[0]} NOT {parts[1]}"
    if isinstance(node, query.Not):
        return f"NOT {parts[0]}"
    joiner = " OR " if isinstance(node, query.Or) else " AND "
    text = joiner.join(dict.fromkeys(parts))
    return f"({text})" if len(parts) > 1 and isinstance(node, query.Or) else text


def _is_default_spread(node, children) -> bool:
    """True for the OR over the default fields that one unfielded word becomes."""
    fields = [getattr(c, "fieldname", None) for c in children]
    return (isinstance(node, query.Or) and len(set(fields)) == len(fields)
            and all(isinstance(c, (query.Term, query.Phrase, query.Prefix)) for c in children)
            and set(TEXT_FIELDS) <= set(fields) <= set(DEFAULT_FIELDS)
            and len({_describe_leaf(c, bare=True) for c in children}) == 1)


def _describe_or_parts(children) -> list[str]:
    """Describe OR branches, showing a word spread over all default fields once, bare."""
    leaves = [c for c in children if isinstance(c, (query.Term, query.Phrase, query.Prefix))]
    fields_by_text: dict[str, set] = {}
    for leaf in leaves:
        fields_by_text.setdefault(_describe_leaf(leaf, bare=True), set()).add(leaf.fieldname)
    spread = {t for t, f in fields_by_text.items() if set(TEXT_FIELDS) <= f}
    parts = []
    for child in children:
        bare = child in leaves and _describe_leaf(child, bare=True) in spread
        parts.append(_describe_leaf(child, bare=True) if bare else describe(child))
    return parts


def _describe_leaf(leaf, bare: bool = False) -> str:
    prefix = "" if bare or leaf.fieldname in (EXACT_FIELD, EXACT_WORDS_FIELD) else f"{leaf.fieldname}:"
    if isinstance(leaf, query.Phrase):
        return f'{prefix}"{" ".join(leaf.words)}"'
    if isinstance(leaf, query.Prefix):
        return f"{prefix}{leaf.text}*"
    return f"{prefix}{leaf.text}"
