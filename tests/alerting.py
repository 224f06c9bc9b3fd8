"""Helpers the alert tests share: records to add, and a form posted as a browser would."""

from __future__ import annotations

import copy
import datetime as dt
import json
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from werkzeug.datastructures import MultiDict

from .conftest import SAMPLE_DIR

REAL = json.loads((SAMPLE_DIR / "questions/01679/1679416.json").read_text(encoding="utf-8"))


def made_record(question_id: int, heading: str, text: str, answered: dt.date | None,
                tabled: dt.date | None = None) -> dict:
    """A copy of a real record with its id, heading and answer replaced (no answer: awaiting)."""
    record = copy.deepcopy(REAL)
    tabled = tabled or answered or dt.date.today()
    record["value"].update(
        id=question_id, uin=str(question_id % 100000), heading=heading,
        answerText=f"<p>{text}</p>" if answered else None,
        dateAnswered=f"{answered}T00:00:00" if answered else None,
        answeringMemberId=3985 if answered else None, dateTabled=f"{tabled}T00:00:00",
        dateForAnswer=f"{tabled + dt.timedelta(days=7)}T00:00:00", isNamedDay=False)
    record["links"] = [{"href": f"/Questions/{question_id}", "method": "GET", "rel": "self"}]
    return record


def alert_form_fields(html: str) -> tuple[str, list[tuple[str, str]]]:
    """The alert form's action and hidden fields, as a browser would send them."""
    form = BeautifulSoup(html, "html.parser").select_one("form.alert-form")
    assert form is not None, "no alert form on the page"
    return form["action"], [(i["name"], i.get("value", "")) for i in form.select("input[type=hidden]")]


def subscribe(client, page_url: str, email: str, **environ):
    """Fill in the alert form of `page_url` with `email` and send it."""
    action, fields = alert_form_fields(client.get(page_url).get_data(as_text=True))
    return client.post(action, data=MultiDict([*fields, ("email", email)]), environ_base=environ)


def path_of(url: str) -> str:
    return urlsplit(url).path
