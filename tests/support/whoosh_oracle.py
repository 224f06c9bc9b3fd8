"""Stock Whoosh as the oracle, less two 2.7.4 stepping bugs that `matcharrays` does not copy.

- `AndNotMatcher` (Whoosh's matcher for `a -b`, `AndNot`, and, by another 2.7.4
  slip, `Require`) checks its first match against `b` only when both start on the
  same document: when `b` starts before `a`'s first match, that match is let
  through even if `b` holds it. `matcharrays` takes the set difference.
- `InverseMatcher` (`NOT x` alone) stops skipping deleted documents once its
  child has run out, so a deleted document right after the child's last match is
  returned. `matcharrays` drops it (`_not_missing`).

`check_first_and_not_match` and `skip_deleted_after_the_child` make stock
Whoosh do what it means to, so that the oracles compare like with like;
tests/test_matcharrays.py shows both bugs in stock Whoosh.
"""

from __future__ import annotations

from whoosh.matching import AndNotMatcher, InverseMatcher

_inverse_find_next = InverseMatcher._find_next


def _find_first(self):
    if self.a.is_active() and self.b.is_active():
        self._find_next()  # what every later match gets


def _find_next_not_missing(self):
    _inverse_find_next(self)
    while self._id < self.limit and self.missing(self._id):  # the child ran out: still skip deletions
        self._id += 1


def check_first_and_not_match(monkeypatch) -> None:
    monkeypatch.setattr(AndNotMatcher, "_find_first", _find_first)


def skip_deleted_after_the_child(monkeypatch) -> None:
    monkeypatch.setattr(InverseMatcher, "_find_next", _find_next_not_missing)


def fix_stepping(monkeypatch) -> None:
    """Both fixes above."""
    check_first_and_not_match(monkeypatch)
    skip_deleted_after_the_child(monkeypatch)
