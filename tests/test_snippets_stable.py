"""Snippets are the same on every call, and the fast scanner gives Whoosh's own passages."""

from __future__ import annotations

import pytest
from whoosh import highlight

from indexer import snippets, store
from indexer.schema import english_analyzer

from .conftest import SAMPLE_DIR

FILLER = ("The department keeps these figures under review and will publish them in the usual way "
          "once the quarterly returns have been checked by officials. ")


def _text(paragraphs: int) -> str:
    """Paragraphs each naming one ferry once, far enough apart to be separate passages."""
    return "".join(f"Ferry route number {n} is served daily. " + FILLER * 3 for n in range(paragraphs))


def test_equal_passages_go_to_the_earliest():
    """Whoosh breaks score ties by memory address; ours by position, so the first two win."""
    analyzer = english_analyzer()
    text = _text(12)
    for _ in range(20):
        found = snippets.passages(snippets.snippet_analyzer(analyzer), "", text, frozenset({"ferri"}))
        assert [("number 0" in p, "number 1 " in p) for p in found] == [(True, False), (False, True)]


def _whoosh_marked(analyzer, text: str, words: frozenset[str], top: int) -> list[str]:
    """The passages as Whoosh's own pipeline marks them: the oracle for `SnippetScanner`."""
    if not text or not words:
        return []
    fragmenter = highlight.ContextFragmenter(maxchars=snippets.SNIPPET_CHARS, surround=snippets.SURROUND,
                                             charlimit=None)
    formatter = highlight.HtmlFormatter(tagname="mark", between="\x00")
    tokens = highlight.set_matched_filter(analyzer(text, chars=True, mode="query", removestops=False), words)
    fragments = snippets._joined(text, fragmenter.fragment_tokens(text, tokens), 2 * snippets.SNIPPET_CHARS)
    fragments = highlight.top_fragments(fragments, top, snippets._earliest_first, highlight.FIRST, (1,))
    marked = formatter(text, snippets._joined(text, fragments, None))
    return [part.strip() for part in marked.split("\x00") if "<mark" in part]


def _sample_texts() -> list[str]:
    from indexer.index import _document_from_path

    docs = [_document_from_path(p) for p in store.iter_record_paths(SAMPLE_DIR)]
    return [d[f] for d in docs for f in ("question", "answer") if d.get(f)]


@pytest.mark.parametrize("words", [frozenset({"ferri"}), frozenset({"figur", "review", "the"}),
                                   frozenset({"offici", "return", "quarter", "depart"}),
                                   frozenset({"govern", "minist", "depart", "of", "a"}),
                                   frozenset({"sudan", "humanitarian", "support"})])
def test_the_scanner_marks_the_passages_whoosh_marks(words):
    analyzer = english_analyzer()
    scanner = snippets.snippet_analyzer(analyzer)
    texts = [_text(6) + " Çafé naïve ÉLITE résumé 1,000 4.5 www.gov.uk it's", *_sample_texts()]
    marked = 0
    for _ in range(2):  # the second time every word comes from the memo
        for text in texts:
            for top in (1, 2):
                expected = _whoosh_marked(analyzer, text, words, top)
                assert snippets._marked(scanner, text, words, top) == expected
                marked += bool(expected)
    assert marked >= 4, "the words are marked in several texts"


def test_passages_cut_from_one_run_of_text_are_shown_as_one():
    """Matches ~280 characters apart make two touching passages: shown as one, the text whole."""
    text = ("Ferry crossings are monitored. " + "word " * 48 + "Ferry operators report monthly. "
            + "more " * 80 + "Ferry fares are set.")
    found = snippets.passages(snippets.snippet_analyzer(english_analyzer()), "", text, frozenset({"ferri"}))
    assert len(found) == 2, found
    first = found[0].replace('<mark class="match term0">', "").replace("</mark>", "")
    assert first.startswith("Ferry crossings are monitored. word word")
    assert "word word Ferry operators report monthly. more more" in first  # the text between kept
    assert found[1].endswith("Ferry</mark> fares are set")


def test_chosen_passages_that_touch_are_joined_whatever_their_length():
    """Three touching passages: too long to join before choosing, shown as one after."""
    text = ("Ferry one. " + "word " * 44 + "Ferry two. " + "word " * 44 + "Ferry three. "
            + "more " * 80 + "Ferry four.")
    found = snippets.passages(snippets.snippet_analyzer(english_analyzer()), "", text, frozenset({"ferri"}))
    assert len(found) == 1, found
    plain = found[0].replace('<mark class="match term0">', "").replace("</mark>", "")
    assert plain.startswith("Ferry one. word") and "word Ferry two. word" in plain
    assert "word Ferry three" in plain and len(plain) > 2 * snippets.SNIPPET_CHARS


