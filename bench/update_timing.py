"""How long `wrans update` takes on a large index: nothing changed, then 500 records changed.

The API is the replay server (tests/support) on 127.0.0.1 serving every record of
the data dir, so the figures are wrans's own work plus loopback HTTP; the real API
adds its latency, and the polite rate (WRANS_REQUESTS_PER_SECOND, default 2) bounds
a run from below by requests / rate, which is why both are reported. Each run's
index work (`index_s`: the upsert of what the change journal names, and its
commit) is reported apart, as is one `wrans index --check` (the weekly full sweep)
run first to settle the copied index on the copied data dir's journal.

    python -m bench.update_timing --data bench/work/data-100000-s1 --index bench/work/index-100000

The data dir and index are copied into a scratch dir first (the originals are left
alone). Results go to bench/results/update-<records>.json and stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from indexer import store
from tests.support.replay_server import ReplayApi

RESULTS = Path(__file__).resolve().parent / "results"
REQUESTS = re.compile(r"(\d+) requests")
INDEX_SECONDS = re.compile(r"index (?:update|check|rebuild): .* ([\d.]+)s$", re.MULTILINE)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="data dir to serve and update")
    parser.add_argument("--index", type=Path, required=True, help="the index built from it")
    parser.add_argument("--changed", type=int, default=500, help="records changed for the second run")
    parser.add_argument("--rate", type=float, default=2.0,
                        help="requests per second for the polite runs (0: only the unthrottled ones)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wrans-update-bench-") as scratch:
        result = measure(Path(scratch), args)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"update-{result['records']}.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    return 0


def measure(scratch: Path, args) -> dict:
    data, index, state = scratch / "data", scratch / "index", scratch / "state"
    shutil.copytree(args.data / "questions", data / "questions")
    shutil.copytree(args.index, index, symlinks=True)
    records = [store.read_record(p) for p in store.iter_record_paths(data)]
    result = {"date": dt.datetime.now().isoformat(timespec="seconds"), "records": len(records),
              "changed": args.changed, "load": os.getloadavg()[0], "runs": {}}
    with ReplayApi(records) as api:
        env = {**os.environ, "WRANS_API_URL": api.url, "WRANS_DATA_DIR": str(data),
               "WRANS_INDEX_DIR": str(index), "WRANS_STATE_DIR": str(state)}
        result["check"] = run_wrans(env, "index", "--check")
        for rate in dict.fromkeys((0.0, args.rate)):
            mark_updated_just_now(state)
            result["runs"][f"unchanged, {rate:g} req/s"] = run_update(env, rate)
            change_records(api, args.changed, salt=f"rate{rate:g}")
            mark_updated_just_now(state)
            result["runs"][f"{args.changed} changed, {rate:g} req/s"] = run_update(env, rate)
    return result


def mark_updated_just_now(state_dir: Path) -> None:
    """Pretend the last successful update ran now, as it would have under cron."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    store.write_state(state_dir, "update", {"last_success": now, "retry_ids": []})


def change_records(api: ReplayApi, count: int, salt: str) -> None:
    """Correct `count` records today: new text, a correction date, the old text kept."""
    today = dt.date.today().isoformat() + "T10:00:00"
    for question_id in sorted(api.records)[:: max(1, len(api.records) // count)][:count]:
        value = api.records[question_id]["value"]
        value.update(answerIsCorrection=True, originalAnswerText=value.get("answerText") or "",
                     answerText=f"<p>Corrected ({salt}) answer {question_id}.</p>", dateAnswerCorrected=today)


def run_update(env: dict, rate: float) -> dict:
    result = run_wrans({**env, "WRANS_REQUESTS_PER_SECOND": str(rate)}, "update", "-v")
    requests = REQUESTS.search(result["summary"])
    return {**result, "requests": int(requests.group(1)) if requests else None}


def run_wrans(env: dict, *args: str) -> dict:
    """Run one `wrans` command; return its wall time, its index work and its stdout."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "indexer.cli", *args], capture_output=True, text=True,
                          env=env, check=False)
    seconds = round(time.monotonic() - started, 2)
    if done.returncode != 0:
        raise SystemExit(f"wrans {' '.join(args)} failed: {done.stderr}")
    index = INDEX_SECONDS.search(done.stderr)
    return {"seconds": seconds, "index_s": float(index.group(1)) if index else None,
            "summary": done.stdout.strip() or done.stderr.strip().splitlines()[-1]}


if __name__ == "__main__":
    sys.exit(main())
