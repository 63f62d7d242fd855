"""The audit as a plain-text table for a terminal."""
from __future__ import annotations

import textwrap
from typing import Sequence

from simnet.documents.claims import DOCUMENTS, Reproduction, sci


def format_table(reproductions: Sequence[Reproduction], width: int = 100) -> str:
    """Plain-text table: one line per claim, then its claim text and, if inconsistent, the reason.

    Parameters
    ----------
    reproductions : sequence of Reproduction
    width : int
        Longest line wanted; claim and reason lines are wrapped to it.
    """
    consistent = sum(item.consistent for item in reproductions)
    lines = [f"Seed-document claims recomputed: {len(reproductions)} checks, {consistent} consistent, "
             f"{len(reproductions) - consistent} inconsistent",
             "ratio = recomputed / stated; rules: see simnet.documents"]
    header = f"{'id':<28} {'unit':<18} {'stated':>10} {'recomputed':>11} {'ratio':>8}  verdict"
    current = None
    for item in reproductions:
        if item.document != current:
            current = item.document
            title = f"-- {current}: {DOCUMENTS.get(current, '')}"
            lines += ["", title[:width], header]
        verdict = "consistent" if item.consistent else "INCONSISTENT"
        lines.append(f"{item.id:<28} {item.unit[:18]:<18} {item.stated_text:>10} {sci(item.recomputed):>11} "
                     f"{sci(item.ratio, 3):>8}  {verdict}")
        indent = " " * 4
        lines += textwrap.wrap(item.claim, width=width, initial_indent=indent, subsequent_indent=indent)
        if not item.consistent:
            reason = item.verdict.split(": ", 1)[-1]
            lines += textwrap.wrap("-> " + reason, width=width, initial_indent=indent,
                                   subsequent_indent=indent + "   ")
    return "\n".join(lines)
