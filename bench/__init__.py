"""The benchmark harness of issue 7: corpus generator, FTS5 baseline, query mix, runner."""
