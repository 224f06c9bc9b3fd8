"""The requests a load test sends: what people ask for, and what a hostile client sends.

Every entry is (kind, path). Normal requests are searches a researcher makes,
pages of results, filters, downloads, feeds and answer pages; hostile ones are
the expensive or malformed requests the service must refuse or answer quickly.
"""

from __future__ import annotations

import random
from urllib.parse import quote, urlencode

WORDS = ["department", "school", "migrants", "railway", "health", "children", "housing", "tax",
         "energy", "police", "apprentices", "poverty", "sudan", "visas", "funding", "hospital"]
FILTERS = [("house", "Commons"), ("house", "Lords"), ("dept", "Home Office"),
           ("dept", "Department for Education"), ("status", "answered"), ("year", "2024")]


def normal(rng: random.Random, answer_ids: list[int]) -> str:
    """One request a person might make."""
    roll = rng.random()
    q = " ".join(rng.sample(WORDS, rng.choice([1, 1, 2, 3])))
    params = {"q": q}
    if rng.random() < 0.3:
        params.update([rng.choice(FILTERS)])
    if rng.random() < 0.2:
        params["sort"] = rng.choice(["newest", "oldest"])
    if roll < 0.45:
        return "/search?" + urlencode(params)
    if roll < 0.60:
        return "/api/search?" + urlencode(params)
    if roll < 0.80:
        marked = "?" + urlencode({"q": q}) if rng.random() < 0.5 else ""
        return f"/answers/{rng.choice(answer_ids)}{marked}"
    if roll < 0.85:
        return f"/api/answers/{rng.choice(answer_ids)}"
    if roll < 0.92:
        return "/search.csv?" + urlencode(params)
    if roll < 0.97:
        return "/search.atom?" + urlencode(params)
    return "/search?" + urlencode({**params, "page": 2})


HOSTILE = [
    "/search?q=*", "/search?q=a*", "/search?q=*a*", "/search?q=dep*", "/search?q=ka%2A",
    "/search?q=" + quote("answer:[a TO]"), "/search?q=" + quote("(" * 300 + "tax" + ")" * 300),
    "/search?q=" + quote(" OR ".join(WORDS * 8)), "/search?q=" + quote('"' + " ".join(WORDS) + '"'),
    "/search?q=" + "x" * 5000, "/api/search?q=" + quote("NOT NOT NOT -- ++ ~~ ^^ ::"),
    "/search?q=tax&page=501", "/search?q=tax&page=-1", "/search?q=tax&page=99999999999999999999",
    "/api/search?q=tax&page_size=100000", "/search?q=tax&sort=%3Cscript%3E",
    "/search?q=tax&answered_from=2024-02-30", "/search?q=tax&answered_from=0001-01-01&answered_to=9999-12-31",
    "/search?q=%ED%A0%80%FF", "/search?q=" + quote("\u202e\u200b\U0001F600 e\u0301"),
    "/search?q=%00%01%02", "/search?q=" + quote('"><script>alert(1)</script>'),
    "/search?" + "&".join(f"dept=d{i}" for i in range(200)) + "&q=tax",
    "/search.csv?q=*", "/search.atom?q=" + quote("((((((((((((((((tax"), "/search.json?q=a*b*c*",
    "/answers/0", "/answers/99999999999999999999", "/api/answers/-1", "/answers/abc",
    "/search?q=tax&attachments=maybe", "/search?q=tax&status=evil", "/search?unknown=1&q[]=x",
]


def hostile(rng: random.Random) -> str:
    """One request meant to be slow, malformed or malicious."""
    return rng.choice(HOSTILE)
