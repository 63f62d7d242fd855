"""A plain Brian2 script (it does not import simnet): `simnet account examples/my_model.py --duration 1s`.

simnet executes it to build the network and runs the network itself, so the script's own run() call sits under
`if __name__ == "__main__":` (simnet runs the script under another name, and refuses an unguarded run() call).
"""
from brian2 import *

N = 1000
tau = 10*ms
v_rest, v_threshold, v_reset = -70*mV, -50*mV, -70*mV
eqs = "dv/dt = (v_rest - v + I)/tau : volt (unless refractory)\nI : volt"
neurons = NeuronGroup(N, eqs, threshold="v > v_threshold", reset="v = v_reset", refractory=2*ms,
                      method="exact")
neurons.v = "v_rest + rand()*(v_threshold - v_rest)"
neurons.I = "18*mV + rand()*4*mV"
excitatory, inhibitory = neurons[:800], neurons[800:]
to_all_from_exc = Synapses(excitatory, neurons, on_pre="v_post += 0.2*mV")
to_all_from_inh = Synapses(inhibitory, neurons, on_pre="v_post -= 1.0*mV")
to_all_from_exc.connect(p=0.05)
to_all_from_inh.connect(p=0.05)

if __name__ == "__main__":
    spikes = SpikeMonitor(neurons)
    run(1*second)
    print(f"{spikes.num_spikes} spikes")
