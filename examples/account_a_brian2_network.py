"""The cost of a network simnet did not write: plain Brian2 objects, made by a function simnet calls on the
chosen backend's device, measured as simnet measures its own models."""
from brian2 import Hz, NeuronGroup, PoissonGroup, Synapses, ms, mV

import simnet


def network():
    """A leaky integrate-and-fire population driven by Poisson inputs through STDP synapses."""
    taum, taupre, taupost, apre_step = 10 * ms, 20 * ms, 20 * ms, 0.01
    apost_step = -apre_step * 1.05
    inputs = PoissonGroup(500, rates=15 * Hz)
    neurons = NeuronGroup(100, "dv/dt = (-70*mV - v)/taum : volt", threshold="v > -54*mV", reset="v = -70*mV",
                          method="exact")
    neurons.v = -70 * mV
    stdp = Synapses(inputs, neurons,
                    """w : 1
                       dapre/dt = -apre/taupre : 1 (event-driven)
                       dapost/dt = -apost/taupost : 1 (event-driven)""",
                    on_pre="""v_post += 2*w*mV
                              apre += apre_step
                              w = clip(w + apost, 0, 1)""",
                    on_post="""apost += apost_step
                               w = clip(w + apre, 0, 1)""")
    stdp.connect(p=0.2)
    stdp.w = "rand()"
    return locals()  # the objects, and the names their equations use (taum, apre_step, ...)


record = simnet.account(network, duration="500ms", backend="cpp", threads=1, progress=False)
cost = record.cost
print(f"{record.n_neurons} neurons ({', '.join(record.populations)}), {record.n_synapses} synapses, "
      f"{record.n_spikes} spikes")
for category, value in cost["counted_flops_per_neuron_per_bio_s_by_category"].items():
    print(f"  {category:<22s} {value:.3g} FLOPs per neuron per biological second")
for row in cost["rows"]:
    print(f"  {row['owner']}.{row['role']:<16s} {row['category']:<22s} {row['flops_per_element']:g} FLOPs "
          f"x {row['element_count']:.3g} {row['element']}")
