"""Run COBAHH from Python, read the record back, and look at its spikes, cost and projection."""
import importlib.util
from pathlib import Path

import simnet

out = Path("runs") / "example-cobahh.h5"
record = simnet.run("cobahh", neurons=400, duration="300ms", backend="cpp", threads=1, seed=1,
                    out=out, overwrite=True, progress=False)

# The record holds one population per model population, in the model's order, as the SONATA file does.
print("populations:", record.populations)
for name in record.populations:
    times_ms, node_ids = record.spikes(name)          # arrays; node ids are local to the population
    train = record.spikes(name)
    print(f"  {name}: {len(train)} spikes from {train.size} neurons, first at {times_ms[:1]} ms")

# record.cost carries the names `simnet cost --json` prints.
cost = record.cost
print("counted FLOPs per neuron per biological second:", f"{cost['counted_flops_per_neuron_per_bio_s']:.3g}")
print("loop wall per biological second:", f"{cost['sim_wall_s_per_bio_s']:.3g} s (on {cost['measured_on']})")

# Reading the file gives the same record back; spikes convert to neo where neo is installed.
again = simnet.read(out)
assert again.spikes("exc").times_ms.tolist() == record.spikes("exc").times_ms.tolist()
if importlib.util.find_spec("neo"):
    trains = again.spikes("inh").to_neo()
    print(f"neo: {len(trains)} SpikeTrains, e.g. {trains[0].name} with {len(trains[0])} spikes")

# The start-up transient and the summary `simnet show` prints.
summary = simnet.summary(out)
print("start-up transient flagged:", summary["startup_transient"]["flagged"])

# The same network at another size, compared (ratios B / A; `simnet compare` prints the same).
larger = simnet.run("cobahh", neurons=800, duration="300ms", backend="cpp", threads=1, seed=1, progress=False)
comparison = simnet.compare(record, larger)
neurons = next(row for row in comparison["rows"] if row["key"] == "neurons")
print("neurons B / A:", neurons["ratio"])

# Projected to 1.3e9 neurons for 15 biological years (a derived figure, labelled with what it came from).
projection = simnet.extrapolate(again, neurons=[1.3e9]).projections[0][1]
total = projection.get("total_flops_counted", neurons=1.3e9)
print(f"{total.label}: {total.value:.3g} {total.unit} ({total.kind}: {total.basis})")

# Raster and population rates as a matplotlib Figure, also saved as PNG and SVG (as `simnet plot` draws them).
figure = simnet.plot(out, out=out.with_name(out.stem + "_activity"), overwrite=True)
print("figure axes:", len(figure.axes))
