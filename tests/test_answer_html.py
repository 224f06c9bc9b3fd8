"""Answer HTML to clean text and to safe display HTML."""

import json
import re

from hypothesis import given
from hypothesis import strategies as st

from indexer import answer_html
from indexer.answer_html import _parsed_text, clean_text, safe_html_from_html, text_from_html
from indexer.store import iter_record_paths

from .conftest import SAMPLE_DIR


def test_paragraphs_are_separated_by_a_blank_line():
    assert text_from_html("<p>One.</p><p>Two.</p>") == "One.\n\nTwo."


def test_a_list_after_a_colon_stays_readable():
    html = ("<p>It carries out the following key activities:</p>"
            "<ul><li>disrupting OCGs</li><li>sharing intelligence</li></ul><p>Next.</p>")
    assert text_from_html(html) == (
        "It carries out the following key activities:\n\n"
        "• disrupting OCGs\n• sharing intelligence\n\nNext."
    )


def test_table_cells_are_kept_apart():
    html = "<table><tr><th>Year</th><th>Number</th></tr><tr><td>2015</td><td>931</td></tr></table>"
    assert text_from_html(html) == "Year | Number\n2015 | 931"


def test_empty_spacer_paragraphs_and_nbsp_disappear():
    assert text_from_html("<p>A</p><p> </p><p>&nbsp;</p><p>B&nbsp;C</p>") == "A\n\nB C"


def test_deleted_text_of_a_correction_is_not_in_the_text_but_inserted_text_is():
    html = ('<p><del class="ministerial">It has not proved possible</del></p>'
            '<p><ins class="ministerial">Our Embassy</ins></p>')
    assert text_from_html(html) == "Our Embassy"


def test_entities_are_unescaped_not_indexed_as_words():
    assert text_from_html("<p>Fish &amp; chips &#8217;s &pound;5</p>") == "Fish & chips ’s £5"


def test_html_that_lost_its_opening_tags_still_reads():
    assert text_from_html("first part</p><p>second part</p>") == "first part\n\nsecond part"


def test_plain_text_keeps_its_paragraphs():
    assert text_from_html("One para.\n\nTwo para.") == "One para.\n\nTwo para."


@given(st.lists(st.text(st.characters(blacklist_characters="<&", blacklist_categories=("Cs",)))
                | st.sampled_from([" ", "\n", "\r\n", "\n \n", "\t", "\xa0", ">", ";"])).map("".join))
def test_plain_text_reads_as_the_parser_reads_it(text):
    """Text without tags or entities skips the parser (most questions): the same text out."""
    text = clean_text(text)
    assert text_from_html(text) == _parsed_text(text)


def test_the_samples_questions_read_as_the_parser_reads_them():
    records = [json.loads(path.read_text())["value"] for path in iter_record_paths(SAMPLE_DIR)]
    questions = [record["questionText"] for record in records if record.get("questionText")]
    plain = [clean_text(q) for q in questions if "<" not in q and "&" not in q]
    assert len(plain) > 0.9 * len(questions) > 50
    assert [text_from_html(q) for q in plain] == [_parsed_text(q) for q in plain]


TRICKY_DROPPED = ["<DEL>old</DEL> new", "<del\n>old</del> new", "<p>a</p><del/>b", "<Script>x()</script>ok",
                  "<delta>kept</delta>", "<p>del and title</p>", "x <del", "<template><p>t</p></template>y"]


def test_answers_read_alike_whether_or_not_dropped_tags_are_looked_for(monkeypatch):
    """The tree is searched for `<del>`, `<script>`... only where the HTML has such a start tag."""
    records = [json.loads(path.read_text())["value"] for path in iter_record_paths(SAMPLE_DIR)]
    answers = [r["answerText"] for r in records if r.get("answerText")] + TRICKY_DROPPED
    assert any("<del" in a for a in answers)
    quick = [_parsed_text(clean_text(a)) for a in answers]
    monkeypatch.setattr(answer_html, "_DROPPED_START", re.compile(""))  # always search
    assert quick == [_parsed_text(clean_text(a)) for a in answers]
    assert quick[-8:-4] == ["new", "new", "a\n\nb", "ok"]


def test_control_characters_and_lone_surrogates_are_removed():
    assert clean_text("a\x00b\u202ec\ud800d") == "abc?d"


def test_sanitiser_keeps_structure_and_drops_scripts_handlers_and_bad_urls():
    html = ('<p onclick="x()">Hi <a href="https://gov.uk/x" target="_blank">link</a>'
            '<a href="javascript:alert(1)">bad</a></p><script>alert(1)</script>'
            '<iframe src="https://evil"></iframe><ul><li style="color:red">item</li></ul>'
            '<table><tr><td colspan="2">cell</td></tr></table>')
    assert safe_html_from_html(html) == (
        '<p>Hi <a href="https://gov.uk/x" rel="noopener nofollow">link</a>'
        '<a rel="noopener nofollow">bad</a></p><ul><li>item</li></ul>'
        '<table><tbody><tr><td colspan="2">cell</td></tr></tbody></table>'
    )


def test_sanitiser_drops_empty_spacers_and_wraps_plain_text():
    assert safe_html_from_html("<p>A</p><p> </p><p>B</p>") == "<p>A</p><p>B</p>"
    assert safe_html_from_html("One & two\n\nThree") == "<p>One &amp; two</p><p>Three</p>"


def test_an_answer_that_looks_like_a_url_is_text_without_a_warning():
    """Beautiful Soup warns that an answer of just a link looks like a URL to fetch: not for answers."""
    import subprocess
    import sys
    from pathlib import Path

    code = "from indexer.answer_html import text_from_html as t; print(t('https://www.gov.uk'), t('0:'))"
    done = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent)
    assert (done.returncode, done.stdout, done.stderr) == (0, "https://www.gov.uk 0:\n", "")
