"""The benchmark harness still works end to end on a tiny corpus (so it cannot rot silently)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from bench import corpus, fts5, plain_fts5, run, tantivy_engine
from bench.queries import CLASSES, build_mix, request_from_spec
from bench.report import render_run, render_targets
from indexer.index import rebuild_index
from indexer.normalize import answer_from_record
from indexer.search import SearchIndex
from indexer.store import iter_record_paths, read_record

SIZE = 300


@pytest.fixture(scope="module")
def bench_corpus(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("bench") / "data"
    report = corpus.generate(data_dir, SIZE, seed=3)
    return data_dir, report


def test_generator_writes_every_record_in_the_store_layout(bench_corpus):
    data_dir, report = bench_corpus
    paths = list(iter_record_paths(data_dir))
    assert report["records"] == len(paths) == SIZE
    answers = [answer_from_record(read_record(p)) for p in paths]
    assert len({a.department for a in answers}) >= 15
    assert {a.house for a in answers} == {"Commons", "Lords"}
    assert all(a.asking_member and a.asking_member.party for a in answers)
    assert min(a.date_answered for a in answers).year == 2014
    lengths = sorted(len(a.answer_text) for a in answers)
    assert lengths[len(lengths) // 2] < lengths[-1] / 4  # a long tail
    assert sum(a.is_correction for a in answers) >= 1


def test_generator_is_deterministic_by_seed(bench_corpus, tmp_path):
    data_dir, _ = bench_corpus
    corpus.write_records(tmp_path, range(5), SIZE, seed=3)
    for path in iter_record_paths(tmp_path):
        assert path.read_bytes() == (data_dir / path.relative_to(tmp_path)).read_bytes()
    assert corpus.make_record(5, SIZE, 3) != corpus.make_record(5, SIZE, 4)
    assert corpus.make_record(5, SIZE, 3, revision=1)["value"]["answerText"] != \
        corpus.make_record(5, SIZE, 3)["value"]["answerText"]


def test_queries_run_on_whoosh_and_fts5_and_agree(bench_corpus, tmp_path):
    data_dir, _ = bench_corpus
    mix = build_mix(SIZE, seed=3, per_class=2)
    assert Counter(s["cls"] for s in mix) == {cls: 2 for cls in CLASSES}
    assert len(build_mix(SIZE, seed=3)) >= 200
    rebuild_index(data_dir, tmp_path / "index")
    assert fts5.build(data_dir, tmp_path / "fts.db") == SIZE
    con = fts5.connect(tmp_path / "fts.db")
    agree = 0
    with SearchIndex(tmp_path / "index") as index:
        for spec in mix:
            ours = index.search(request_from_spec(spec))
            theirs = fts5.search(con, spec)
            agree += ours.total == theirs["total"]
            if spec["cls"] == "combined":  # terms + department + dates may match nothing
                continue
            assert theirs["total"] > 0, spec
            assert ours.total > 0, spec
            if spec["cls"] != "phrase":
                assert any("<mark>" in s for s in theirs["snippets"]), spec
    assert agree >= len(mix) // 2
    json.dumps(mix)  # the mix is what the runner stores


@pytest.mark.parametrize("engine", ["plain-fts5", "tantivy"])
def test_reference_engines_build_and_run_the_mix_in_child_processes(bench_corpus, tmp_path, engine):
    data_dir, _ = bench_corpus
    mix = build_mix(SIZE, seed=3, per_class=2)
    mix_file = tmp_path / "mix.json"
    mix_file.write_text(json.dumps(mix))
    target = tmp_path / engine
    built = run.run_child("build-reference", engine, str(data_dir), str(target))
    assert built["documents"] == SIZE and built["index_bytes"] > 10_000
    found = run.run_child("search-reference", engine, str(target), str(mix_file), "1")
    assert [r["cls"] for r in found["rows"]] == [s["cls"] for s in mix]
    assert not [r for r in found["rows"] if r["error"]]
    assert run.summarise(found["rows"])["by_class"].keys() == set(CLASSES)


def test_reference_engines_find_what_fts5_finds(bench_corpus, tmp_path):
    """Same top page as FTS5's for plain FTS5 (the same SQLite), totals close for tantivy."""
    data_dir, _ = bench_corpus
    mix = [s for s in build_mix(SIZE, seed=3, per_class=3) if s["cls"] != "combined"]
    fts5.build(data_dir, tmp_path / "fts.db")
    plain_fts5.build(data_dir, tmp_path / "plain.db")
    tantivy_engine.build(data_dir, tmp_path / "tantivy")
    faceted, plain = fts5.connect(tmp_path / "fts.db"), plain_fts5.connect(tmp_path / "plain.db")
    tantivy = tantivy_engine.connect(tmp_path / "tantivy")
    close = 0
    for spec in mix:
        theirs, page = fts5.search(faceted, spec, 5), plain_fts5.search(plain, spec, 5)
        assert page["total"] is None and len(page["ids"]) == len(theirs["ids"]), spec
        found = tantivy_engine.search(tantivy, spec, 5)
        close += abs(found["total"] - theirs["total"]) <= max(2, 0.1 * theirs["total"])  # stemmers differ
        if not theirs["total"]:  # a phrase of the generator's made-up words may match nothing
            continue
        if spec["cls"] not in ("sorted", "combined"):  # date ties may come in another order
            assert page["ids"] == theirs["ids"], spec
        assert any("<mark>" in s for s in page["snippets"]) or spec["cls"] == "phrase", spec
        assert len(found["ids"]) == min(5, found["total"]) and found["total"] > 0, spec
        assert all(isinstance(i, int) for i in found["ids"])
    assert close >= 0.8 * len(mix)


