"""Whatever is typed in the box, the page is a result or a friendly message, never a 500."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

NASTY = ['*', 'a*', '*gang', 'ga*g', '"', '(((', ')))', 'heading:', ':', 'NOT', '-', '- -', 'OR OR',
         'uin:', 'house:"', 'dept:(', '"unclosed phrase', 'AND AND', '\x00', 'é*',
         'answer:[a TO z]', 'sudan^10', 'sudan~2', 'field:value', '"' + 'word ' * 12 + '"',
         '((((((((((sudan))))))))))', 'NOT sudan', '-sudan', 'asker:"', '?', 'sud?n', '%', '&q=x']


@pytest.mark.parametrize("q", NASTY)
def test_nasty_queries_are_answered_politely(client, q):
    response = client.get("/search", query_string={"q": q})
    assert response.status_code in (200, 400), (q, response.status_code)
    assert "Traceback" not in response.get_data(as_text=True)


def test_undecodable_bytes_are_answered_politely(client):
    response = client.get("/search?q=%ED%A0%80%FF+sudan")
    assert response.status_code in (200, 400)


TOKENS = ["a", "b", " ", "sudan", '"', "(", ")", "*", ":", "-", "+", "^", "~", "?", "OR ", "NOT ",
          "AND ", "heading:", "uin:", "\\", "/", "[", "]", "{", "}", "TO"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(TOKENS), max_size=25).map("".join))
def test_random_syntax_never_fails(client, q):
    response = client.get("/search", query_string={"q": q})
    assert response.status_code in (200, 400), (q, response.status_code)
