"""The stylesheet defines every custom property it uses (an undefined one silently drops the rule)."""

from __future__ import annotations

import tinycss2

from tests.conftest import REPO

STYLESHEET = REPO / "webapp" / "static" / "wrans.css"


def _walk(tokens):
    """Every token, nested blocks and function arguments included."""
    for token in tokens or ():
        yield token
        if token.type in ("() block", "[] block", "{} block", "function"):
            yield from _walk(token.arguments if token.type == "function" else token.content)


def custom_properties(css: str) -> tuple[set[str], dict[str, int]]:
    """(names defined anywhere, {name used in var(): line of first use})."""
    defined, used = set(), {}
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type == "error":
            raise AssertionError(f"wrans.css line {rule.source_line}: {rule.message}")
        blocks = [rule.content] if rule.type == "qualified-rule" else []
        if rule.type == "at-rule" and rule.content:  # @media: its rules are inside
            nested = tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)
            blocks = [r.content for r in nested if r.type == "qualified-rule"]
        for block in blocks:
            for decl in tinycss2.parse_blocks_contents(block, skip_comments=True, skip_whitespace=True):
                if decl.type != "declaration":
                    continue
                if decl.name.startswith("--"):
                    defined.add(decl.name)
                for token in _walk(decl.value):
                    if token.type == "function" and token.lower_name == "var":
                        name = next(t for t in token.arguments if t.type == "ident").value
                        used.setdefault(name, token.source_line)
    return defined, used


def test_every_custom_property_used_is_defined():
    defined, used = custom_properties(STYLESHEET.read_text(encoding="utf-8"))
    assert len(used) >= 10  # the parser sees the stylesheet's var() uses at all
    undefined = {name: line for name, line in used.items() if name not in defined}
    assert undefined == {}, f"wrans.css uses custom properties it never defines: {undefined}"


def test_an_undefined_property_is_caught():
    defined, used = custom_properties(":root { --a: red; } @media print { p { color: var(--b); } }")
    assert defined == {"--a"} and used == {"--b": 1}
