"""The test suite: run with ``make test``."""
