"""Response types: what kind of reply an answer is, from a small table of phrase rules.

Researchers study how ministers decline or defer ("could only be obtained at
disproportionate cost", "not held centrally", "I will write to the hon. Member").
Each rule below is a regular expression over the answer's plain text; an answer
gets every type whose rule matches (zero or more), in `RESPONSE_TYPES` order.
`not_held_centrally` wins over `not_held` (a department saying it does not hold
something centrally is not saying it holds nothing), and a record the API flags
as a holding answer is `holding` whatever its words.

The rules' precision and recall are measured against 73 hand-labelled real
answers in `tests/fixtures/response_labels.json` (tests/test_responses.py).
"""

from __future__ import annotations

import re

from .records import Answer

RESPONSE_TYPES = ("disproportionate_cost", "not_held", "not_held_centrally", "will_write",
                  "refers_to_earlier_answer", "holding", "policy_not_to_comment")
RESPONSE_LABELS = {
    "disproportionate_cost": "Disproportionate cost",
    "not_held": "Information not held",
    "not_held_centrally": "Not held centrally",
    "will_write": "Will write",
    "refers_to_earlier_answer": "Refers to an earlier answer",
    "holding": "Holding answer",
    "policy_not_to_comment": "Declines to comment",
}

_INFO = r"(?:information|data|figures?|statistics|records?|details?)"
_RULES = {
    "disproportionate_cost": (
        r"disproportionate(?:ly)?\s+(?:cost|expense)|exceed(?:s|ing)?\s+the\s+(?:cost\s+limit|"
        r"disproportionate\s+cost\s+threshold)|cost\s+limit\s+for\s+answering"),
    "not_held_centrally": (
        r"not\s+(?:held|collected|recorded|retained|collated|kept|available)\s+centrally|"
        r"(?:does|do)\s+not\s+(?:hold|collect|record|retain|collate|keep)\s+(?:this\s+|the\s+|such\s+|"
        r"that\s+|these\s+)?" + _INFO + r"\s+centrally|no\s+central\s+record"),
    "not_held": (
        _INFO + r"\s+(?:requested\s+|sought\s+)?(?:is|are|was|were)\s+not\s+(?:held|collected|"
        r"recorded|retained|collated|kept|available\s+in\s+the\s+(?:format|form))|"
        r"(?:does|do|did)\s+not\s+(?:hold|collect|record|retain|collate|keep)\s+(?:any\s+)?(?:this\s+|the\s+|"
        r"such\s+|that\s+|these\s+)?(?:\w+\s+){0,2}?" + _INFO + r"|"
        r"(?:is|are)\s+not\s+collated\s+by|no\s+(?:such\s+)?(?:information|data|records?)\s+(?:is|are)\s+held"),
    "will_write": (
        r"\bwill\s+write\s+to\s+(?:the|my)\b|\bI\s+shall\s+write\s+to\b|"
        r"\b(?:I|we)\s+will\s+write\s+(?:to\s+(?:him|her|them)|shortly)|letter\s+will\s+be\s+placed"),
    "refers_to_earlier_answer": (
        r"\brefer\s+(?:the|my)\s+(?:hon|noble|right|rt)\.?.{0,60}?\bto\s+the\s+(?:answer|reply|response)|"
        r"\b(?:answer|reply|response)\s+(?:I|we)\s+gave\b|pursuant\s+to\s+(?:his|her|their|my|the)\s+"
        r"(?:reply|answer)|\b(?:earlier|previous)\s+(?:reply|answer|response)\s+(?:given|to)\b|"
        r"\bsee\s+(?:my|the)\s+(?:answer|reply)\s+(?:of|to|given)\b"),
    "holding": (
        r"have\s+a\s+reply\s+as\s+soon\s+as\s+possible|\breply\s+(?:to\s+\w+\s+)?as\s+soon\s+as\s+possible|"
        r"\bholding\s+answer\b|substantive\s+(?:answer|reply)\s+(?:will|as\s+soon)"),
    "policy_not_to_comment": (
        r"(?:does|do|will)\s+not\s+comment\s+on|not\s+(?:be\s+)?appropriate\s+(?:for\s+\w+\s+)?to\s+comment|"
        r"(?:policy|practice)\b[^.]{0,60}\bnot\s+to\s+comment|for\s+(?:safety\s+and\s+)?(?:national\s+)?security\s+"
        r"reasons|commercial(?:ly)?\s+(?:sensitiv|confidential)|by\s+convention[^.]{0,80}not\s+disclosed|"
        r"would\s+not\s+be\s+appropriate\s+to\s+(?:disclose|release|publish)|"
        r"(?:neither\s+confirm\s+nor\s+deny)|(?:could|would)\s+prejudice\s+(?:national\s+security|"
        r"commercial|the\s+prevention)"),
}
_COMPILED = {name: re.compile(rule, re.IGNORECASE) for name, rule in _RULES.items()}
# Words each rule cannot match without (lower case): a substring test skips the rule's
# regular expression for most answers, which keeps indexing fast (bench/connections.py).
_NEEDS = {
    "disproportionate_cost": ("disproportionate", "cost limit"),
    "not_held_centrally": ("centrally", "central record"),
    "not_held": ("held", "not hold", "not collect", "not record", "not retain", "not collate", "not keep",
                 "not available in the"),
    "will_write": ("write", "letter will be placed"),
    "refers_to_earlier_answer": ("refer", " gave", "pursuant", "earlier", "previous", "see my", "see the"),
    "holding": ("as soon as possible", "holding answer", "substantive"),
    "policy_not_to_comment": ("comment", "security reasons", "commercial", "by convention", "appropriate to",
                              "neither confirm", "prejudice"),
}


def response_key(value: str) -> str:
    """A response type as typed ("Disproportionate cost", "not-held") in its stored form."""
    return "_".join(value.lower().replace("-", " ").split())


def response_types_from_text(text: str, is_holding: bool = False) -> tuple[str, ...]:
    """The response types the rules find in an answer's plain text, in `RESPONSE_TYPES` order."""
    text = " ".join((text or "").split())
    lower = text.lower()
    found = {name for name, rule in _COMPILED.items()
             if any(word in lower for word in _NEEDS[name]) and rule.search(text)}
    if is_holding:
        found.add("holding")
    if "not_held_centrally" in found:
        found.discard("not_held")
    return tuple(name for name in RESPONSE_TYPES if name in found)


def response_types(answer: Answer) -> tuple[str, ...]:
    """The response types of one answer (its own text; a holding flag counts too)."""
    if not answer.answer_text and not answer.is_holding:
        return ()
    return response_types_from_text(answer.answer_text, answer.is_holding)
