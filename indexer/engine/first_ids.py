"""A deletions filter that learns a term's first document from its terms-table row.

In a segment with deleted documents Whoosh wraps every term's matcher in a
`FilterMatcher`, whose constructor steps the term past deleted documents: it asks
for the term's first document, and to answer Whoosh reads, inflates and unpickles
the term's whole first block, for every field of every word in every such segment
(90 blocks for a three-word search at a million answers, whose other blocks are
read from their bytes in C: `matcharrays`). The terms table's row already holds
the term's first document (`W3TermInfo._minid`). When the filter keeps that one,
as it nearly always does, stepping would move nothing, so nothing is read: the
filter and its term stand where Whoosh's constructor leaves them, with the block
still to be read when something asks for it.

Private Whoosh names relied on: `W3TermsReader.matcher` (replaced: the stock one
plus the first document), its `_codec`, `_postfile` and `term_info`;
`W3TermInfo._minid`; `FilterMatcher._find_next` (replaced for that case),
`_ids`, `_exclude`; `W3LeafMatcher`'s `_data`, `_i`, `_dataoffset`, `_byteids`.
"""

from __future__ import annotations

from whoosh.codec.whoosh3 import W3LeafMatcher, W3TermsReader
from whoosh.matching.wrappers import FilterMatcher

STOCK_FIND_NEXT = FilterMatcher._find_next


def _matcher(self: W3TermsReader, fieldname: str, tbytes: bytes, format_, scorer=None):
    """`W3TermsReader.matcher`, its leaf told the term's first document and first block."""
    terminfo = self.term_info(fieldname, tbytes)
    term = (fieldname, tbytes)
    m = self._codec.postings_reader(self._postfile, terminfo, format_, term=term, scorer=scorer)
    if type(m) is W3LeafMatcher:
        m._wrans_first = (terminfo._minid, m._dataoffset)
    return m


def _find_next(self: FilterMatcher) -> bool:
    """`FilterMatcher._find_next`, answered from the terms table when the child stands,
    unread, on its first document and the filter keeps that document."""
    child = self.child
    first = getattr(child, "_wrans_first", None)
    if (first is not None and child._data is None and not child._i and not child._byteids
            and child._dataoffset == first[1] and child.is_active()
            and (first[0] in self._ids) is not self._exclude):
        return False  # nothing to step past: what stepping would return
    return STOCK_FIND_NEXT(self)


def use_first_ids() -> None:
    """Install both (see above)."""
    W3TermsReader.matcher = _matcher
    FilterMatcher._find_next = _find_next


use_first_ids()
