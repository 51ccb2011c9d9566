"""Shared test helpers (standard library only; importable on Python 3.10 and 3.11+)."""
