"""The C block reader (`indexer/engine/_block_reader.c`) against unpickling.

Blocks of every shape the writers pickle (Whoosh's protocol 2 and wrans's compact
protocol 3; 1 to 130 postings, so tuples opened by "(" and by TUPLE1-3; ids and
weights of every int width, float weights, one weight for all, none; value
strings short, long and repeated) must decode to what `pickle.loads` gives, or
be handed back for unpickling; damaged blocks must be handed back, never read past.
The real index's blocks are compared in tests/test_matcharrays.py.
"""

from __future__ import annotations

import pickle
import shutil
import struct
from array import array
from itertools import accumulate
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.engine import matcharrays
from indexer.engine.posting_pool import block_compress, block_dumps

read_blocks = matcharrays.read_blocks

pytestmark = pytest.mark.skipif(read_blocks is None and not shutil.which("cc"),
                                reason="no C compiler here to build the reader with")

INTS = st.one_of(st.integers(0, 255), st.integers(0, 65_535), st.integers(-(2**31), 2**31 - 1))
WEIGHTS = st.one_of(st.integers(0, 255), st.integers(0, 70_000), st.floats(allow_nan=False, width=64))
VALUES = st.one_of(st.binary(max_size=40), st.binary(min_size=256, max_size=300))


@st.composite
def blocks(draw):
    """(the block's data tuple, the protocol it is pickled with)."""
    count = draw(st.integers(1, 130))
    ids = tuple(draw(st.lists(INTS, min_size=count, max_size=count)))
    weights = draw(st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False, width=32),
                             st.lists(WEIGHTS, min_size=count, max_size=count).map(tuple)))
    values = draw(st.one_of(st.none(), st.lists(VALUES, min_size=count, max_size=count).map(tuple)))
    if values is not None and draw(st.booleans()):  # one object twice: pickled as a memo get
        values = (values[0],) * count
    return (ids, weights, values), draw(st.sampled_from([2, 3]))


def _expected_weights(weights, count: int) -> list[float]:
    if weights is None:
        return [1.0] * count
    if isinstance(weights, float):
        return array("f", [weights]).tolist() * count
    return [float(w) for w in weights]


def _read(pickles: list[bytes], counts: list[int], with_values: bool):
    sizes = np.array(counts, dtype=np.int64)
    starts = np.cumsum(sizes) - sizes
    total = int(sizes.sum())
    deltas, weights = np.zeros(total, dtype=np.int64), np.zeros(total)
    value_starts, value_lengths = np.zeros(total, dtype=np.int64), np.zeros(total, dtype=np.int64)
    bad, values = read_blocks(pickles, sizes, starts, deltas, weights,
                              *((value_starts, value_lengths) if with_values else (None, None)))
    return bad, starts, deltas, weights, values, value_starts, value_lengths


def test_the_reader_is_built_where_a_compiler_is():
    """`make install` builds it wherever `cc` is found: a search reads its blocks in C."""
    assert read_blocks is not None


@settings(max_examples=300, deadline=None)
@given(st.lists(blocks(), min_size=1, max_size=6), st.booleans())
def test_blocks_decode_to_what_unpickling_gives_or_are_handed_back(drawn, with_values):
    pickles = [pickle.dumps(data, protocol) for data, protocol in drawn]
    counts = [len(data[0]) for data, _protocol in drawn]
    bad, starts, deltas, weights, values, value_starts, value_lengths = _read(pickles, counts, with_values)
    for i, ((ids, block_weights, block_values), protocol) in enumerate(drawn):
        readable = (protocol == 3 or block_values is None or not with_values) and not (
            with_values and (block_values is None or len(set(map(id, block_values))) < len(block_values)))
        assert (i not in bad) == readable, (i, protocol)
        if i in bad:
            continue
        at = slice(starts[i], starts[i] + counts[i])
        assert deltas[at].tolist() == list(ids)
        assert weights[at].tolist() == _expected_weights(block_weights, counts[i])
        if with_values:
            spans = zip(value_starts[at], value_lengths[at], strict=True)
            assert [values[a:a + n] for a, n in spans] == list(block_values)
    assert values is None if not with_values else isinstance(values, bytes)


@settings(max_examples=300, deadline=None)
@given(blocks(), st.data())
def test_a_cut_or_damaged_block_is_handed_back_never_read_past(drawn, data):
    (ids, weights, values), protocol = drawn
    whole = pickle.dumps((ids, weights, values), protocol)
    cut = whole[:data.draw(st.integers(0, len(whole) - 5))]  # the values' memo put cut, at least
    bad = _read([cut], [len(ids)], with_values=True)[0]
    assert bad == [0]
    at = data.draw(st.integers(0, len(whole) - 1))
    damaged = whole[:at] + bytes([whole[at] ^ data.draw(st.integers(1, 255))]) + whole[at + 1:]
    _read([damaged], [len(ids)], with_values=True)  # decoded or handed back: either, without a crash


def test_blocks_already_unpickled_or_of_another_count_are_handed_back():
    block = pickle.dumps(((5, 1, 1, 1), None, None), 3)
    bad = _read([block, ((5, 1, 1, 1), None, None), block, block], [4, 4, 5, 3], with_values=False)[0]
    assert bad == [1, 2, 3]  # a tuple Whoosh read; four ids where 5 or 3 are said


