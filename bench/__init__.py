"""Benchmarks: accuracy and speed numbers, printed (never asserted in tests)."""
