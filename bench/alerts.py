"""`wrans alerts send` at scale: 10,000 confirmed alerts over an index, into a local SMTP sink.

The alerts are a mix like real use: four in five are searches taken from the
bench's query mix (so many alerts share a search, as popular topics do), one in
five follows a question; two alerts per address, so 5,000 digests at most. Every
watermark sits just before the newest `changed` answers (the last update's), so
the run does what an hourly cron run after an update does. The send runs twice:
as it is (alerts with the same search and watermark searched once), then with
each alert's watermark a microsecond apart, which defeats that grouping: the
difference is what grouping buys.

    python -m bench.alerts --data bench/work/data-100000-s1 --mix bench/work/queries-100000.json

reads the data dir only; it builds its own index (with the `changed` field) in a
temporary directory unless `--index` names one that has it. `make bench` runs it
as a child (`child_alerts`) on the index it has just updated.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ALERTS = 10_000
PER_ADDRESS = 2
QUESTION_SHARE = 5  # one alert in five follows a question


class _Sink:
    """Counts the messages a local aiosmtpd server accepts (nothing is parsed or kept)."""

    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def make_alerts(db_path: Path, mix: list[dict], question_ids: list[int], watermark_us: int,
                count: int) -> None:
    """Write `count` confirmed alerts, all with `watermark_us`."""
    from indexer.alerts import store
    from indexer.alerts.targets import search_label, search_target_json
    from indexer.search import SearchRequest

    rng = random.Random(1)
    rows = []
    for n in range(count):
        email = f"reader{n // PER_ADDRESS}@example.org"
        if n % QUESTION_SHARE == 0:
            qid = rng.choice(question_ids)
            rows.append((email, "question", str(qid), f"question {qid}"))
        else:
            request = SearchRequest(q=rng.choice(mix)["q"])
            target = search_target_json(request, f"q={request.q}")
            rows.append((email, "search", target, search_label(request)))
    with store.open_db(db_path) as db, store.transaction(db):
        db.executemany("INSERT OR IGNORE INTO alerts (email, kind, target, label, created_us, confirmed_us, "
                       f"watermark_us) VALUES (?, ?, ?, ?, 0, 0, {int(watermark_us)})", rows)


def watermark_before_newest(index_dir: Path, newest: int) -> tuple[int, list[int]]:
    """The `changed` time just before the `newest` latest answers, and some ids of answers."""
    from whoosh import query

    from indexer.alerts.send import us_from_datetime
    from indexer.live import open_live_index
    from indexer.schema import CHANGED_COLUMN

    ix = open_live_index(index_dir)
    try:
        with ix.searcher() as searcher:
            hits = searcher.search(query.Every(), sortedby=CHANGED_COLUMN, reverse=True, limit=newest + 1)
            times = [hit[CHANGED_COLUMN] for hit in hits]
            ids = [int(hit["id"]) for hit in hits]
            ids += [int(searcher.stored_fields(d)["id"]) for d in range(0, searcher.doc_count_all(), 97)
                    if not searcher.reader().is_deleted(d)][:2000]
    finally:
        ix.close()
    return us_from_datetime(times[-1]), ids


def measure(index_dir: str, mix_file: str, watermark_us: str | None = None, count: str = str(ALERTS),
            newest: str = "500") -> dict:
    """Time two send runs over `count` alerts (grouped, then ungrouped) into a local sink."""
    from aiosmtpd.controller import Controller

    from bench.run import free_port
    from indexer.alerts import store
    from indexer.alerts.send import send_alerts
    from indexer.settings import load_settings

    mix = json.loads(Path(mix_file).read_text())
    since, ids = watermark_before_newest(Path(index_dir), int(newest))
    since = int(watermark_us) if watermark_us else since
    sink, port = _Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, loop=asyncio.new_event_loop())
    controller.start()
    out = {"alerts": int(count), "addresses": int(count) // PER_ADDRESS}
    try:
        with tempfile.TemporaryDirectory(prefix="wrans-bench-alerts-") as tmp:
            settings = load_settings(index_dir=Path(index_dir), alerts_db=Path(tmp) / "alerts.sqlite3",
                                     smtp_host="127.0.0.1", smtp_port=port, smtp_starttls="0",
                                     secret_key="bench", site_url="https://wrans.example.org")
            make_alerts(settings.alerts_db, mix, ids, since, int(count))
            for name, spread in (("grouped", False), ("ungrouped", True)):
                with store.open_db(settings.alerts_db) as db, store.transaction(db):
                    db.execute(f"UPDATE alerts SET watermark_us = {since} + (id * {int(spread)})")
                before, started = sink.count, time.perf_counter()
                report = send_alerts(settings)
                out[name] = {"seconds": round(time.perf_counter() - started, 2), "digests": report.sent,
                             "received": sink.count - before, "searches": report.searches,
                             "ms_per_alert": round((time.perf_counter() - started) * 1000 / int(count), 2)}
    finally:
        controller.stop()
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="data dir to build an index from (read only)")
    parser.add_argument("--index", type=Path, help="an index with the `changed` field (else one is built)")
    parser.add_argument("--mix", type=Path, required=True, help="the bench's query mix (queries-N.json)")
    parser.add_argument("--alerts", type=int, default=ALERTS)
    parser.add_argument("--newest", type=int, default=500, help="answers newer than the watermarks")
    parser.add_argument("--out", type=Path, help="write the figures here as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="wrans-bench-index-") as tmp:
        index_dir = args.index
        if index_dir is None:
            from indexer.index import rebuild_index

            index_dir = Path(tmp) / "index"
            started = time.perf_counter()
            rebuild_index(args.data, index_dir)
            print(f"built {index_dir} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        result = measure(str(index_dir), str(args.mix), None, str(args.alerts), str(args.newest))
    result["date"] = dt.datetime.now().isoformat(timespec="seconds")
    text = json.dumps(result, indent=1, sort_keys=True)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