def test_search_targets_are_computed_from_the_figures():
    def summary(p50, p95, rare=(1, 2), phrase=(1, 2)):
        def stats(p50, p95):
            return {"p50": p50, "p95": p95, "p99": p95}
        return {"overall": stats(p50, p95), "by_class": {"rare": stats(*rare), "phrase": stats(*phrase)}}

    out = {"size": 10, "search_whoosh": summary(10, 50, rare=(4, 9), phrase=(20, 90)),
           "search_plain_fts5": summary(8, 60, rare=(1, 2), phrase=(15, 80)),
           "web": {"api": {"facets_none": {"overall": {"p95": 91}}}}}
    t = run.search_targets(out)
    assert (t["mix_p95_at_or_below_plain_fts5"], t["mix_p95_under_100ms"]) == (True, True)
    assert t["class_p50_ratios_to_plain_fts5"] == {"rare": 4.0, "phrase": 1.33}
    assert t["every_class_p50_within_2x_plain_fts5"] is False
    assert t["api_facets_none_p95_within_1_5x_plain_fts5"] is False  # 91 > 1.5 * 60
    assert (t["rare_p50_under_5ms"], t["phrase_p95_under_100ms"]) == (True, True)
    table = render_targets(t)
    assert "| rare word p50 under 5 ms | 4.0 ms | yes |" in table
    assert "| `/api/search?facets=none` p95 within 1.5x plain FTS5's | 91.0 vs 90.0 ms | **no** |" in table
    out["search_whoosh"] = summary(10, 61, rare=(6, 9), phrase=(16, 101))
    t = run.search_targets(out)
    assert not (t["mix_p95_at_or_below_plain_fts5"] or t["rare_p50_under_5ms"] or t["phrase_p95_under_100ms"])
    assert run.reference_ratios(out)["plain_fts5"]["search_p95"] == round(61 / 60, 2)


