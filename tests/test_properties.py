"""Property-based tests: whatever comes from outside, the pure parts never break."""

from __future__ import annotations

import json
import re

from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.answer_html import SAFE_TAGS, clean_text, safe_html_from_html, text_from_html
from indexer.errors import QueryError
from indexer.normalize import answer_from_record
from indexer.query import parse_user_query
from indexer.records import answer_from_dict, answer_to_dict
from indexer.schema import build_schema
from indexer.search import SearchRequest

SCHEMA = build_schema()
TAGS = ["p", "ul", "li", "table", "tr", "td", "a", "script", "style", "iframe", "del", "ins",
        "b", "br", "img", "svg", "div", "span"]
ATTRS = ['href="javascript:alert(1)"', 'onclick="x()"', 'style="color:red"', 'src="https://x"',
         'href="https://gov.uk"', 'target="_blank"', "onerror=alert(1)"]
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")

odd_text = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=60)


@st.composite
def html_soup(draw):
    """Fragments of HTML-ish text: tags, hostile attributes, entities, odd Unicode."""
    parts = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.integers(0, 4))
        if kind == 0:
            tag, attr = draw(st.sampled_from(TAGS)), draw(st.sampled_from([""] + ATTRS))
            parts.append(f"<{tag} {attr}>")
        elif kind == 1:
            parts.append(f"</{draw(st.sampled_from(TAGS))}>")
        elif kind == 2:
            parts.append(draw(st.sampled_from(["&nbsp;", "&amp;", "&#8217;", "&lt;script&gt;", "&#0;"])))
        else:
            parts.append(draw(odd_text))
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(html_soup())
def test_text_from_html_is_clean_whatever_the_input(fragment):
    text = text_from_html(fragment)
    text.encode("utf-8")  # no lone surrogates
    assert not CONTROL.search(text)
    assert text == text.strip()


@settings(max_examples=300, deadline=None)
@given(html_soup())
def test_sanitised_html_never_carries_active_content(fragment):
    safe = safe_html_from_html(fragment)
    safe.encode("utf-8")
    # Escaped text such as "&lt;p href=javascript:…&gt;" is harmless: inspect real tags only.
    for tag in BeautifulSoup(safe, "html.parser").find_all(True):
        assert tag.name in SAFE_TAGS, safe
        assert not any(a.startswith("on") or a == "style" for a in tag.attrs), safe
        assert not tag.get("href", "").strip().lower().startswith("javascript:"), safe


@settings(max_examples=200, deadline=None)
@given(odd_text)
def test_clean_text_is_idempotent_and_encodable(text):
    once = clean_text(text)
    once.encode("utf-8")
    assert clean_text(once) == once


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | odd_text | html_soup(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(odd_text, children, max_size=3),
    max_leaves=8,
)
API_FIELDS = ["uin", "house", "heading", "questionText", "answerText", "answeringBodyName",
              "askingMember", "answeringMember", "dateTabled", "dateAnswered", "groupedQuestions",
              "groupedQuestionsDates", "attachments", "answerIsHolding", "isWithdrawn",
              "originalAnswerText", "dateAnswerCorrected", "answeringBodyId"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 10**9), st.dictionaries(st.sampled_from(API_FIELDS), json_values))
def test_any_record_with_an_id_normalises_and_round_trips(question_id, fields):
    answer = answer_from_record({"value": {"id": question_id, **fields}})
    assert answer.id == question_id
    data = json.loads(json.dumps(answer_to_dict(answer)))
    assert answer_from_dict(data) == answer


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab*"()-+: ORANDNOT heading:dept:uin:\\~^[]{}')), max_size=80)
       | odd_text)
def test_the_query_parser_answers_or_refuses_politely(text):
    try:
        parsed = parse_user_query(text, SCHEMA)
    except QueryError:
        return
    assert isinstance(parsed.understood, str)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list('migrants smug* "OCG" OR NOT -( ) dept: house:lords')),
               max_size=60))
def test_searching_the_sample_never_fails_unexpectedly(sample_index, text):
    try:
        results = sample_index.search(SearchRequest(q=text))
    except QueryError:
        return
    assert results.total >= len(results.hits)
