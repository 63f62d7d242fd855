"""Base utilities every stage may use: errors, units, atomic files, child processes, progress, version, data tables."""

__all__ = []
