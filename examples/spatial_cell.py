"""A compartmental cell in plain Brian2: a Hodgkin-Huxley soma and a passive 10-compartment dendrite, driven by a
constant current into the soma. ``simnet account examples/spatial_cell.py --duration 200ms`` counts it per cell and
per compartment (docs/results/detailed-cells.md gives the hand count it is checked against)."""
from brian2 import (Cylinder, Morphology, Soma, SpatialNeuron, amp, cm, ms, mV, msiemens, nA, run, siemens, uF, um,
                    ohm, exp)

morpho = Soma(diameter=20 * um)
morpho.dendrite = Cylinder(diameter=2 * um, length=200 * um, n=10)

gL, EL = 1e-4 * siemens / cm**2, -65 * mV
ENa, EK = 50 * mV, -77 * mV
gNa0, gK0 = 120 * msiemens / cm**2, 36 * msiemens / cm**2

eqs = """
Im = gL*(EL - v) + gNa*m**3*h*(ENa - v) + gK*n**4*(EK - v) : amp/meter**2
I : amp (point current)
gNa : siemens/meter**2
gK : siemens/meter**2
dm/dt = alpham*(1-m) - betam*m : 1
dn/dt = alphan*(1-n) - betan*n : 1
dh/dt = alphah*(1-h) - betah*h : 1
alpham = (0.1/mV)*10*mV/exprel((-v-40*mV)/(10*mV))/ms : Hz
betam = 4*exp((-v-65*mV)/(18*mV))/ms : Hz
alphah = 0.07*exp((-v-65*mV)/(20*mV))/ms : Hz
betah = 1/(exp((-v-35*mV)/(10*mV)) + 1)/ms : Hz
alphan = (0.01/mV)*10*mV/exprel((-v-55*mV)/(10*mV))/ms : Hz
betan = 0.125*exp((-v-65*mV)/(80*mV))/ms : Hz
"""

cell = SpatialNeuron(morphology=morpho, model=eqs, Cm=1 * uF / cm**2, Ri=100 * ohm * cm,
                     threshold="v > -20*mV", threshold_location=0, refractory="v > -20*mV", method="exponential_euler")
cell.v = EL
cell.h = 1
cell.gNa[0] = gNa0  # the soma is active, the dendrite passive
cell.gK[0] = gK0
cell.I[0] = 0.2 * nA

if __name__ == "__main__":
    run(200 * ms)
