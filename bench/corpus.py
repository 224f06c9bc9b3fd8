"""Generate a synthetic corpus of written answers in the API's detail shape.

Calibrated on the bundled real sample: its own words (ranked by frequency, then
a long tail of derived rare words) drawn with Zipf frequencies, ~25 real
departments with realistic shares and lifetimes, dates 2014 to today, both
houses, members with parties, holding answers, corrections, lists and tables.
Each record is generated from its own seeded RNG, so any record can be
regenerated (or changed) alone and the corpus is deterministic by seed.

    python -m bench.corpus --size 100000 --out bench/work/data-100k [--seed 1] [--jobs 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import math
import os
import random
import re
import sys
import time
from functools import lru_cache
from multiprocessing import Pool
from pathlib import Path

from indexer.store import canonical_bytes, record_path

REPO = Path(__file__).resolve().parent.parent
SAMPLE_DIR = REPO / "scraped" / "questions"
FIRST_ID = 1_000_000
START = dt.date(2014, 1, 6)
TAIL_WORDS = 60_000
ZIPF_S = 1.05

# (name as the API spells it, share, first year, last year)
DEPARTMENTS = (
    ("Department of Health and Social Care", 11.0, 2018, 2026),
    ("Department of Health", 4.0, 2014, 2017),
    ("Home Office", 8.5, 2014, 2026),
    ("Department for Work and Pensions", 7.0, 2014, 2026),
    ("Department for Education", 6.5, 2014, 2026),
    ("Ministry of Justice", 5.5, 2014, 2026),
    ("Ministry of Defence", 5.5, 2014, 2026),
    ("Department for Transport", 5.0, 2014, 2026),
    ("HM Treasury", 5.0, 2014, 2026),
    ("Foreign, Commonwealth and Development Office", 4.0, 2020, 2026),
    ("Foreign and Commonwealth Office", 3.5, 2014, 2020),
    ("Department for Environment, Food and Rural Affairs", 4.5, 2014, 2026),
    ("Department for Business, Energy and Industrial Strategy", 3.0, 2016, 2023),
    ("Department for Business and Trade", 2.0, 2023, 2026),
    ("Ministry of Housing, Communities and Local Government", 4.0, 2018, 2026),
    ("Department for Digital, Culture, Media and Sport", 2.5, 2017, 2023),
    ("Department for Culture, Media and Sport", 1.0, 2014, 2026),
    ("Cabinet Office", 3.0, 2014, 2026),
    ("Department for International Development", 1.5, 2014, 2020),
    ("Department for Energy Security and Net Zero", 1.5, 2023, 2026),
    ("Department for Science, Innovation and Technology", 1.5, 2023, 2026),
    ("Department for International Trade", 1.0, 2016, 2023),
    ("Department for Exiting the European Union", 0.8, 2016, 2020),
    ("Northern Ireland Office", 0.8, 2014, 2026),
    ("Scotland Office", 0.4, 2014, 2026),
    ("Wales Office", 0.4, 2014, 2026),
    ("Attorney General", 0.5, 2014, 2026),
    ("Women and Equalities", 0.5, 2014, 2026),
)
PARTIES = {  # party: (Commons share, Lords share)
    "Conservative": (45, 33), "Labour": (38, 22), "Liberal Democrat": (6, 10),
    "Scottish National Party": (7, 0), "Crossbench": (0, 25), "Democratic Unionist Party": (1.5, 1),
    "Green Party": (0.5, 1), "Plaid Cymru": (0.7, 1), "Independent": (1, 2), "Non-affiliated": (0, 4),
    "Bishops": (0, 1),
}
STOP = frozenset("""a an and are as at be been by for from has have he her his i in is it its of on or
that the their there these they this to was were which will with we our not but all any can may
would should could also into than then them so such had shall what how if other""".split())
SIDES = ("North", "South", "East", "West", "Central")
HOLDING_TEXT = "<p>I will reply to the hon. Member as soon as possible.</p>"
QUESTION_TAILS = ("", "", "", "; and if he will make a statement.", "; and if she will make a statement.",
                  "; and what assessment has been made of the potential merits of that approach.")
ANSWER_OPENERS = (
    "", "", "", "The Government is committed to ",
    "I refer the hon. Member to the answer I gave on {date} to Question {uin}. ",
    "The information requested is not held centrally and could only be obtained at disproportionate cost. ",
    "Copies of the relevant documents will be placed in the Libraries of both Houses. ",
)


# ---------------------------------------------------------------- vocabulary


@lru_cache(maxsize=1)
def vocabulary() -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Return (words by rank, cumulative Zipf weights), derived from the sample's texts."""
    counts: dict[str, int] = {}
    for path in sorted(SAMPLE_DIR.glob("*/*.json")):
        value = json.loads(path.read_text(encoding="utf-8")).get("value", {})
        text = " ".join(str(value.get(k) or "") for k in ("heading", "questionText", "answerText"))
        text = re.sub(r"<[^>]+>|https?://\S+", " ", text)
        for word in re.findall(r"[A-Za-z][a-z]+(?:-[a-z]+)?", text):
            w = word.lower()
            counts[w] = counts.get(w, 0) + 1
    real = sorted(counts, key=lambda w: (-counts[w], w))
    rng = random.Random(12345)
    pieces = [w for w in real if len(w) >= 5]
    tail, seen = [], set(real)
    while len(tail) < TAIL_WORDS:  # rare words: heads and tails of real words spliced
        a, b = rng.choice(pieces), rng.choice(pieces)
        w = a[: rng.randint(2, len(a) - 1)] + b[rng.randint(1, len(b) - 2):]
        if w not in seen and 4 <= len(w) <= 14:
            seen.add(w)
            tail.append(w)
    words = tuple(real + tail)
    weights = [1.0 / (rank + 1) ** ZIPF_S for rank in range(len(words))]
    return words, tuple(itertools.accumulate(weights))


