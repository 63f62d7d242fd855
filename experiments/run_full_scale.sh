#!/usr/bin/env bash
# Issue 17: the full-scale comparisons, on a quiet machine (nothing else running, at least 22 GB of memory free;
# the two comparisons took 6 and 11 minutes on the idle 2-core development VM). From the repository root:
#   experiments/run_full_scale.sh
#   1. NEST's peak memory on the column at n = 0.025-0.1 (k = 1), a line through it against synapses, and the
#      full column's 2.99e8 synapses put on that line: stops here if NEST would not fit (FORCE=1 goes on);
#   2. COBAHH benchmark mode at 64,000 neurons: simnet before and after issue 17, and NEST (full_scale_cobahh_nest);
#   3. the column at full scale: the same three (full_scale_column_nest); simnet alone needs about 16 GB.
# Each summary is copied to experiments/results/<experiment>_<machine>_<date>.json (set MACHINE, e.g.
# MACHINE=epyc-2core); commit those, and update the README's "Performance" table from them.
set -euo pipefail
cd "$(dirname "$0")/.."
SIMNET=${SIMNET:-.venv/bin/simnet}
PYTHON=${PYTHON:-.venv/bin/python}
MACHINE=${MACHINE:-$(hostname -s)}
DATE=$(date -u +%Y-%m-%d)
OUT=${OUT:-runs/bench}

load=$(cut -d' ' -f1 /proc/loadavg)
available_gb=$(awk '/MemAvailable/ {printf "%.1f", $2 / 1048576}' /proc/meminfo)
echo "load average $load, $available_gb GB available"
if [ "${FORCE:-0}" != 1 ] && { awk -v l="$load" 'BEGIN {exit !(l > 0.5)}' || \
                                awk -v m="$available_gb" 'BEGIN {exit !(m < 22)}'; }; then
    echo "not a quiet machine with 22 GB free (FORCE=1 runs anyway; the figures would not be comparable)" >&2
    exit 2
fi

bench() {  # bench <experiment name> <file>
    "$SIMNET" bench "experiments/$2" --out-dir "$OUT/$1" --overwrite
    cp "$OUT/$1/summary.json" "experiments/results/$1_${MACHINE}_${DATE}.json"
}

bench nest-memory-column nest_memory_column.toml
status=0
"$PYTHON" - "$OUT/nest-memory-column/summary.json" "$available_gb" <<'PY' || status=$?
import sys
import numpy as np
from simnet.record import files
FULL_SCALE_SYNAPSES = 298_880_970  # the full column (README, "Models"; microcircuit-full-scale record)
summary = files.read_summary(sys.argv[1])
points = [p for p in summary["points"] if p["runner"] == "nest" and p["status"] == "ok" and p.get("peak_rss_bytes_max")]
if len(points) < 2:
    print(f"NEST's memory was measured at {len(points)} size(s); a line needs two", file=sys.stderr)
    sys.exit(4)
synapses = np.array([p["synapses"] for p in points], dtype=float)
rss_gb = np.array([p["peak_rss_bytes_max"] for p in points]) / 1e9
slope, intercept = np.polyfit(synapses, rss_gb, 1)
full_gb = intercept + slope * FULL_SCALE_SYNAPSES
print("NEST peak RSS (GB) at " + ", ".join(f"{s:.3g} synapses: {r:.2f}" for s, r in zip(synapses, rss_gb)))
print(f"line: {intercept:.2f} GB + {slope * 1e9:.1f} bytes per synapse; at {FULL_SCALE_SYNAPSES:.3g} synapses "
      f"{full_gb:.1f} GB (derived, an extrapolation of {FULL_SCALE_SYNAPSES / synapses.max():.0f}x)")
if full_gb > float(sys.argv[2]):
    print(f"NEST would not fit: {full_gb:.1f} GB > {sys.argv[2]} GB available", file=sys.stderr)
    sys.exit(3)
PY
# 3: NEST would not fit (FORCE=1 goes on); anything else: the measurement or the fit failed
if [ "$status" != 0 ] && { [ "$status" != 3 ] || [ "${FORCE:-0}" != 1 ]; }; then exit "$status"; fi

bench full-scale-cobahh-nest full_scale_cobahh_nest.toml
bench full-scale-column-nest full_scale_column_nest.toml
echo "summaries copied to experiments/results/*_${MACHINE}_${DATE}.json"
