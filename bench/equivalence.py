"""Check that a change to the search path left every result the same.

    python -m bench.equivalence dump --index DIR --queries FILE --out before.json
    python -m bench.equivalence compare before.json after.json

`dump` runs every query of a bench mix as `/search` would (pages 1 and 2, and
each sort order) and writes the hit ids, totals and facet counts; run it once
with the old code on the path (e.g. `PYTHONPATH=<old checkout>` from another
directory) and once with the new, then `compare` prints every difference.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path


def dump(index_dir: Path, mix: list[dict]) -> list[dict]:
    from bench.queries import request_from_spec
    from indexer.search import SearchIndex

    index = SearchIndex(index_dir, time_limit=120.0)
    rows = []
    for spec in mix:
        base = request_from_spec(spec)
        for sort in ("relevance", "newest", "oldest"):
            for page in (1, 2):
                request = replace(base, sort=sort, page=page)
                try:
                    found = index.search(request)
                    row = {"total": found.total, "ids": [h.answer.id for h in found.hits],
                           "scores": [h.score if sort == "relevance" else None for h in found.hits],
                           "facets": {k: [list(p) for p in v] for k, v in found.facets.items()}}
                except Exception as exc:  # a refused query must be refused by both
                    row = {"error": type(exc).__name__}
                rows.append({"q": spec["q"], "cls": spec["cls"], "sort": sort, "page": page, **row})
    return rows


def compare(before: list[dict], after: list[dict]) -> list[str]:
    """One line per (query, sort, page) whose total, ids, facets or error differ."""
    out = []
    for a, b in zip(before, after, strict=True):
        for key in ("error", "total", "ids", "scores", "facets"):
            if a.get(key) != b.get(key):
                out.append(f"{a['cls']} {a['q']!r} {a['sort']} p{a['page']}: {key} "
                           f"{_short(a.get(key))} -> {_short(b.get(key))}")
    return out


def _short(value) -> str:
    text = json.dumps(value)
    return text if len(text) < 160 else text[:160] + "..."


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("--index", type=Path, required=True)
    d.add_argument("--queries", type=Path, required=True)
    d.add_argument("--out", type=Path, required=True)
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    if args.command == "dump":
        rows = dump(args.index, json.loads(args.queries.read_text()))
        args.out.write_text(json.dumps(rows, indent=0))
        return 0
    diffs = compare(json.loads(args.before.read_text()), json.loads(args.after.read_text()))
    print("\n".join(diffs) or "identical")
    print(f"{len(diffs)} differences")
    return 1 if diffs else 0


if __name__ == "__main__":
    raise SystemExit(main())
