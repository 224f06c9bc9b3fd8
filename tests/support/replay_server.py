"""A stand-in for the Written Questions API on 127.0.0.1, with scripted faults.

It serves a set of detail records (`{"value": {...}, "links": [...]}`) the way the
API does: the list endpoint filters by answered/corrected/tabled dates, house,
`answered` (Answered: has a `dateAnswered`; Unanswered: has none) and withdrawal,
pages with skip/take/totalResults and truncates texts like the real
list (answer HTML stripped and cut to 255 characters plus "...", question cut to
255); the detail endpoint returns the record as is, or a 404 ProblemDetails.

Many bundled sample records have no `dateAnswered`. `ReplayApi.from_sample()`
gives each of those a date (its `dateTabled` if known, else a day derived from
its id) in the served record, so every sample record is reachable through
`answeredWhenFrom/To`; tests compare stored files with what the server serves.

Faults are scripted with `add_fault(kind, target, times)`; `target` is "list",
"detail" or a question id. Every request is logged in `requests` with the fault
served, so tests can count what the client really did.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup

QUESTIONS = "/api/writtenquestions/questions"
DETAIL = re.compile(rf"^{QUESTIONS}/(\d+)$")
FAULTS = ("500", "429", "slow", "truncated", "html", "drop", "no_value")


@dataclass
class Fault:
    kind: str
    target: object
    times: int
    retry_after: str = "1"
    delay: float = 1.0


@dataclass
class Request:
    path: str
    query: dict
    kind: str  # "list", "detail" or "other"
    question_id: int | None
    fault: str | None
    at: float  # time.monotonic() when the request arrived


class QuietServer(ThreadingHTTPServer):
    """Ignore clients that hang up (a timed-out client leaves a broken pipe behind)."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass


