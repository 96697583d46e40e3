"""Moved to :mod:`charity.reports.numerals`; this name stays only for tests/e2e/test_fund.py,
which another change owns. Import :func:`charity.reports.capital_yuan`."""

from charity.reports.numerals import capital_yuan  # noqa: F401
