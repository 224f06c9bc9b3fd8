"""The one part of wrans in C: `indexer/engine/_block_reader.c`, which decodes posting
blocks (see its header). Optional: where no C compiler is found the install still
succeeds and `matcharrays` reads the same arrays with numpy, more slowly."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("indexer.engine._block_reader", ["indexer/engine/_block_reader.c"],
                             extra_compile_args=["-O2"], optional=True)])