def test_report_renders_a_run():
    whoosh = {"p50": 2, "p95": 4, "p99": 5}
    fts = {"p50": 1, "p95": 2, "p99": 2}
    run = {"size": 10, "seed": 1, "date": "2026-01-01T00:00:00", "queries": 1,
           "machine": {"loadavg_start": [0.1]},
           "build_whoosh": {"wall_s": 2.0, "index_bytes": 4e6, "peak_rss_mb": 90},
           "build_fts5": {"wall_s": 1.0, "index_bytes": 1e6, "peak_rss_mb": 30},
           "open_whoosh": [{"total_ms": 10}], "open_fts5": [{"total_ms": 1}],
           "update_whoosh": {"indexed": 5, "wall_s": 1.0}, "update_fts5": {"indexed": 5, "wall_s": 0.5},
           "search_whoosh": {"overall": whoosh, "rss_mb": {"VmHWM": 40},
                             "error_count": 0, "errors": [], "by_class": {"rare": whoosh}},
           "search_fts5": {"overall": fts, "rss_mb": {"VmHWM": 20},
                           "error_count": 0, "errors": [], "by_class": {"rare": fts}}}
    table = render_run(run)
    assert "| search p95, whole mix (warm) | 4.0 ms | 2.0 ms | 2.00 |" in table
    assert "| rare |" in table


def test_the_report_reads_only_the_dated_result_files(tmp_path, monkeypatch):
    from bench import report

    (tmp_path / "2026-01-02.json").write_text(json.dumps({"runs": {"1000": {"date": "2026-01-02T10:00"}}}))
    (tmp_path / "update-1000.json").write_text(json.dumps({"runs": {"unchanged, 0 req/s": {}}}))
    monkeypatch.setattr(report, "RESULTS", tmp_path)
    assert list(report.latest_runs()) == [1000]


def test_connection_measurements_run_on_a_small_corpus(bench_corpus, tmp_path):
    from bench.connections import measure

    data_dir, _ = bench_corpus
    rebuild_index(data_dir, tmp_path / "index", procs=1)
    out = measure(str(data_dir), str(tmp_path / "index"), "10.0")
    assert out["member"] and out["department"]
    assert out["member_page"]["warm_median_ms"] > 0 and out["department_page"]["cold_ms"] > 0
    assert out["references"]["records"] == SIZE and 0 < out["references"]["share_of_build"] < 1


def test_the_alerts_bench_sends_every_digest_grouped_and_ungrouped(bench_corpus, tmp_path):
    from bench.alerts import measure

    data_dir, _ = bench_corpus
    rebuild_index(data_dir, tmp_path / "index", procs=1)
    mix = tmp_path / "mix.json"
    mix.write_text(json.dumps([{"q": "department"}, {"q": "support"}]))
    out = measure(str(tmp_path / "index"), str(mix), None, "40", "100")
    assert out["grouped"]["received"] == out["grouped"]["digests"] > 0
    assert out["ungrouped"]["received"] == out["grouped"]["received"]
    assert out["grouped"]["searches"] < out["ungrouped"]["searches"]


def test_reference_engines_show_a_page_as_long_as_wrans_does():
    from indexer.search import PAGE_SIZE

    assert run.REFERENCE_PAGE == PAGE_SIZE


def test_a_reused_run_takes_every_build_from_the_newest_run_that_built(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "RESULTS", tmp_path)
    built = {"date": "2026-11-29T22:04", "build_whoosh": {"wall_s": 9.0}, "build_fts5": {"wall_s": 3.0},
             "build_plain_fts5": {"wall_s": 2.0}, "search_whoosh": {}}
    (tmp_path / "2026-11-29.json").write_text(json.dumps({"runs": {"5": built}}))
    reused = run.reused_builds(5)
    assert set(reused) == {"build_whoosh", "build_fts5", "build_plain_fts5"}
    assert all(figures["reused_from"] == built["date"] for figures in reused.values())
    assert reused["build_plain_fts5"]["wall_s"] == 2.0
    assert run.reused_builds(6) is None
    # A later run that reused them all but built the index again (`--rebuild-index`).
    rebuilt = {"date": "2026-11-30T08:00", "build_whoosh": {"wall_s": 8.0},
               **{key: figures for key, figures in reused.items() if key != "build_whoosh"}}
    (tmp_path / "2026-11-30.json").write_text(json.dumps({"runs": {"5": rebuilt}}))
    reused = run.reused_builds(5)
    assert reused["build_whoosh"] == {"wall_s": 8.0, "reused_from": rebuilt["date"]}
    assert reused["build_fts5"] == {"wall_s": 3.0, "reused_from": built["date"]}
