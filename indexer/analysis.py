"""The name under which every wrans index's table of contents pickles `MemoAnalyzer`.

Whoosh pickles the schema, analyzers included, into each index's TOC, so
`indexer.analysis.MemoAnalyzer` is part of the on-disk format: opening any index
imports it from here. The class lives in `indexer.engine.analysis` with the rest
of the code that reaches into Whoosh, and keeps this name when pickled. Do not
remove or rename this module without a rebuild of every index.
"""

from .engine.analysis import MemoAnalyzer

__all__ = ["MemoAnalyzer"]