class ReplayApi:
    """The API over `records`, served from a thread; use as a context manager."""

    def __init__(self, records: list[dict]):
        self.records = {r["value"]["id"]: r for r in records}
        self.hidden: set[int] = set()  # listed, but the detail answers 404
        self.ignored: set[str] = set()  # query parameters treated as unknown (silently ignored)
        self.faults: list[Fault] = []
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        self.server = QuietServer(("127.0.0.1", 0), _handler_for(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @classmethod
    def from_sample(cls, sample_dir: Path) -> ReplayApi:
        """Serve the bundled sample, giving a `dateAnswered` to records that lack one."""
        records = [json.loads(p.read_text(encoding="utf-8"))
                   for p in sorted(Path(sample_dir).glob("questions/*/*.json"))]
        for record in records:
            value = record["value"]
            if not value.get("dateAnswered"):
                day = date(2022, 1, 3) + timedelta(days=value["id"] * 37 % 1400)
                value["dateAnswered"] = value.get("dateTabled") or f"{day.isoformat()}T00:00:00"
        return cls(records)

    def __enter__(self) -> ReplayApi:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add_fault(self, kind: str, target="detail", times: int = 1, **options) -> None:
        assert kind in FAULTS, kind
        with self.lock:
            self.faults.append(Fault(kind, target, times, **options))

    def take_fault(self, kind: str, question_id: int | None) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.target in (kind, question_id):
                    fault.times -= 1
                    return fault
        return None

    def count(self, kind: str, question_id: int | None = None) -> int:
        return sum(1 for r in self.requests
                   if r.kind == kind and (question_id is None or r.question_id == question_id))

    def list_payload(self, query: dict) -> dict:
        values = [self.records[i]["value"] for i in sorted(self.records)]
        known = {k: v for k, v in query.items() if k not in self.ignored}
        matches = [v for v in values if _matches(v, known)]
        skip, take = int(query.get("skip", 0)), int(query.get("take", 20))
        page = matches[skip:skip + take]
        return {"totalResults": len(matches),
                "results": [{"value": list_value(v), "links": [_link(v["id"])]} for v in page]}


def list_value(value: dict) -> dict:
    """The list endpoint's view of a record: texts truncated like the real API."""
    out = dict(value)
    answer = value.get("answerText")
    if answer:
        text = BeautifulSoup(answer, "html.parser").get_text()
        out["answerText"] = text[:255] + "..." if len(text) > 255 else text
    if value.get("questionText"):
        out["questionText"] = value["questionText"][:255]
    return out


def _matches(value: dict, query: dict) -> bool:
    windows = (("answeredWhenFrom", "answeredWhenTo", "dateAnswered"),
               ("correctedWhenFrom", "correctedWhenTo", "dateAnswerCorrected"),
               ("tabledWhenFrom", "tabledWhenTo", "dateTabled"))
    answered = query.get("answered", "Any")
    if answered != "Any" and bool(value.get("dateAnswered")) != (answered == "Answered"):
        return False
    for low_name, high_name, field in windows:
        low, high = query.get(low_name), query.get(high_name)
        day = (value.get(field) or "")[:10]
        if (low or high) and not day:
            return False
        if (low and day < low) or (high and day > high):
            return False
    if query.get("house") and value.get("house") != query["house"]:
        return False
    return not value.get("isWithdrawn") or query.get("includeWithdrawn", "").lower() == "true"


def _link(question_id: int) -> dict:
    return {"rel": "self", "href": f"/Questions/{question_id}", "method": "GET"}


def _handler_for(api: ReplayApi):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else each response waits ~40 ms for a delayed ACK

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            match = DETAIL.match(parts.path)
            kind = "list" if parts.path == QUESTIONS else "detail" if match else "other"
            question_id = int(match.group(1)) if match else None
            fault = api.take_fault(kind, question_id) if kind != "other" else None
            with api.lock:
                api.requests.append(Request(parts.path, query, kind, question_id, fault and fault.kind,
                                            time.monotonic()))
            if fault and fault.kind != "slow":
                return self.send_fault(fault, kind, question_id, query)
            if fault:
                time.sleep(fault.delay)
            self.send_answer(kind, question_id, query)

        def send_answer(self, kind, question_id, query) -> None:
            if kind == "list":
                return self.send_json(200, api.list_payload(query))
            record = api.records.get(question_id) if kind == "detail" else None
            if record is None or question_id in api.hidden:
                return self.send_json(404, {"type": "https://tools.ietf.org/html/rfc7231#section-6.5.4",
                                            "title": "Not Found", "status": 404,
                                            "traceId": "00-replay-00"}, "application/problem+json")
            self.send_json(200, record)

        def send_fault(self, fault, kind, question_id, query) -> None:
            if fault.kind == "drop":
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if fault.kind == "500":
                return self.send_body(500, b"<html><body>Internal Server Error</body></html>", "text/html")
            if fault.kind == "429":
                return self.send_body(429, b"Too many requests", "text/plain",
                                      {"Retry-After": fault.retry_after})
            if fault.kind == "html":
                return self.send_body(200, b"<!DOCTYPE html><html><body>Service busy</body></html>",
                                      "text/html")
            if fault.kind == "no_value":
                return self.send_json(200, {"links": []} if kind == "detail" else {"totalResults": 3})
            payload = api.list_payload(query) if kind == "list" else api.records[question_id]
            body = json.dumps(payload).encode("utf-8")
            self.send_body(200, body[: len(body) // 2], "application/json")

        def send_json(self, status: int, payload, content_type="application/json") -> None:
            self.send_body(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                           f"{content_type}; charset=utf-8")

        def send_body(self, status: int, body: bytes, content_type: str, headers=None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


def main() -> None:
    """Serve the bundled sample until interrupted: `python -m tests.support.replay_server [PORT]`."""
    import sys

    sample = Path(__file__).resolve().parent.parent.parent / "scraped"
    api = ReplayApi.from_sample(sample)
    if len(sys.argv) > 1:
        api.server.server_close()
        api.server = QuietServer(("127.0.0.1", int(sys.argv[1])), _handler_for(api))
        api.url = f"http://127.0.0.1:{sys.argv[1]}"
    print(f"serving {len(api.records)} records at {api.url}", flush=True)
    try:
        api.server.serve_forever()
    except KeyboardInterrupt:
        print(f"{len(api.requests)} requests served", flush=True)


if __name__ == "__main__":
    main()
