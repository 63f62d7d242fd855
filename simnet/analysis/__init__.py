"""What a run's activity says: spike statistics, start-up transients, the column's regime, equivalence of runs."""

__all__ = []
