"""The layout of `scraped/`: one raw API record per question id, written atomically.

    <data_dir>/questions/<bucket>/<id>.json     bucket = id // 1000, zero-padded

Each file holds the detail endpoint's envelope (`{"value": {...}, "links": [...]}`)
as stable JSON (sorted keys, indent 1, UTF-8, trailing newline), so identical
content gives identical bytes and every run knows exactly what changed. A file is
written through a temporary file in the same directory and `os.replace`, so a
reader or a killed writer never sees half a record. Every id written is appended
to `<data_dir>/changes.journal` (`journal.py`), so indexing reads what changed
instead of the whole data dir.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from . import journal
from .errors import StoreError

QUESTIONS = "questions"


def record_path(data_dir: Path, question_id: int) -> Path:
    """Return where the record of `question_id` lives."""
    return Path(data_dir) / QUESTIONS / f"{int(question_id) // 1000:05d}" / f"{int(question_id)}.json"


def canonical_bytes(record: dict) -> bytes:
    """Serialise a record deterministically: same content, same bytes."""
    return (json.dumps(record, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def write_record(data_dir: Path, record: dict) -> str:
    """Store `record` if its content changed; return "new", "changed" or "unchanged".

    A changed record's id goes to the change journal, which `wrans index` reads.
    """
    try:
        question_id = int(record["value"]["id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise StoreError(f"record has no usable value.id: {exc!r}") from exc
    path = record_path(data_dir, question_id)
    data = canonical_bytes(record)
    try:
        old = path.read_bytes()
    except FileNotFoundError:
        old = None
    if old == data:
        return "unchanged"
    journal.append(data_dir, [question_id])  # before and after: see journal.py
    write_atomic(path, data)
    journal.append(data_dir, [question_id])
    return "new" if old is None else "changed"


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old or the new bytes, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        _remove_quietly(tmp)
        raise


def read_record(path: Path) -> dict:
    """Load one stored record, raising StoreError when it is not a JSON object."""
    try:
        with open(path, encoding="utf-8", errors="surrogatepass") as handle:
            record = json.load(handle)
    except (OSError, ValueError) as exc:
        raise StoreError(f"{path}: cannot read record: {exc}") from exc
    if not isinstance(record, dict):
        raise StoreError(f"{path}: not a JSON object")
    return record


def iter_record_paths(data_dir: Path) -> Iterator[Path]:
    """Yield every stored record file, in id order within each bucket."""
    root = Path(data_dir) / QUESTIONS
    if not root.is_dir():
        return
    for bucket in sorted(p for p in root.iterdir() if p.is_dir()):
        yield from sorted(
            (p for p in bucket.glob("*.json") if not p.name.startswith(".")),
            key=lambda p: (len(p.stem), p.stem),
        )


def question_id_from_path(path: Path) -> int | None:
    """Return the id a record file is named for, or None for a stray file."""
    return int(path.stem) if path.stem.isdigit() else None


def sweep_temporary_files(data_dir: Path) -> int:
    """Delete temp files left by a killed writer; return how many were removed.

    `os.scandir` and a name test, not a glob: it runs before every update and
    lists every bucket (1,000 directories at a million records).
    """
    root = Path(data_dir) / QUESTIONS
    removed = 0
    if root.is_dir():
        for bucket in os.scandir(root):
            if not bucket.is_dir():
                continue
            for entry in os.scandir(bucket.path):
                if entry.name.startswith(".") and entry.name.endswith(".tmp"):
                    _remove_quietly(entry.path)
                    removed += 1
    return removed


def read_state(state_dir: Path, name: str) -> dict:
    """Return the JSON state called `name`, or {} when there is none yet."""
    path = Path(state_dir) / f"{name}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError as exc:
        raise StoreError(f"{path}: state file is not valid JSON: {exc}") from exc


def write_state(state_dir: Path, name: str, state: dict) -> None:
    """Replace the JSON state called `name` atomically."""
    write_atomic(Path(state_dir) / f"{name}.json", canonical_bytes(state))


def remove_state(state_dir: Path, name: str) -> None:
    """Forget the JSON state called `name` (nothing happens when there is none)."""
    _remove_quietly(Path(state_dir) / f"{name}.json")


def _remove_quietly(path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
