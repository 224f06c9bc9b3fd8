"""A corpus big enough for the multi-process rebuild, and its index, built once a session.

`SIZE` generated answers (bench.corpus): the fewest records `building.plan_runs`
splits between two processes, each segment over 5,000 documents so that Whoosh
picks its own large-index matchers (binary unions rather than preloaded ORs).

The index is built the way an operator recovers from a crash: `wrans index
--rebuild` with two processes is killed with -9 once both its workers are busy,
what became of the workers is recorded (`KilledRebuild`; tests/test_index_lifecycle.py
asserts on it), and `wrans index --rebuild` runs again. An update then rewrites
every 50th answer (201, which two processes write as two segments), so the index
has four segments and deleted documents.
Processes are found through /proc, so these fixtures need Linux.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bench import corpus
from indexer.engine import building
from indexer.index import update_index

REPO = Path(__file__).resolve().parent.parent.parent
SIZE = 2 * building.MIN_RUN + 2  # two runs of 5,001: both processes write, segments over 5,000
SEED = 11
REWRITTEN = range(0, SIZE, 50)
BUSY_CPU_SECONDS = 0.3  # CPU each worker has used before the kill: it is writing records
WATCH_SECONDS = 5.0  # how long the workers are watched after the kill (the test wants < 2)


@dataclass
class KilledRebuild:
    """What happened when a rebuild's parent was killed with -9."""

    workers: dict[int, str]  # pid -> command line, as seen before the kill
    seconds_before_kill: float  # the rebuild ran this long
    gone_after: float | None  # seconds from the kill until no worker ran; None: some outlived the watch
    left_running: list[str] = field(default_factory=list)  # whatever still ran then (then killed)

    def describe(self) -> str:
        lines = [f"parent killed with -9 after {self.seconds_before_kill:.1f}s; its workers:"]
        lines += [f"  pid {pid}: {cmd}" for pid, cmd in self.workers.items()]
        lines.append(f"all gone {self.gone_after:.2f}s after the kill" if self.gone_after is not None
                     else f"still running {WATCH_SECONDS:.0f}s after the kill: {self.left_running}")
        return "\n".join(lines)


@dataclass
class LargeIndex:
    data_dir: Path
    index_dir: Path
    env: dict[str, str]  # WRANS_* settings a `wrans` subprocess needs for this index
    killed: KilledRebuild
    rebuild: subprocess.CompletedProcess  # the rebuild after the kill
    rebuild_seconds: float


_built: LargeIndex | None = None


def large_index(tmp_path_factory) -> LargeIndex:
    """The session's large index (see the module docstring), built on first use."""
    global _built
    if _built is None:
        if not Path("/proc/self/stat").exists():
            pytest.skip("needs /proc to watch the rebuild's processes")
        _built = _build(tmp_path_factory.mktemp("large"))
    return _built


def wrans_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "indexer.cli", *args]


def _build(root: Path) -> LargeIndex:
    data_dir, index_dir = root / "data", root / "index"
    corpus.write_records(data_dir, range(SIZE), SIZE, SEED)
    env = {"WRANS_DATA_DIR": str(data_dir), "WRANS_INDEX_DIR": str(index_dir),
           "WRANS_STATE_DIR": str(root / "state"), "WRANS_INDEX_PROCS": "2"}
    killed = kill_once_busy(wrans_command("-q", "index", "--rebuild"), {**os.environ, **env})
    started = time.monotonic()
    rebuild = subprocess.run(wrans_command("-q", "index", "--rebuild"), env={**os.environ, **env},
                             cwd=REPO, capture_output=True, text=True, timeout=900)
    seconds = time.monotonic() - started
    if rebuild.returncode == 0:
        update_index(data_dir, index_dir, paths=corpus.write_records(data_dir, REWRITTEN, SIZE, SEED, 1))
    return LargeIndex(data_dir, index_dir, env, killed, rebuild, seconds)


def kill_once_busy(command: list[str], env: dict[str, str], workers: int = 2) -> KilledRebuild:
    """Start `command`, kill it with -9 once `workers` children are busy, watch them go.

    Whatever the watch finds still running (the children, or anything else run
    with this `env`'s index dir) is killed afterwards, so a failing test leaves
    nothing behind; the record says it was there.
    """
    started = time.monotonic()
    parent = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        children = _wait_for_busy_children(parent, workers)
    except BaseException:
        parent.kill()
        parent.wait()
        raise
    seen = {pid: _cmdline(pid) for pid in children}
    before_kill = time.monotonic() - started
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    killed_at = time.monotonic()
    gone_after = None
    marker = f"WRANS_INDEX_DIR={env['WRANS_INDEX_DIR']}"
    while time.monotonic() - killed_at < WATCH_SECONDS:
        if not [pid for pid in children if _running(pid)] and not _running_with(marker):
            gone_after = time.monotonic() - killed_at
            break
        time.sleep(0.02)
    left = sorted({*(p for p in children if _running(p)), *_running_with(marker)})
    record = KilledRebuild(seen, before_kill, gone_after, [f"pid {p}: {_cmdline(p)}" for p in left])
    for pid in left:
        _kill(pid)
    return record


def _wait_for_busy_children(parent: subprocess.Popen, count: int, timeout: float = 300) -> list[int]:
    """The parent's children once `count` of them have each used BUSY_CPU_SECONDS of CPU."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if parent.poll() is not None:
            raise AssertionError(f"the rebuild ended (exit {parent.returncode}) before it could be killed")
        children = _children(parent.pid)
        if len(children) >= count and all(_cpu_seconds(pid) >= BUSY_CPU_SECONDS for pid in children):
            return children
        time.sleep(0.05)
    raise AssertionError(f"no {count} busy workers within {timeout}s")


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (state first), or None if gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields and int(fields[1]) == pid:
                found.append(int(entry))
    return sorted(found)


def _running(pid: int) -> bool:
    """True while `pid` exists and is not a zombie (dead, waiting for its new parent to reap it)."""
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def _cpu_seconds(pid: int) -> float:
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") if fields else 0.0


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return "?"


def _running_with(marker: str) -> list[int]:
    """Running processes (ours) whose environment holds `marker`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                environ = Path(f"/proc/{entry}/environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if marker.encode() in environ and _running(int(entry)):
                found.append(int(entry))
    return found


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
