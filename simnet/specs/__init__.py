"""What a network is before anything is built: model specs, and user networks brought by ``simnet account``."""

__all__ = []
