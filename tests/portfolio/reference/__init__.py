"""An independent reference for the ledger and performance maths, in exact fractions.

Written from docs/portfolio-maths.md (not from portfolio/ledger.py or portfolio/performance.py),
so the differential tests in tests/portfolio/test_differential_*.py compare two implementations
that share nothing but the document.
"""
