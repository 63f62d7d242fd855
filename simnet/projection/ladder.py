"""The orders-of-magnitude ladder: the documents' estimates, simnet's projections and ML training runs on one axis."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from simnet.base.units import SECONDS_PER_YEAR

__all__ = ["LADDER_STATED", "LADDER_RECOMPUTED", "LADDER_PROJECTION", "LADDER_ML", "LADDER_KINDS",
           "LADDER_MIN_DOCUMENT_FLOP", "LadderEntry", "ladder_entries"]

LADDER_STATED = "document, as stated"
LADDER_RECOMPUTED = "document, recomputed by simnet"
LADDER_PROJECTION = "simnet, projected from a measured run"
LADDER_ML = "ML training run"
LADDER_KINDS = (LADDER_STATED, LADDER_RECOMPUTED, LADDER_PROJECTION, LADDER_ML)
#: Document figures in FLOP below this are per-benchmark or per-0.3-s figures, not whole-training totals,
#: and belong on a different scale from the ladder's training runs.
LADDER_MIN_DOCUMENT_FLOP = 1e20


@dataclass(frozen=True)
class LadderEntry:
    """One rung of the ladder: a total compute in FLOP, what it is, and which kind of figure it is."""

    label: str
    flops: float
    kind: str

    def to_dict(self) -> dict:
        return asdict(self)


def ladder_entries(reproductions=(), projections=(), ml_runs=(),
                   min_document_flop: float = LADDER_MIN_DOCUMENT_FLOP) -> list[LadderEntry]:
    """Ladder entries, smallest first, from the documents' reproductions, projections and ML runs.

    Parameters
    ----------
    reproductions : sequence
        ``simnet.audit.Reproduction`` objects (anything with ``id``, ``unit``, ``stated``,
        ``stated_text``, ``recomputed``). Only those in FLOP of at least ``min_document_flop`` are training
        totals and enter. A figure whose recomputed value equals an ML run's training compute is the
        document quoting that run; it is drawn once, as the ML run. A stated value that several claims share
        (a chain restated) enters once, under the first claim.
    projections : sequence of Projection
        Each size's counted and peak-equivalent totals enter.
    ml_runs : sequence of MlRun
    """
    ml_flops = {run.training_flop for run in ml_runs}
    entries: list[LadderEntry] = []
    stated_seen: set[float] = set()
    for r in reproductions:
        if r.unit != "FLOP" or not (math.isfinite(r.stated) and math.isfinite(r.recomputed)):
            continue
        if max(r.stated, r.recomputed) < min_document_flop:
            continue
        if any(math.isclose(r.recomputed, flop, rel_tol=1e-9) for flop in ml_flops):
            continue
        if r.stated not in stated_seen:
            stated_seen.add(r.stated)
            entries.append(LadderEntry(f"{r.id} (stated {r.stated_text})", r.stated, LADDER_STATED))
        entries.append(LadderEntry(f"{r.id} (recomputed)", r.recomputed, LADDER_RECOMPUTED))
    for p in projections:
        for key, what in (("total_flops_counted", "counted"), ("total_flops_peak_equivalent", "peak-equiv.")):
            for f in p.figures:
                if f.key == key and f.value:
                    entries.append(LadderEntry(
                        f"{p.measurement.model}/{p.measurement.backend} {what}, {f.neurons:.2g} neurons, "
                        f"{p.assumptions.bio_seconds / SECONDS_PER_YEAR:.3g} y", f.value, LADDER_PROJECTION))
    entries += [LadderEntry(f"{run.model} ({run.year})", run.training_flop, LADDER_ML) for run in ml_runs]
    return sorted(entries, key=lambda e: e.flops)