def test_empty_fragments_from_whoosh_are_not_joined_in():
    """Whoosh's ContextFragmenter can yield a fragment without matches (start 0): it is dropped."""
    from whoosh import highlight

    text = "x " * 400
    match = type("Match", (), {"startchar": 600, "endchar": 601})()
    real = highlight.Fragment(text, [match], 500, 700)
    empty = highlight.Fragment(text, [], 0, 720)
    assert [(f.startchar, f.endchar) for f in snippets._joined(text, [real, empty], None)] == [(500, 700)]


# Porter's rewritten endings, and words ending in them twice over ("-ency" + "-bility").
PORTER_ENDS = ("ational", "tional", "ency", "enci", "ancy", "izer", "bly", "ally", "ently", "ely",
               "ously", "ization", "ation", "ator", "alism", "iveness", "fulness", "ousness", "ality",
               "ivity", "iviti", "bility", "biliti", "logy", "icate", "ative", "alize", "icity",
               "ical", "ful", "ness", "ed", "ing", "ies", "y", "eed", "ated", "bled", "ized", "lled",
               "ement", "tion", "able", "ible", "ous", "ive", "ence", "ance", "er", "ic", "al", "e")


def _porter_words() -> list[str]:
    beginnings = ("", "a", "ab", "bab", "tra", "possi", "sens", "mob", "y", "yb", "hop", "fil", "condi")
    return [b + first + second for b in beginnings for first in PORTER_ENDS for second in ("", *PORTER_ENDS)]


def test_every_word_starts_with_the_prefix_sought_for_its_stem():
    """The claim `_sought_prefixes` rests on, over the sample's words and Porter's endings."""
    scanner = snippets.snippet_analyzer(english_analyzer())
    words = {w for text in _sample_texts() for w in scanner._split(text)[1::2]} | set(_porter_words())
    two_letters_rewritten = 0
    for word in words:
        term = scanner._term(word)
        prefixes = snippets._sought_prefixes(frozenset({term}))
        if prefixes is None:  # a non-ASCII stem is not searched for
            continue
        assert word.lower().translate(scanner._fold).startswith(prefixes[0]), (word, term)
        two_letters_rewritten += not word.lower().startswith(term[:-1])
    assert len(words) > 5000 and two_letters_rewritten, "the edge ('-ency' + '-bility') is reached"


@pytest.mark.parametrize("seed", range(3))
def test_the_guided_scan_finds_every_token_a_full_scan_does(seed):
    """Prefix-guided tokens equal the every-word ones, matches or not, for words each text holds."""
    import random

    scanner = snippets.snippet_analyzer(english_analyzer())
    chooser = random.Random(seed)
    texts = [t for t in _sample_texts() if t.isascii()]
    guided = 0
    for text in texts:
        terms = sorted({scanner._term(w) for w in scanner._split(text)[1::2]})
        words = frozenset(chooser.sample(terms, min(len(terms), chooser.randint(1, 3)))) | {"ferri"}
        for sought in (words, frozenset({"ferri", "zzyzx"})):
            assert scanner.tokens(text, sought, window=False) == scanner._all_tokens(text, sought)
            guided += snippets._occurrences(text.lower(), snippets._sought_prefixes(sought)) is not None
    assert len(texts) > 100 and guided > 100


def test_only_the_english_chain_is_searched_by_prefix():
    from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
    from whoosh.support.charset import accent_map

    from indexer.schema import exact_analyzer

    assert snippets.snippet_analyzer(english_analyzer())._fold is not None
    assert snippets.snippet_analyzer(exact_analyzer())._fold is None  # no stemmer: every word looked up
    other_words = (RegexTokenizer(r"\w+") | LowercaseFilter() | CharsetFilter(accent_map) | StopFilter()
                   | StemFilter())
    assert snippets.snippet_analyzer(other_words)._fold is None  # "a_b" is one word: not TOKEN's


@pytest.mark.parametrize("words", [frozenset({"resum"}), frozenset({"elit", "naiv"}), frozenset({"cafe"})])
def test_accented_words_are_found_by_their_folded_prefix(words):
    """"Résumé" folds to "resume": searched unfolded, its prefix "res" would pass the text over."""
    analyzer = english_analyzer()
    text = "The Çafé “naïve” ÉLITE Résumé: " + FILLER
    expected = _whoosh_marked(analyzer, text, words, 1)
    assert expected and snippets._marked(snippets.snippet_analyzer(analyzer), text, words, 1) == expected