def test_arrays_of_the_wrong_kind_or_size_are_refused():
    block = pickle.dumps(((5, 1), None, None), 3)
    counts, starts = np.array([2]), np.array([0])
    with pytest.raises(TypeError):
        read_blocks([block], counts, starts, np.zeros(2, dtype=np.int32), None, None, None)
    with pytest.raises(ValueError):
        read_blocks([block], counts, starts, np.zeros(2, dtype=np.int64), np.zeros(1), None, None)
    with pytest.raises(ValueError):
        read_blocks([block, block], counts, starts, np.zeros(4, dtype=np.int64), None, None, None)


@st.composite
def terms(draw):
    """A term's postings as `W3PostingsWriter` writes them (after the header tag), and
    each block's (ids, weights, values)."""
    ids = sorted(draw(st.sets(st.integers(0, 5_000), min_size=1, max_size=400)))
    postings, blocks = [], []
    while ids:
        count = draw(st.integers(1, 128))
        chunk, ids = ids[:count], ids[count:]
        weights = draw(st.one_of(st.none(), st.lists(st.integers(1, 300), min_size=len(chunk),
                                                     max_size=len(chunk)).map(tuple)))
        values = tuple(bytes([i % 256]) * (i % 7 + 2) for i in chunk)
        deltas = (chunk[0], *(b - a for a, b in zip(chunk, chunk[1:], strict=False)))
        data = block_dumps((deltas, weights, values))
        level = draw(st.sampled_from([0, 3]))
        data = block_compress(data, level) if level else data
        info = block_dumps((len(chunk), chunk[-1], 1.5, level, 1, 2))
        length = len(info) + len(data)
        postings.append(struct.pack("!i", -length if not ids else length) + info + data)
        blocks.append((chunk, weights, values))
    return b"".join(postings), blocks


@settings(max_examples=200, deadline=None)
@given(terms(), st.one_of(st.none(), st.sets(st.integers(0, 5_100), max_size=60)), st.booleans())
def test_a_terms_postings_read_at_once_are_its_wanted_blocks_decoded(term, within, with_values):
    postings, blocks = term
    candidates = None if within is None else np.array(sorted(within), dtype=np.int64)
    ids, weights, strings = matcharrays._read_term(SimpleNamespace(_data=None), postings, candidates, True,
                                                   with_values, lambda: None)
    wanted, lowest = [], 0  # the blocks that can hold a candidate, as `_posting_blocks` picks them
    for chunk, block_weights, values in blocks:
        if candidates is not None and not (candidates >= lowest).any():
            break
        if candidates is None or ((candidates >= lowest) & (candidates <= chunk[-1])).any():
            wanted.append((chunk, block_weights, values))
        lowest = chunk[-1] + 1
    assert ids.tolist() == [i for chunk, _w, _v in wanted for i in chunk]
    assert weights.tolist() == [w for chunk, block_weights, _v in wanted
                                for w in _expected_weights(block_weights, len(chunk))]
    if with_values:
        assert [strings[i] for i in range(len(strings))] == [v for _c, _w, values in wanted for v in values]


@settings(max_examples=300, deadline=None)
@given(terms(), st.data())
def test_damaged_postings_are_refused_or_read_never_read_past(term, data):
    postings, _blocks = term
    at = data.draw(st.integers(0, len(postings) - 1))
    damaged = postings[:at] + bytes([postings[at] ^ data.draw(st.integers(1, 255))]) + postings[at + 1:]
    for cut in (damaged, postings[:data.draw(st.integers(0, len(postings) - 1))]):
        try:  # refused (None), an error from inflating, or read: never a crash
            matcharrays.read_term(cut, None, matcharrays.decompress, True, True, None, None, 0)
        except Exception as error:  # noqa: BLE001 - what matters is that Python gets control back
            assert "error" in type(error).__name__.lower() or isinstance(error, ValueError), repr(error)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 70_000), min_size=1, max_size=1200), st.data())
def test_position_strings_decode_as_whoosh_does_or_are_handed_back(gaps, data):
    from whoosh.formats import Positions

    string = Positions().encode(list(accumulate(gaps)))
    sizes, positions, handed = matcharrays.read_positions(
        np.frombuffer(string, dtype=np.uint8), np.array([0]), np.array([len(string)]))
    assert handed == [] and np.frombuffer(positions, dtype=np.int64).tolist() == list(accumulate(gaps))
    at = data.draw(st.integers(0, len(string) - 1))
    damaged = string[:at] + bytes([string[at] ^ data.draw(st.integers(1, 255))]) + string[at + 1:]
    cut = string[:data.draw(st.integers(0, len(string) - 1))]
    for bad in (damaged, cut):  # read (a changed gap), or handed back: never read past
        sizes, positions, handed = matcharrays.read_positions(
            np.frombuffer(bad + b"\xff" * 8, dtype=np.uint8), np.array([0]), np.array([len(bad)]))
        assert handed == [0] or len(np.frombuffer(positions, dtype=np.int64)) == len(gaps)
