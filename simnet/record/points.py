"""How a benchmark point is named: its label for people, its slug for file names, its key for matching.

A point is a dict of the swept options' values; summaries, reports and the equivalence rule all find points by these.
"""
from __future__ import annotations

import re

__all__ = ["point_label", "point_slug", "point_key"]


def point_label(point: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in point.items())


def point_slug(point: dict) -> str:
    slug = "_".join(f"{k}-{v}" for k, v in point.items()) or "point"
    return re.sub(r"[^A-Za-z0-9._-]", "-", slug)


def point_key(point: dict) -> tuple:
    """A hashable key of a point's options (values compared by their repr, so 1 and 1.0 stay apart)."""
    return tuple((k, repr(v)) for k, v in point.items())
