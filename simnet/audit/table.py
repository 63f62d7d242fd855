"""The audit as a plain-text table for a terminal."""
from __future__ import annotations

import textwrap
from typing import Sequence

from simnet.audit.claims import DOCUMENTS, Reproduction, sci

__all__ = ["format_table", "format_model_checks"]


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
             "ratio = recomputed / stated; rules: see simnet.audit"]
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


def format_model_checks(checks, width: int = 100) -> str:
    """What the back-tested performance model predicts for the documents' configurations, as text."""
    lines = ["", "What the back-tested performance model (simnet backtest) predicts for the documents' configurations:"]
    for c in checks:
        lines += textwrap.wrap(f"{c.chains}: {c.configuration}", width=width, subsequent_indent="    ")
        if c.reason:
            lines += textwrap.wrap(f"-> not described: {c.reason}", width=width, initial_indent="    ",
                                   subsequent_indent="       ")
            continue
        years = c.time_to_solution_s / 3.15576e7 if c.time_to_solution_s is not None else None
        text = (f"-> {c.devices:,} devices ({c.devices_by_memory:,} needed by memory): {sci(c.wall_s_per_bio_s, 3)} s "
                f"per biological s, bottleneck {c.bottleneck}"
                + (f"; {sci(years, 3)} years to solution" if years is not None and c.time_to_solution_s > 1e6 else "")
                + f"; FLOPs counted after CSE {sci(c.flops_cse, 3)}, peak-equivalent {sci(c.peak_equivalent_flops, 3)}")
        lines += textwrap.wrap(text, width=width, initial_indent="    ", subsequent_indent="       ")
        for note in (*c.assumptions, *c.notes):
            lines += textwrap.wrap(f"assumed/noted: {note}", width=width, initial_indent="    ",
                                   subsequent_indent="       ")
    return "\n".join(lines)
