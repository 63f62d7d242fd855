"""Side by side: one experiment run serially and on a Dask cluster (experiments/executor_comparison.toml).

    python experiments/compare_executors.py SERIAL_DIR DASK_DIR [--out FILE.json]

Reads the two summaries, checks that they are complete runs of the same experiment made on the same machine with
nothing resumed (so each session's wall-clock is the whole sweep's), prints the whole-sweep wall-clock of each
and every point's loop time (median, range, and how many runs shared the host) side by side, and with --out
writes that table and both summaries as one JSON file.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from simnet.base.errors import UsageError
from simnet.record import files
from simnet.record.points import point_key, point_label

FORMAT = "simnet-executor-comparison"


def compare(serial: dict, cluster: dict) -> dict:
    """The comparison of two summaries of one experiment (``serial`` by the serial executor, ``cluster`` by Dask)."""
    for label, summary, kind in (("first", serial, "serial"), ("second", cluster, "dask")):
        provenance = summary.get("provenance", {})
        if provenance.get("executor", {}).get("kind") != kind:
            raise UsageError(f"the {label} summary was not run by the {kind} executor")
        if not summary.get("complete") or summary.get("quick"):
            raise UsageError(f"the {label} summary is incomplete or a quick run")
        if provenance.get("runs_resumed"):
            raise UsageError(f"the {label} summary resumed {provenance['runs_resumed']} run(s), so its wall-clock "
                             "is not the whole sweep's: rerun it with --redo")
    if serial["provenance"].get("experiment_hash") != cluster["provenance"].get("experiment_hash") or \
            serial["experiment"] != cluster["experiment"]:
        raise UsageError("the two summaries are of different experiments")
    hosts = {name for summary in (serial, cluster) for name in summary["provenance"].get("hosts", {})}
    if len(hosts) != 1:
        raise UsageError(f"the two runs were made on different hosts ({', '.join(sorted(hosts))}); "
                         "compare them on one machine")
    theirs = {(p["runner"], point_key(p["options"]), p["seed"]): p for p in cluster["points"]}
    rows = []
    for mine in serial["points"]:
        other = theirs.get((mine["runner"], point_key(mine["options"]), mine["seed"]))
        if other is None or mine["status"] != "ok" or other["status"] != "ok":
            continue
        rows.append({
            "runner": mine["runner"], "options": mine["options"], "seed": mine["seed"], "neurons": mine["neurons"],
            "synapses": mine["synapses"],
            **{f"{name}_{field}": entry[f"sim_wall_s_per_bio_s_{field}"] for name, entry in
               (("serial", mine), ("dask", other)) for field in ("median", "min", "max")},
            "dask_over_serial_loop": other["sim_wall_s_per_bio_s_median"] / mine["sim_wall_s_per_bio_s_median"],
            "serial_points_beside_max": mine["points_beside_max"], "dask_points_beside_max": other["points_beside_max"],
            "same_spikes": mine["spikes_median"] == other["spikes_median"],
        })
    serial_wall = serial["provenance"]["session_wall_s"]
    dask_wall = cluster["provenance"]["session_wall_s"]
    return {
        "format": FORMAT,
        "experiment": serial["experiment"],
        "host": hosts.pop(),
        "whole_sweep_wall_s": {"serial": serial_wall, "dask": dask_wall, "serial_over_dask": serial_wall / dask_wall},
        "dask_workers": len(cluster["provenance"]["executor"].get("workers") or []),
        "points": rows,
        "dask_over_serial_loop_median": statistics.median(r["dask_over_serial_loop"] for r in rows) if rows else None,
        "definitions": {
            "whole_sweep_wall_s": "each summary's session_wall_s: from the start of the experiment's run (for Dask, "
                                  "before the local cluster started) to its last summary, figures excluded",
            "dask_over_serial_loop": "median loop wall per biological second on the cluster / serially, per point",
        },
        "summaries": {"serial": serial, "dask": cluster},
    }


def format_comparison(table: dict) -> str:
    wall = table["whole_sweep_wall_s"]
    lines = [f"{table['experiment']} on {table['host']}: whole sweep {wall['serial']:.1f} s serially, "
             f"{wall['dask']:.1f} s on {table['dask_workers']} Dask workers ({wall['serial_over_dask']:.2f}x)",
             "loop s per biological s, median (min-max); beside = most runs sharing the host with one run"]
    header = ("runner", "point", "serial", "dask", "dask/serial", "beside serial/dask")
    rows = [header] + [(r["runner"], point_label(r["options"]),
                        f"{r['serial_median']:.4g} ({r['serial_min']:.4g}-{r['serial_max']:.4g})",
                        f"{r['dask_median']:.4g} ({r['dask_min']:.4g}-{r['dask_max']:.4g})",
                        f"{r['dask_over_serial_loop']:.3f}",
                        f"{r['serial_points_beside_max']}/{r['dask_points_beside_max']}") for r in table["points"]]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header))]
    lines += ["  " + "  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("serial", type=Path, help="output folder (or summary.json) of the serial run")
    parser.add_argument("dask", type=Path, help="output folder (or summary.json) of the Dask run")
    parser.add_argument("--out", type=Path, help="write the comparison and both summaries here (JSON)")
    args = parser.parse_args(argv)
    try:
        table = compare(files.read_summary(args.serial), files.read_summary(args.dask))
        if args.out is not None:
            files.write_json(table, args.out)
    except UsageError as err:
        print(f"compare_executors: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"compare_executors: error: cannot write {args.out}: {err.strerror or err}", file=sys.stderr)
        return 2
    print(format_comparison(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