@lru_cache(maxsize=1)
def department_topics() -> dict[str, tuple[str, ...]]:
    """Each department's own 150 topical words, drawn from the mid-frequency vocabulary."""
    words, _ = vocabulary()
    rng = random.Random(777)
    mid = [w for w in words[100:8000] if w not in STOP]
    return {name: tuple(rng.sample(mid, 150)) for name, *_ in DEPARTMENTS}


@lru_cache(maxsize=1)
def members() -> dict[str, list[dict]]:
    """Generated members of both houses, each with a party and seat."""
    words, _ = vocabulary()
    rng = random.Random(4242)
    firsts = ["James", "Sarah", "David", "Helen", "Andrew", "Rachel", "Mark", "Emma", "Ian", "Nia",
              "Tim", "Caroline", "Lee", "Angela", "Neil", "Rupa", "Matt", "Vicky", "Alberto", "Munira"]
    lasts = [w.capitalize() for w in words[3000:3400]]
    out = {"Commons": [], "Lords": []}
    for house, n in (("Commons", 650), ("Lords", 400)):
        parties = [p for p in PARTIES if PARTIES[p][0 if house == "Commons" else 1] > 0]
        shares = [PARTIES[p][0 if house == "Commons" else 1] for p in parties]
        for k in range(n):
            name = f"{rng.choice(firsts)} {rng.choice(lasts)}"
            if house == "Lords":
                name = f"{rng.choice(('Lord', 'Baroness'))} {rng.choice(lasts)}"
            party = rng.choices(parties, shares)[0]
            out[house].append({
                "id": 4000 + k + (0 if house == "Commons" else 5000), "name": name, "listAs": name,
                "party": party, "partyAbbreviation": party[:3], "partyColour": "808080",
                "memberFrom": (f"{rng.choice(lasts)} {rng.choice(SIDES)}" if house == "Commons"
                               else "Life peer"),
                "thumbnailUrl": None})
    return out


# ---------------------------------------------------------------- records


