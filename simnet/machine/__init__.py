"""The machine: what hardware this is, its micro-benchmarks, and the hardware tables with their peaks."""

__all__ = []
