"""`/api/timeliness` at scale: the per-department figures computed from the index, in-process.

Run as a bench child in a fresh process: the first call builds the searcher's
arrays (dates, departments, houses, the life column), as a fresh web worker's
first request would; the warm calls are what every later request costs. Each
call covers a different period (all time, each of the last years, one House),
so no result is reused. The issue's target: under 300 ms at 1M answers.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

TARGET_MS = 300
WARM_CALLS = 20


def requests(today: dt.date) -> list:
    from indexer.timeliness import TimelinessRequest

    periods = [TimelinessRequest(today=today), TimelinessRequest(house="Commons", today=today)]
    for year in range(today.year - 8, today.year + 1):
        periods.append(TimelinessRequest(dt.date(year, 1, 1), dt.date(year, 12, 31), today=today))
    return periods


def child_timeliness(index_dir: str) -> dict:
    """Time one cold and WARM_CALLS warm timeliness computations over the whole index."""
    from bench.run import percentiles
    from indexer.search import SearchIndex
    from indexer.timeliness import timeliness_to_dict

    index = SearchIndex(Path(index_dir))
    periods = requests(dt.date.today())
    started = time.perf_counter()
    first = timeliness_to_dict(index.timeliness(periods[0]))
    cold_ms = (time.perf_counter() - started) * 1000
    warm = []
    for n in range(WARM_CALLS):
        started = time.perf_counter()
        timeliness_to_dict(index.timeliness(periods[n % len(periods)]))
        warm.append((time.perf_counter() - started) * 1000)
    stats = percentiles(warm)
    return {"cold_ms": round(cold_ms, 1), "warm_ms": stats, "departments": len(first["departments"]),
            "answered": sum(r["answered"] for r in first["departments"]),
            "under_target": stats["p95"] < TARGET_MS}
