"""The correction diff: word level, paragraphs kept, escaped, and every word of both texts kept."""

from __future__ import annotations

import dataclasses
import random

from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.correction import EXACT_DIFF_PAIRS, correction_diff_html, diff_html, has_inline_marks
from indexer.normalize import answer_from_record
from indexer.store import read_record, record_path

from .conftest import SAMPLE_DIR


def sides(html: str) -> tuple[str, str]:
    """The old and new texts a diff shows: without its insertions, without its deletions."""
    texts = []
    for drop in ("ins", "del"):
        soup = BeautifulSoup(html, "html.parser")
        for tag in soup.select(drop):
            tag.decompose()
        texts.append(" ".join(soup.get_text(" ").split()))
    return texts[0], texts[1]


def test_a_changed_word_is_a_deletion_then_an_insertion():
    assert diff_html("Twelve lighthouses were repainted.", "Twenty-one lighthouses were repainted.") == (
        "<p><del>Twelve</del> <ins>Twenty-one</ins> lighthouses were repainted.</p>")


def test_paragraphs_and_lines_are_kept_and_a_removed_paragraph_stands_alone():
    html = diff_html("First.\n\nRemoved paragraph.\n\n• one\n• two", "First.\n\n• one\n• two\n• three")
    assert html == ("<p>First.</p><p><del>Removed paragraph.</del></p>"
                    "<p>• one<br>• two<br><ins>• three</ins></p>")


def test_text_is_escaped_and_only_diff_tags_come_out():
    html = diff_html('<script>alert(1)</script> & "x"', '<img src=x onerror=alert(1)> & "x"')
    assert {tag.name for tag in BeautifulSoup(html, "html.parser").find_all(True)} == {"p", "del", "ins"}
    assert "&lt;script&gt;" in html and "<script" not in html and "<img" not in html


words = st.lists(st.sampled_from(["the", "figures", "2023", "£4.5", "not", "held", "\n\n", "\n", "<b>"]),
                 max_size=60)


@settings(max_examples=150, deadline=None)
@given(words, words)
def test_both_texts_can_be_read_back_from_any_diff(old, new):
    old_text, new_text = " ".join(old), " ".join(new)
    assert sides(diff_html(old_text, new_text)) == (" ".join(old_text.split()), " ".join(new_text.split()))


def test_long_texts_past_the_exact_limit_are_matched_paragraph_by_paragraph():
    rng = random.Random(7)
    old = [rng.choice(["the", "of", "a", "and"]) + str(rng.randint(0, 9)) for _ in range(3000)]
    for at in range(30, 3000, 30):
        old[at] += "\n\n"
    new = list(old)
    new[1500], new[2995] = "CHANGED", "ALSO"
    assert len(old) * len(new) > EXACT_DIFF_PAIRS
    html = diff_html(" ".join(old), " ".join(new))
    assert sides(html) == (" ".join(" ".join(old).split()), " ".join(" ".join(new).split()))
    assert [i.get_text() for i in BeautifulSoup(html, "html.parser").select("ins")] == ["CHANGED", "ALSO"]


def test_one_huge_paragraph_still_reads_back_both_texts():
    rng = random.Random(8)
    old = [rng.choice(["the", "of", "a", "and"]) for _ in range(5000)]
    new = old[::-1]
    assert sides(diff_html(" ".join(old), " ".join(new))) == (" ".join(old), " ".join(new))


def test_only_a_correction_with_a_different_original_has_a_diff():
    answer = answer_from_record(read_record(record_path(SAMPLE_DIR, 90000060)))
    changed = answer.answer_text.replace("Cairo", "Geneva")
    assert correction_diff_html(answer) == ""  # not a correction
    assert correction_diff_html(dataclasses.replace(answer, is_correction=True)) == ""  # no original
    same = dataclasses.replace(answer, is_correction=True, original_answer_text=answer.answer_text)
    assert correction_diff_html(same) == ""
    diff = correction_diff_html(dataclasses.replace(same, original_answer_text=changed))
    assert "<del>Geneva</del> <ins>Cairo</ins>" in diff


def test_inline_marks_are_recognised():
    assert has_inline_marks("<p>UIN <del>568</del><ins>586</ins></p>")
    assert not has_inline_marks("<p>Deleted and inserted are words here: delivery, insight.</p>")
