"""Summaries, comparisons, tables and figures: they read records and never simulate."""

__all__ = []
