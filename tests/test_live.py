"""Opening the live index: its term dictionaries mapped, read exactly as Whoosh reads its files."""

from __future__ import annotations

from whoosh import index as whoosh_index

from indexer.live import MappedFile, PreadFile, live_build, open_live_index


def _lexicon(reader) -> list:
    """Every term with its statistics and postings, field by field."""
    out = []
    for field, text in reader.all_terms():
        info = reader.term_info(field, text)
        ids = list(reader.postings(field, text).all_ids())
        out.append((field, text, info.doc_frequency(), info.weight(), info.max_weight(), ids))
    return out


def test_term_dictionaries_are_mapped_and_read_as_whoosh_reads_them(sample_index_dir):
    mapped = open_live_index(sample_index_dir)
    stock = whoosh_index.open_dir(str(live_build(sample_index_dir)))
    with mapped.reader() as ours, stock.reader() as theirs:
        files = [segment._terms._tindex.dbfile for segment, _offset in ours.leaf_readers()]
        assert files and all(isinstance(f, MappedFile) for f in files)
        assert _lexicon(ours) == _lexicon(theirs)
        assert len(_lexicon(ours)) > 1000  # the sample's lexicon, not an empty one
        assert list(ours.expand_prefix("answer", "smugg")) == list(theirs.expand_prefix("answer", "smugg"))
    assert all(f.is_closed for f in files)  # closing the reader unmaps its terms


def test_postings_and_stored_fields_are_read_by_pread_as_whoosh_reads_them(sample_index_dir):
    ours_index = open_live_index(sample_index_dir)
    stock = whoosh_index.open_dir(str(live_build(sample_index_dir)))
    with ours_index.reader() as ours, stock.reader() as theirs:
        docs = list(range(theirs.doc_count_all()))
        assert [ours.stored_fields(d) for d in docs] == [theirs.stored_fields(d) for d in docs]
        postings = [segment._terms._postfile for segment, _offset in ours.leaf_readers()]
        stored = [segment._perdoc._cached_reader("_stored", None)._child._dbfile
                  for segment, _offset in ours.leaf_readers()]
        assert postings and all(type(f) is PreadFile for f in postings + stored)
        assert len(docs) > 50
