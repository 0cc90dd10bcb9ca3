"""Benchmarks (``make bench``) and the peer implementations they are compared against.

Nothing here is imported by the application or the tests. See ``python -m bench.run --help``.
"""
