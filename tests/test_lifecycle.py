"""States the bundled sample lacks, on the invented records in tests/fixtures/lifecycle/.

1900001 holding + named day, 1900002 corrected (Lords, old FCO name), 1900003
withdrawn, 1900004 with attachments (old DCMS name), 1900005/1900006 grouped.
"""

import pytest

from indexer.search import SearchRequest


def run(index, q="", **kwargs):
    return index.search(SearchRequest(q=q, page_size=100, **kwargs))


def ids(results):
    return sorted(hit.answer.id for hit in results.hits)


@pytest.mark.parametrize("status, expected", [
    ("holding", [1900001]),
    ("corrected", [1900002]),
    ("withdrawn", [1900003]),
    ("namedday", [1900001]),
])
def test_status_filters(lifecycle_index, status, expected):
    assert ids(run(lifecycle_index, filters=(("status", status),))) == expected


def test_answered_excludes_holding_and_withdrawn_and_shows_a_group_once(lifecycle_index):
    results = run(lifecycle_index, filters=(("status", "answered"),))
    assert results.total == 3
    found = ids(results)
    assert found[:2] == [1900002, 1900004] and found[2] in (1900005, 1900006)


def test_has_attachments_filter(lifecycle_index):
    assert ids(run(lifecycle_index, has_attachments=True)) == [1900004]
    assert run(lifecycle_index, has_attachments=False).total == 4  # 1, 2, 3 and the group


def test_merged_and_split_departments_are_found_with_their_successors_predecessors(lifecycle_index):
    """FCO merged into FCDO and DDCMS split into DCMS and DSIT: not renames, so each stays itself."""
    fcdo = (("dept", "Foreign, Commonwealth & Development Office"),)
    assert ids(run(lifecycle_index, filters=fcdo)) == []
    assert ids(run(lifecycle_index, filters=fcdo, predecessors=True)) == [1900002]
    assert ids(run(lifecycle_index, filters=(("dept", "Foreign and Commonwealth Office"),))) == [1900002]
    assert ids(run(lifecycle_index, filters=(("dept", "FCDO"),))) == [1900002]  # the acronym names both
    dcms = (("dept", "Department for Culture, Media and Sport"),)
    assert ids(run(lifecycle_index, filters=dcms, predecessors=True)) == [1900004]


def test_grouped_questions_appear_once_listing_their_uins(lifecycle_index):
    results = run(lifecycle_index, "coastguard helicopters")
    assert results.total == 1 and len(results.hits) == 1
    answer = results.hits[0].answer
    assert sorted([answer.uin] + [g.uin for g in answer.grouped_questions]) == ["200001", "200002"]


def test_ungrouped_questions_are_not_collapsed(lifecycle_index):
    # "Transport" is in the questions of 1900001, 1900003 and the group 1900005/1900006
    results = run(lifecycle_index, "transport")
    assert results.total == 3
    assert ids(results)[:2] == [1900001, 1900003]
    assert dict(results.facets["asker"]) == {"Jane Ferriby": 2, "Tom Quayle": 1}


def test_related_answers_leave_out_the_answer_and_its_group(lifecycle_index):
    answer = lifecycle_index.get_answer(1900005)
    related = [a.id for a in lifecycle_index.related(answer)]
    assert 1900005 not in related and 1900006 not in related