def words_for(rng: random.Random, n: int, topic: tuple[str, ...]) -> list[str]:
    words, cum = vocabulary()
    out = rng.choices(words, cum_weights=cum, k=n)
    for i in range(0, n, 9):  # about 11 % of the tokens are the department's own words
        out[i] = rng.choice(topic)
    return out


def sentences(rng: random.Random, tokens: list[str]) -> list[str]:
    out, i = [], 0
    while i < len(tokens):
        n = rng.randint(8, 30)
        chunk = tokens[i:i + n]
        i += n
        if rng.random() < 0.15:
            chunk.insert(rng.randrange(len(chunk) + 1), rng.choice(("£4.5 million", "2021", "97%", "44")))
        out.append(chunk[0].capitalize() + " " + " ".join(chunk[1:]) + ".")
    return out


def answer_html(rng: random.Random, topic, when: dt.date) -> str:
    """An answer: lognormal length with a long tail, paragraphs, sometimes a list or table."""
    chars = min(40_000, max(40, int(rng.lognormvariate(math.log(700), 0.95))))
    tokens = words_for(rng, max(4, chars // 7), topic)
    sents = sentences(rng, tokens)
    opener = rng.choice(ANSWER_OPENERS).format(date=when.strftime("%d %B %Y"), uin=rng.randint(1000, 99999))
    sents[0] = opener + sents[0]
    paras, i = [], 0
    while i < len(sents):
        n = rng.randint(1, 4)
        paras.append("<p>" + " ".join(sents[i:i + n]) + "</p>")
        i += n
    roll = rng.random()
    if roll < 0.06:
        items = "".join(f"<li>{' '.join(words_for(rng, rng.randint(3, 12), topic))}</li>"
                        for _ in range(rng.randint(3, 8)))
        paras.insert(rng.randrange(len(paras) + 1), f"<ul>{items}</ul>")
    elif roll < 0.09:
        rows = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in (
            rng.choice(topic).capitalize(), rng.randint(2014, 2025), f"{rng.randint(1, 99999):,}"))
            + "</tr>" for _ in range(rng.randint(3, 25)))
        paras.insert(rng.randrange(len(paras) + 1),
                     f"<table><tr><th>Item</th><th>Year</th><th>Number</th></tr>{rows}</table>")
    return "".join(paras)


