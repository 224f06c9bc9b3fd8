"""A small per-process LRU cache whose entries belong to one index generation.

Paging through a result list and repeating a popular search should not match the
whole index again. Keys start with the index's identity (live build directory and
generation); when a search sees a new identity the cache is emptied, so nothing
from before a commit or a rebuild can be served after it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict


class GenerationCache:
    """LRU mapping of key -> value for the current index identity only."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict = OrderedDict()
        self._identity = None
        self._lock = threading.Lock()

    def get(self, identity, key):
        """Return the cached value for `key` under `identity`, or None."""
        if self.size <= 0:
            return None
        with self._lock:
            if identity != self._identity:
                return None
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, identity, key, value) -> None:
        """Remember `value`; a new `identity` first drops everything cached before it."""
        if self.size <= 0:
            return
        with self._lock:
            if identity != self._identity:
                self._entries.clear()
                self._identity = identity
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
