"""Simulating a network: backends registered by name, their sessions, the network builder and the run settings."""

__all__ = []
