"""Raw API records to Answer: every odd record of the sample must normalise."""

import dataclasses
import datetime as dt
import json

import pytest

from indexer import store
from indexer.normalize import answer_from_record, department_from_name
from indexer.records import Attachment, GroupedQuestion, Member, answer_from_dict, answer_to_dict
from indexer.schema import answer_from_stored, document_from_answer, record_from_json

from .conftest import FIXTURES, SAMPLE_DIR


def sample_records():
    return [store.read_record(p) for p in store.iter_record_paths(SAMPLE_DIR)]


def test_every_bundled_record_normalises_and_round_trips():
    records = sample_records()
    assert len(records) == 73
    for record in records:
        answer = answer_from_record(record)
        assert answer.id == record["value"]["id"]
        assert answer_from_dict(json.loads(json.dumps(answer_to_dict(answer)))) == answer


def test_an_answer_as_a_dict_is_what_asdict_gives_key_for_key():
    """The stored record's JSON, byte for byte, as `dataclasses.asdict` made it before."""
    def by_asdict(value):
        if isinstance(value, dict):
            return {k: by_asdict(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [by_asdict(v) for v in value]
        return value.isoformat() if isinstance(value, dt.date) else value
    answers = [answer_from_record(record) for record in sample_records()]
    answers.append(dataclasses.replace(
        answers[0], grouped_questions=(GroupedQuestion("HL123", dt.date(2024, 1, 5)), GroupedQuestion("9")),
        attachments=(Attachment("https://example.org/a.pdf", "Table", "pdf", 1024),)))
    for answer in answers:
        assert json.dumps(answer_to_dict(answer)) == json.dumps(by_asdict(dataclasses.asdict(answer)))


def test_a_stored_record_missing_later_fields_takes_their_defaults_and_a_bad_one_still_fails():
    """Records stored by older indexes lack fields added since; `answer_from_dict` fills them
    as the constructor would. Unknown or missing required fields raise the constructor's error."""
    answer = next(a for a in map(answer_from_record, sample_records()) if a.asking_member)
    data = json.loads(json.dumps(answer_to_dict(answer)))
    for later in ("correcting_member", "original_answer_text", "grouped_questions", "is_correction"):
        del data[later]
    rebuilt = answer_from_dict(data)
    expected = dataclasses.replace(answer, correcting_member=None, original_answer_text="",
                                   grouped_questions=(), is_correction=False)
    assert rebuilt == expected and hash(rebuilt) == hash(expected)
    assert rebuilt.asking_member == answer.asking_member and rebuilt.asking_member is not None
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        answer_from_dict({**data, "colour": "red"})
    with pytest.raises(TypeError, match="heading"):
        answer_from_dict({k: v for k, v in data.items() if k != "heading"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        rebuilt.heading = "changed"


def test_the_detail_response_example_normalises_in_full():
    answer = answer_from_record(json.loads((FIXTURES / "detail_response_example.json").read_text()))
    assert (answer.id, answer.uin, answer.house) == (1679416, "7926", "Commons")
    assert answer.date_tabled == dt.date(2024, 1, 5)
    assert answer.date_answered == dt.date(2024, 1, 10)
    assert answer.is_named_day is True
    assert answer.department == "Department for Education"
    assert answer.official_url == (
        "https://questions-statements.parliament.uk/written-questions/detail/2024-01-05/7926")
    assert "target" not in answer.answer_html and "<p> </p>" not in answer.answer_html
    assert answer.answer_text.startswith("The department is supporting sectors")
    assert "\n\nIn July 2021, the government created a £7 million fund" in answer.answer_text


def test_a_record_of_nulls_normalises_to_empty_values():
    raw = {"value": {"id": 5, "uin": None, "house": None, "heading": None, "questionText": None,
                     "answerText": None, "answeringBodyName": None, "askingMember": None,
                     "dateAnswered": None, "groupedQuestions": None, "attachments": None}}
    answer = answer_from_record(raw)
    assert (answer.uin, answer.house, answer.heading, answer.question_text) == (None, None, "", "")
    assert (answer.answer_text, answer.department, answer.asking_member) == ("", None, None)
    assert answer.grouped_questions == () and answer.attachments == ()
    assert answer.official_url is None
    assert answer.status == "unanswered"


def test_a_record_without_an_id_is_refused():
    with pytest.raises(ValueError):
        answer_from_record({"value": {"uin": "1"}})


def test_members_keep_party_and_constituency():
    raw = {"value": {"id": 1, "askingMember": {"name": "Tim Farron", "party": "Liberal Democrat",
                                               "memberFrom": "Westmorland and Lonsdale", "id": None}}}
    assert answer_from_record(raw).asking_member == Member(
        name="Tim Farron", party="Liberal Democrat", member_from="Westmorland and Lonsdale")


def test_truncated_list_preview_text_is_kept_as_it_is():
    listing = json.loads((FIXTURES / "list_response_example.json").read_text())
    value = listing["results"][0]["value"]
    answer = answer_from_record(value)
    assert answer.answer_text == " ".join(value["answerText"].split())


@pytest.mark.parametrize("name, expected", [
    ("Foreign, Commonwealth & Development Office", "Foreign, Commonwealth and Development Office"),
    ("Foreign, Commonwealth and Development Office", "Foreign, Commonwealth and Development Office"),
    # Merged (FCO with DFID) or split (DDCMS): the old department stays itself (issue 17).
    ("Foreign and Commonwealth Office", "Foreign and Commonwealth Office"),
    ("Department for Digital, Culture, Media & Sport", "Department for Digital, Culture, Media and Sport"),
    ("Department for Business, Energy & Industrial Strategy",
     "Department for Business, Energy and Industrial Strategy"),
    # One-to-one renames are filed under today's name.
    ("Department for Levelling Up, Housing & Communities",
     "Ministry of Housing, Communities and Local Government"),
    ("Department of Health", "Department of Health and Social Care"),
    ("Home Office", "Home Office"),
    (None, None),
])
def test_department_names_are_normalised(name, expected):
    assert department_from_name(name) == expected


def test_lifecycle_flags_give_the_status():
    base = {"id": 9, "answerText": "<p>Text</p>"}
    assert answer_from_record({**base}).status == "answered"
    assert answer_from_record({**base, "answerIsHolding": True}).status == "holding"
    assert answer_from_record({**base, "answerIsCorrection": True}).status == "corrected"
    assert answer_from_record({**base, "isWithdrawn": True}).status == "withdrawn"


def test_grouped_questions_and_attachments_are_read():
    raw = {"id": 3, "groupedQuestions": ["7926", "7927"],
           "groupedQuestionsDates": [{"questionUin": "7927", "dateTabled": "2024-01-05T00:00:00"}],
           "attachments": [{"url": "https://x/a.pdf", "title": "Data", "fileType": "PDF",
                            "fileSizeBytes": 12345}, {"title": "no url"}]}
    answer = answer_from_record(raw)
    assert [(g.uin, g.date_tabled) for g in answer.grouped_questions] == [
        ("7926", None), ("7927", dt.date(2024, 1, 5))]
    assert [(a.title, a.file_type, a.size_bytes) for a in answer.attachments] == [("Data", "PDF", 12345)]


def test_a_stored_record_decodes_as_the_json_module_decodes_it():
    """orjson reads the stored record; what it refuses (a lone surrogate, NaN) the json module reads."""
    for answer in map(answer_from_record, sample_records()):
        text = document_from_answer(answer)["record"]
        assert record_from_json(text) == json.loads(text)
        assert answer_from_stored({"record": text}) == answer
    answer = dataclasses.replace(answer_from_record(sample_records()[0]), heading="Lone \ud800 surrogate")
    assert answer_from_stored({"record": document_from_answer(answer)["record"]}) == answer
    assert record_from_json('{"a": NaN, "b": 123456789012345678901234567890}') == {
        "a": pytest.approx(float("nan"), nan_ok=True), "b": 123456789012345678901234567890}


def test_every_date_and_member_field_round_trips():
    """`answer_from_dict` decodes the fields it names, not those a record happens to hold."""
    answer = next(a for a in map(answer_from_record, sample_records()) if a.asking_member)
    dates = {f.name: dt.date(2024, 1, 1 + i) for i, f in enumerate(dataclasses.fields(answer))
             if f.name.startswith("date_")}
    full = dataclasses.replace(answer, **dates, answering_member=answer.asking_member,
                               correcting_member=Member("A Corrector"))
    assert len(dates) == 5
    assert answer_from_dict(json.loads(json.dumps(answer_to_dict(full)))) == full
