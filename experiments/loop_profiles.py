"""The per-code-object loop times of run records, with their phases (construction, compilation, loop), as one small
JSON file with each run's provenance.

    python experiments/loop_profiles.py RECORD.h5 [RECORD.h5 ...] --out FILE.json

Bench summaries keep loop times per point, not the records' per-code-object profiles (``timings/loop_profile``,
written by ``--profile`` / ``profile = true``); this keeps the profiles of the runs a README figure names,
without committing the records themselves.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simnet import api
from simnet.base.errors import UsageError
from simnet.record import files
from simnet.record.run_record import leaf_populations

FORMAT = "simnet-loop-profiles"


def profile_of(path: Path) -> dict:
    """One record's loop profile with what it ran and where (its model, backend settings, counts, provenance)."""
    record = api.read(path)
    profile = record.timings.get("loop_profile")
    if not profile:
        raise UsageError(f"{path} has no per-code-object loop times (it was not run with --profile)")
    return {
        "file": path.name, "model": record.model, "backend": record.backend,
        "simulation_loop_s": record.timings.get("simulation_loop_s"),
        "phases_s": {key: value for key, value in record.timings.items() if key != "loop_profile"},
        "spikes": sum(record.counts["populations"][name]["spikes"] for name in leaf_populations(record.counts)),
        "provenance": {key: record.provenance.get(key) for key in
                       ("date_utc", "command_line", "simnet_version", "simnet_commit", "machine", "packages", "seed")},
        "loop_profile": profile,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        runs = [profile_of(path) for path in args.records]
    except UsageError as err:
        print(f"loop_profiles: {err}", file=sys.stderr)
        return 2
    files.write_json({"format": FORMAT, "runs": runs}, args.out)
    print(f"{len(runs)} profiles written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
