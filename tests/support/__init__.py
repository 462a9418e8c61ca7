"""Helpers for the test suite (databases on both backends, the real broker, tokens)."""
