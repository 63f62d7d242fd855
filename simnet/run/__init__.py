"""Running a network: the one pipeline (plan, execute), backends registered by name, sessions, the network builder."""

__all__ = []