def make_record(i: int, size: int, seed: int, revision: int = 0) -> dict:
    """Record number `i` of a corpus of `size` (revision > 0: a changed answer)."""
    rng = random.Random(f"{seed}:{i}")
    today = dt.date.today()
    span = (today - START).days
    tabled = START + dt.timedelta(days=int(span * i / max(1, size - 1) * 0.995))
    answered = min(today, tabled + dt.timedelta(days=rng.choice((3, 5, 7, 7, 10, 14, 21, 35))))
    year = answered.year
    depts = [d for d in DEPARTMENTS if d[2] <= year <= d[3]]
    dept = rng.choices(depts, [d[1] for d in depts])[0][0]
    topic = department_topics()[dept]
    house = "Lords" if rng.random() < 0.2 else "Commons"
    asker = rng.choice(members()[house])
    minister = members()["Lords" if house == "Lords" else "Commons"][hash(dept) % 50 + (year % 5)]
    head_words = words_for(rng, rng.randint(1, 3), topic)
    heading = head_words[0].capitalize() + (": " + " ".join(head_words[1:]).capitalize()
                                            if len(head_words) > 1 else "")
    who = "His Majesty's Government" if year >= 2023 else "Her Majesty's Government"
    lead = (f"To ask {who}" if house == "Lords"
            else f"To ask the Secretary of State for {dept.split(' for ')[-1].split(' of ')[-1]}")
    qtext = lead + ", " + " ".join(words_for(rng, rng.randint(8, 60), topic)) + rng.choice(QUESTION_TAILS)
    atext = answer_html(rng, topic, answered)
    value = {
        "id": FIRST_ID + i, "uin": f"HL{1000 + i % 9000}" if house == "Lords" else str(1000 + i % 240000),
        "house": house, "heading": heading, "questionText": qtext, "answerText": atext,
        "answeringBodyId": 1 + [d[0] for d in DEPARTMENTS].index(dept), "answeringBodyName": dept,
        "askingMemberId": asker["id"], "askingMember": asker,
        "answeringMemberId": minister["id"], "answeringMember": minister,
        "correctingMemberId": None, "correctingMember": None,
        "dateTabled": f"{tabled}T00:00:00", "dateForAnswer": f"{tabled + dt.timedelta(days=5)}T00:00:00",
        "dateAnswered": f"{answered}T00:00:00", "dateHoldingAnswer": None, "dateAnswerCorrected": None,
        "answerIsHolding": False, "answerIsCorrection": False, "isWithdrawn": rng.random() < 0.003,
        "isNamedDay": rng.random() < 0.15, "memberHasInterest": rng.random() < 0.02,
        "originalAnswerText": "", "comparableAnswerText": "", "groupedQuestions": [],
        "groupedQuestionsDates": [], "attachmentCount": 0, "attachments": [],
    }
    roll = rng.random()
    if roll < 0.005 and (today - answered).days < 30:
        value.update(answerIsHolding=True, answerText=HOLDING_TEXT, dateHoldingAnswer=value["dateAnswered"])
    elif roll < 0.05:
        value["dateHoldingAnswer"] = f"{answered - dt.timedelta(days=2)}T00:00:00"
    elif roll < 0.06:
        value.update(answerIsCorrection=True, originalAnswerText=atext, correctingMember=minister,
                     correctingMemberId=minister["id"],
                     dateAnswerCorrected=f"{min(today, answered + dt.timedelta(days=20))}T00:00:00",
                     answerText=answer_html(rng, topic, answered))
    if rng.random() < 0.04:
        value["attachments"] = [{"url": f"https://example.invalid/{FIRST_ID + i}.pdf", "title": heading,
                                 "fileType": "PDF", "fileSizeBytes": rng.randint(10_000, 900_000)}]
        value["attachmentCount"] = 1
    if rng.random() < 0.08:
        value["groupedQuestions"] = [str(1000 + (i + 1) % 240000)]
    if revision:
        rev = random.Random(f"{seed}:{i}:rev{revision}")
        value["answerText"] = answer_html(rev, topic, answered) + "<p>Revised answer.</p>"
    return {"value": value, "links": [{"rel": "self", "href": f"/Questions/{FIRST_ID + i}", "method": "GET"}]}


def write_records(data_dir: Path, indices, size: int, seed: int, revision: int = 0) -> list[Path]:
    """Write the given records straight into the store layout (no fsync: bench data)."""
    made, paths = set(), []
    for i in indices:
        record = make_record(i, size, seed, revision)
        path = record_path(data_dir, record["value"]["id"])
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_bytes(canonical_bytes(record))
        paths.append(path)
    return paths


def _chunk(args) -> int:
    data_dir, start, stop, size, seed = args
    return len(write_records(Path(data_dir), range(start, stop), size, seed))


def generate(data_dir: Path, size: int, seed: int = 1, jobs: int = 1) -> dict:
    """Write a corpus of `size` records into `data_dir`; return what was done."""
    started = time.monotonic()
    vocabulary(), members(), department_topics()  # build once before forking
    step = 5000
    chunks = [(str(data_dir), s, min(size, s + step), size, seed) for s in range(0, size, step)]
    if jobs > 1:
        with Pool(jobs) as pool:
            written = sum(pool.imap_unordered(_chunk, chunks))
    else:
        written = sum(map(_chunk, chunks))
    return {"records": written, "seconds": round(time.monotonic() - started, 2), "seed": seed}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="data dir to write (store layout)")
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args(argv)
    report = generate(args.out, args.size, args.seed, args.jobs)
    print(json.dumps(report), file=sys.stderr)
    return 0


if __name__ == "__main__":
    os.nice(0)
    sys.exit(main())
