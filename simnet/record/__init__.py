"""The run record and every file simnet reads or writes, validated on read."""

__all__ = []
