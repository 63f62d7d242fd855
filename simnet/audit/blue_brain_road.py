"""Document 003's third road (Blue Brain: detailed cells on CoreNEURON) set beside simnet's measured detailed cell.

003 derives 3.83e15 FLOP per neuron per biological second from a BlueGene/Q partition's peak over a CoreNEURON run
whose biological duration it read as "0.001?" s. :func:`blue_brain_road` puts that figure beside the counted cost
of each compartmental level (``data/cell_costs.csv``, measured by simnet on one cell) and, with
:func:`~simnet.audit.half_neocortex.bio_s_implied`, the biological time the document's own inputs (8.39e17 FLOP,
2.19e5 neurons) would cover if each neuron cost what the measured cell costs: at full peak (an upper bound) and
at a tenth of it.
"""
from __future__ import annotations

from simnet.audit.half_neocortex import bio_s_implied, flop_per_neuron_bio_s

__all__ = ["STATED_FLOP_PER_NEURON_BIO_S", "QUOTED_NEURONS", "QUOTED_COMPARTMENTS", "UTILISATIONS", "blue_brain_road", "format_blue_brain_road"]

#: 003's figure as it writes it ("8.39e17 flops / 2.19e5 neurons = 3.83e12 flp/n / 0.001 bio_second = 3.83e15").
STATED_FLOP_PER_NEURON_BIO_S = 3.83e15
#: The run's size as 003 quotes the paper's Table 1 ("Cortex + Plasticity ... 2.19e5 9.95e7 8.72e8").
QUOTED_NEURONS = 2.19e5
QUOTED_COMPARTMENTS = 9.95e7
#: Fractions of the partition's peak at which the implied biological time is given (1: every FLOP on the cells).
UTILISATIONS = (1.0, 0.1)


def blue_brain_road(cell_rows) -> dict:
    """003's 3.83e15 beside each measured cell level (rows of ``data/cell_costs.csv``), JSON-safe."""
    levels = []
    for row in cell_rows:
        measured = float(row["flops_per_cell_per_bio_s"])
        levels.append({
            "level": row["level"], "compartments": int(float(row["compartments"])),
            "morphology": row.get("morphology", ""),
            "measured_flop_per_neuron_bio_s": measured,
            "stated_over_measured": STATED_FLOP_PER_NEURON_BIO_S / measured,
            "bio_s_implied": {f"{u:g}": bio_s_implied(measured_flop_per_neuron_bio_s=measured, utilisation=u)
                              for u in UTILISATIONS},
            "measured_on": f"{row.get('backend', '')} on {row.get('measured_on', '')}, {row.get('date', '')}",
        })
    scaled = None
    if levels:
        largest = max(levels, key=lambda level: level["compartments"])
        per_compartment = largest["measured_flop_per_neuron_bio_s"] / largest["compartments"]
        per_neuron = per_compartment * QUOTED_COMPARTMENTS / QUOTED_NEURONS
        scaled = {"from_level": largest["level"], "flop_per_compartment_bio_s": per_compartment,
                  "compartments_per_neuron": QUOTED_COMPARTMENTS / QUOTED_NEURONS,
                  "flop_per_neuron_bio_s": per_neuron,
                  "stated_over_scaled": STATED_FLOP_PER_NEURON_BIO_S / per_neuron,
                  "bio_s_implied": {f"{u:g}": bio_s_implied(measured_flop_per_neuron_bio_s=per_neuron, utilisation=u)
                                    for u in UTILISATIONS},
                  "quoted_where": "003 quotes the CoreNEURON paper's Table 1: Cortex + Plasticity, 2.19e5 neurons, "
                                  "9.95e7 compartments (second-hand: the paper's table was not read here)"}
    return {
        "stated_flop_per_neuron_bio_s": STATED_FLOP_PER_NEURON_BIO_S,
        "scaled_to_quoted_compartments": scaled,
        "recomputed_flop_per_neuron_bio_s": flop_per_neuron_bio_s(),
        "stated_bio_s": 0.001,
        "stated_where": "003: '8.39e17 flops / 2.19e5 neurons = 3.83e12 flp/n' over '0.001? seconds of biological time'",
        "levels": levels,
        "measured_from": "data/cell_costs.csv: FLOPs counted by simnet from Brian2's generated code x activity, one cell",
        "caveat": ("the Blue Brain cells carry more channel types and thousands of synapses each, none of which the "
                   "measured cells have: the ratios bound the document's overstatement from above, they do not "
                   "measure it"),
    }


def format_blue_brain_road(road: dict) -> list[str]:
    """Terminal lines of :func:`blue_brain_road`."""
    lines = [f"document 003's third road (Blue Brain): {road['stated_flop_per_neuron_bio_s']:.3g} FLOP per neuron per "
             f"biological second as stated ({road['recomputed_flop_per_neuron_bio_s']:.4g} recomputed), from "
             f"{road['stated_where']}",
             f"  beside simnet's measured compartmental cells ({road['measured_from']}):",
             f"  {'level':<19}{'compart.':>10}{'FLOP/cell/bio-s':>17}{'003 / measured':>16}"
             + "".join(f"{'bio s @' + format(u, '.0%') + ' peak':>18}" for u in UTILISATIONS)]
    for level in road["levels"]:
        lines.append(f"  {level['level']:<19}{level['compartments']:>10,d}"
                     f"{level['measured_flop_per_neuron_bio_s']:>17.3g}{level['stated_over_measured']:>16.3g}"
                     + "".join(f"{level['bio_s_implied'][f'{u:g}']:>18.3g}" for u in UTILISATIONS))
    scaled = road.get("scaled_to_quoted_compartments")
    if scaled:
        lines.append(f"  {scaled['from_level']}'s FLOPs per compartment x {scaled['compartments_per_neuron']:.0f} compartments "
                     f"per neuron: {scaled['flop_per_neuron_bio_s']:.3g} FLOP/neuron/bio-s, 003 / that "
                     f"{scaled['stated_over_scaled']:.3g}, bio s implied "
                     + ", ".join(f"{scaled['bio_s_implied'][f'{u:g}']:.3g} at {u:.0%} peak" for u in UTILISATIONS))
        lines.append(f"    ({scaled['quoted_where']})")
    lines += [f"  bio s implied: 8.39e17 FLOP x utilisation / 2.19e5 neurons / the measured FLOP per cell per biological "
              f"second (003's inputs; it read {road['stated_bio_s']:g} s)",
              f"  caveat: {road['caveat']}"]
    morphologies = {level["morphology"] for level in road["levels"]}
    if "synthetic" in morphologies:
        lines.append("  morphologies: synthetic = round figures, not checked against published morphometrics "
                     "(data/cell_morphologies.md)")
    for source in sorted(m for m in morphologies if m.endswith("_statistics")):
        lines.append(f"  morphologies: {source} = grown from that reconstruction's statistics, not its exact "
                     "branching (data/cell_morphologies.md)")
    return lines