def _long_ascii_text() -> str:
    """Ferries far apart in a long plain-ASCII text, so each is scanned in a window of its own."""
    return "".join(f"Ferry route number {n} is served daily. " + FILLER * 6 for n in range(8))


@pytest.mark.parametrize("text", [
    _long_ascii_text(),
    FILLER * 4 + "x" + " " * 200 + "Ferry crossings. " + FILLER,  # context before the window's first word
    FILLER + " " * 300 + "z" + " " * 83 + "y" + " " * 100 + "Ferry.",  # "z": context, not in the window
    FILLER * 4 + "Ferry" + " " * 400 + "tail words.",  # the passage runs on past the window
    FILLER * 4 + "Ferry" + "\n" * 400 + "tail words.",
])
@pytest.mark.parametrize("words", [frozenset({"ferri"}), frozenset({"ferri", "figur"})])
def test_passages_from_a_window_are_the_whole_texts(text, words):
    analyzer = english_analyzer()
    scanner = snippets.snippet_analyzer(analyzer)
    for top in (1, 2):
        assert snippets._marked(scanner, text, words, top) == _whoosh_marked(analyzer, text, words, top)


def test_a_long_text_is_scanned_only_around_its_matches():
    scanner = snippets.snippet_analyzer(english_analyzer())
    text = FILLER * 20 + "Ferry route. " + FILLER * 20
    window = scanner.tokens(text, frozenset({"ferri"}))
    assert 0 < window.lo < text.index("Ferry") < window.hi < len(text)
    assert window.hi - window.lo < len(text) / 4
    whole = scanner.tokens(text, frozenset({"ferri"}), window=False)
    shift = whole.starts.index(window.starts[0])
    assert whole.starts[shift:shift + len(window.starts)] == window.starts
    assert [whole.marks[i + shift] for i in range(len(window.marks))] == window.marks


@pytest.mark.parametrize(("text", "words"), [
    ("Totals rose to 1,000abc and then 2,000 in all.", frozenset({"abc"})),  # a word just after a number
    ("Totals rose to 1,000 and then 2,000 in all.", frozenset({"000"})),  # inside numbers: no word
    ("Stocks of ,000 and x,000 remain.", frozenset({"000"})),
    ("Pay rose 4.5% to 4.50 in 2024, and 14.5 later.", frozenset({"4.5"})),
    ("The Ferry’s “Ferry” route ½ferry and café ferry.", frozenset({"ferri"})),  # folded, offsets kept
    ("Ferry… ferry … ferry İstanbul ferry.", frozenset({"ferri"})),  # folding lengthens: every word
])
def test_words_at_number_and_accent_edges_are_marked_as_whoosh_marks_them(text, words):
    analyzer = english_analyzer()
    expected = _whoosh_marked(analyzer, text, words, 2)
    assert snippets._marked(snippets.snippet_analyzer(analyzer), text, words, 2) == expected


def test_a_searchs_prefixes_are_worked_out_once_for_all_its_texts():
    scanner = snippets.snippet_analyzer(english_analyzer())
    snippets._sought_prefixes.cache_clear()
    texts = _sample_texts()[:10]
    for text in texts:
        snippets.passages(scanner, text, text, frozenset({"ferri", "figur"}))
    assert snippets._sought_prefixes.cache_info()[:2] == (2 * len(texts) - 1, 1)  # hits, misses


@pytest.mark.parametrize("text", [
    "Costs of £20 – ‘a’ “b” • c… 5° ½ § ·\xa0end", "An élite café at £5", "İstanbul’s £5", "naïve — ‘ÉLITE’",
    "plain ascii"])
def test_a_text_is_folded_as_its_non_ascii_runs_are(text):
    """`_folded` passes over the typography that folds to itself, and folds as run by run otherwise."""
    scanner = snippets.snippet_analyzer(english_analyzer())
    lower = text.lower()
    runs = snippets._NON_ASCII.findall(lower)
    expected = (snippets._NON_ASCII.sub(lambda run: run.group().translate(scanner._fold), lower),
                len(lower) == len(text) and all(len(r.translate(scanner._fold)) == len(r) for r in runs))
    assert scanner._folded(text) == expected
    assert set(snippets.TYPOGRAPHY) == set(scanner._unfolded)  # none of them folds here
