"""Fixtures' machinery and helpers that tests import directly."""
