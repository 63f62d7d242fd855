"""simnet account: cost accounting for networks simnet did not write, made by plain Brian2 scripts and functions.

The scripts below use Brian2 only (no simnet import). They run on the runtime backend with numpy code generation
(nothing to compile) except the command-line test, which runs the C++ backend (slow).
"""
import dataclasses
import json
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

from simnet.base.errors import UsageError
from simnet.pipeline import execute, plan_network, plan_run
from simnet.simulation.backends import RuntimeBackend
from simnet.simulation.settings import RunSettings
from simnet.specs import user_network

LIF_STDP = """
from brian2 import *

taum, taupre, taupost = 10*ms, 20*ms, 20*ms
Apre = 0.01
Apost = -Apre * taupre / taupost * 1.05
inputs = PoissonGroup(200, rates=15*Hz)
neurons = NeuronGroup(50, "dv/dt = (-70*mV - v)/taum : volt", threshold="v > -54*mV", reset="v = -70*mV",
                      method="exact")
neurons.v = -70*mV
stdp = Synapses(inputs, neurons,
                '''w : 1
                   dapre/dt = -apre/taupre : 1 (event-driven)
                   dapost/dt = -apost/taupost : 1 (event-driven)''',
                on_pre='''v_post += 2*w*mV
                          apre += Apre
                          w = clip(w + apost, 0, 1)''',
                on_post='''apost += Apost
                           w = clip(w + apre, 0, 1)''')
stdp.connect()
stdp.w = "rand()"
own_monitor = SpikeMonitor(neurons)

if __name__ == "__main__":
    run(1*second)
"""

# COBAHH (Brette et al. 2007, benchmark 3) as a Brian2 user writes it; the same equations, sizes and rule as
# simnet's built-in model (models/cobahh.py), classic mode.
COBAHH = """
from brian2 import *

N = 400
area = 20000*umetre**2
Cm = 1*ufarad*cm**-2*area
gl = 5e-5*siemens*cm**-2*area
El, EK, ENa = -60*mV, -90*mV, 50*mV
g_na = 100*msiemens*cm**-2*area
g_kd = 30*msiemens*cm**-2*area
VT = -63*mV
taue, taui = 5*ms, 10*ms
Ee, Ei = 0*mV, -80*mV
we, wi = 6*nS, 67*nS
eqs = '''
dv/dt = (gl*(El - v) + ge*(Ee - v) + gi*(Ei - v) - g_na*(m*m*m)*h*(v - ENa) - g_kd*(n*n*n*n)*(v - EK))/Cm : volt
dm/dt = alpha_m*(1.0 - m) - beta_m*m : 1
dn/dt = alpha_n*(1.0 - n) - beta_n*n : 1
dh/dt = alpha_h*(1.0 - h) - beta_h*h : 1
dge/dt = -ge*(1.0/taue) : siemens
dgi/dt = -gi*(1.0/taui) : siemens
alpha_m = 0.32*(mV**-1)*(13.0*mV - v + VT)/(exp((13.0*mV - v + VT)/(4.0*mV)) - 1.0)/ms : Hz
beta_m = 0.28*(mV**-1)*(v - VT - 40.0*mV)/(exp((v - VT - 40.0*mV)/(5.0*mV)) - 1.0)/ms : Hz
alpha_h = 0.128*exp((17.0*mV - v + VT)/(18.0*mV))/ms : Hz
beta_h = 4.0/(1.0 + exp((40.0*mV - v + VT)/(5.0*mV)))/ms : Hz
alpha_n = 0.032*(mV**-1)*(15.0*mV - v + VT)/(exp((15.0*mV - v + VT)/(5.0*mV)) - 1.0)/ms : Hz
beta_n = 0.5*exp((10.0*mV - v + VT)/(40.0*mV))/ms : Hz
'''
P = NeuronGroup(N, eqs, threshold="v > -20*mV", refractory=3*ms, method="exponential_euler")
Pe, Pi = P[:int(0.8*N)], P[int(0.8*N):]
Ce = Synapses(Pe, P, on_pre="ge += we")
Ci = Synapses(Pi, P, on_pre="gi += wi")
Ce.connect(p=80.0/N)
Ci.connect(p=80.0/N)
P.v = "El + (randn()*5.0 - 5.0)*mV"
P.ge = "clip(randn()*1.5 + 4.0, 0.0, 1.0e9)*10.0*nS"
P.gi = "clip(randn()*12.0 + 20.0, 0.0, 1.0e9)*10.0*nS"

if __name__ == "__main__":
    run(1*second)
"""


def script(tmp_path, text, name="model.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def numpy_runtime(plan):
    return dataclasses.replace(plan, backend=RuntimeBackend("numpy"))


def account(network, duration_s=0.2, **kwargs):
    user = user_network.from_script(network) if isinstance(network, Path) else user_network.from_python(network)
    plan = plan_network(user, duration_s=duration_s, backend="runtime", settings=RunSettings(progress=False),
                        seed=2, record_spikes=True, **kwargs)
    return execute(numpy_runtime(plan))


def test_a_lif_network_with_stdp_written_as_a_brian2_script_is_accounted(tmp_path):
    record = account(script(tmp_path, LIF_STDP, "lif_stdp.py"))
    assert record.model == "lif_stdp" and record.parameters["source"]["value"].endswith("lif_stdp.py")
    # populations, projections and cost rows carry the script's variable names, not Brian2's
    assert record.populations == ["inputs", "neurons"]
    assert record.n_neurons == 250 and record.n_synapses == 200 * 50
    counts = record.counts
    assert list(counts["projections"]) == ["stdp"]
    neurons = counts["populations"]["neurons"]
    assert neurons["spikes"] > 0
    # simnet's monitors count the same spikes the script's own monitor saw; the spike report holds them
    assert len(record.spikes("neurons")) == neurons["spikes"]
    projection = counts["projections"]["stdp"]
    assert projection["plastic"]
    assert projection["synaptic_events_pre"] == 50 * counts["populations"]["inputs"]["spikes"]
    assert projection["synaptic_events_post"] == 200 * neurons["spikes"]
    cost = record.cost
    by_category = cost["counted_flops_per_neuron_per_bio_s_by_category"]
    assert by_category["plasticity"] > 0 and by_category["synaptic_propagation"] > 0
    assert by_category["neuron_update"] > 0
    roles = {(row["owner"], row["role"]) for row in cost["rows"]}
    assert {("stdp", "pre_pathway"), ("stdp", "post_pathway"), ("neurons", "state_update")} <= roles
    assert {row["owner"] for row in cost["rows"]} <= {"inputs", "neurons", "stdp"}
    assert set(record.cost_detail["memory"]["state"]["by_object"]) >= {"inputs", "neurons", "stdp"}
    assert cost["bytes_per_synapse"] > 0 and cost["sim_wall_s_per_bio_s"] > 0
    assert any("reported as synapse creation" in note for note in record.notes)
    # the script's own monitor kept its data, under its variable name
    own = record.monitors["own_monitor"]
    assert own.kind == "SpikeMonitor" and own.source == "neurons"
    assert len(own["t"]) == neurons["spikes"] and own.units["t"] == "s"
    np.testing.assert_allclose(np.sort(own["t"] * 1e3), np.sort(record.spikes("neurons").times_ms), rtol=1e-12)


MONITORED = """
from brian2 import *
drive = PoissonGroup(40, rates=50*Hz, name="drive")
exc = NeuronGroup(30, "dv/dt = -v/(10*ms) : 1", threshold="v > 1", reset="v = 0", method="exact")
Pe, Pi = exc[:20], exc[20:]
feed = Synapses(drive, exc, on_pre="v += 0.3")
feed.connect(p=0.5)
inhibit = Synapses(Pi, Pe, on_pre="v -= 0.1")
inhibit.connect(p=0.5)
spikes = SpikeMonitor(exc)
state, rate = StateMonitor(exc, "v", record=[0, 5]), PopulationRateMonitor(Pe)
for k in range(2):
    spare = NeuronGroup(2, "v : 1", threshold="v > 1", reset="")
"""


def test_objects_carry_the_scripts_variable_names_and_its_monitors_are_kept_on_disk(tmp_path):
    from simnet.record import files

    record = account(script(tmp_path, MONITORED), duration_s=0.05)
    # a given name is kept; a slice bound to a name (in a tuple too) is that name; a loop gives spare, spare_1
    assert record.populations == ["drive", "Pe", "Pi", "spare_1"]
    assert set(record.counts["populations"]) == {"drive", "exc", "Pe", "Pi", "spare_1"}
    assert record.counts["populations"]["Pe"]["part_of"] == "exc"
    assert set(record.counts["projections"]) == {"feed", "inhibit"}
    assert record.counts["projections"]["inhibit"]["source"] == "Pi"
    owners = {row["owner"] for row in record.cost_detail["flops"]["rows"]}
    assert owners <= set(record.counts["populations"]) | set(record.counts["projections"])
    assert {"exc", "feed", "inhibit", "drive"} <= owners
    assert set(record.monitors) == {"spikes", "state", "rate"}
    written = files.write(record, tmp_path / "monitored.h5")
    back = files.read(written).monitors
    assert set(back) == {"spikes", "state", "rate"}
    assert (back["state"].kind, back["state"].source, back["rate"].source) == ("StateMonitor", "exc", "Pe")
    np.testing.assert_array_equal(back["state"]["indices"], [0, 5])
    assert back["state"]["v"].shape == (2, len(back["state"]["t"])) == (2, 500)
    np.testing.assert_array_equal(back["state"]["v"], record.monitors["state"]["v"])
    assert back["state"].units["v"] == "" and back["rate"].units["rate"] == "Hz"
    from brian2 import Hz, have_same_dimensions

    assert have_same_dimensions(back["rate"].quantity("rate"), Hz)
    spikes = back["spikes"]
    assert spikes["count"].sum() == len(spikes["i"]) == record.counts["populations"]["exc"]["spikes"] > 0
    with h5py_file(written) as f:
        assert f["monitors/state/v"].attrs["unit"] == "" and f["monitors/spikes"].attrs["kind"] == "SpikeMonitor"


def h5py_file(path):
    import h5py

    return h5py.File(path, "r")


def test_the_script_run_call_under_main_is_skipped_and_an_unguarded_one_is_refused(tmp_path):
    unguarded = LIF_STDP.replace('if __name__ == "__main__":\n    run(1*second)', "run(1*second)")
    with pytest.raises(UsageError, match="calls run\\(\\) while building its network"):
        account(script(tmp_path, unguarded))
    with pytest.raises(UsageError, match="failed while building its network: NameError"):
        account(script(tmp_path, "from brian2 import *\nG = NeuronGroup(nosuch, 'v:1')\n"))
    with pytest.raises(UsageError, match="made no NeuronGroup"):
        account(script(tmp_path, "x = 1\n"))
    with pytest.raises(UsageError, match="no such script"):
        user_network.from_script(tmp_path / "missing.py")


def test_a_hodgkin_huxley_script_costs_what_the_builtin_cobahh_costs(tmp_path):
    """The same network written as a plain script and as simnet's model: the same code, so the same FLOPs per
    element of every code object; populations exc/inh from the script's slices; rates alike (different
    random draws: within the +-25 % that the backends' test allows)."""
    user = account(script(tmp_path, COBAHH, "cobahh_script.py"), duration_s=0.1)
    builtin = execute(numpy_runtime(plan_run("cobahh", {"neurons": 400}, duration_s=0.1, backend="runtime",
                                             settings=RunSettings(progress=False), seed=2, record_spikes=True)))
    assert user.n_neurons == builtin.n_neurons == 400
    assert user.populations == ["Pe", "Pi"]  # Pe and Pi tile P: two populations, as exc and inh do
    assert [user.spikes(p).size for p in user.populations] == [320, 80]

    def per_element(record, role, category):
        return sorted(row["flops_per_element"] for row in record.cost["rows"]
                      if row["role"] == role and row["category"] == category)

    for role, category in (("state_update", "neuron_update"), ("threshold", "neuron_update"),
                           ("pre_pathway", "synaptic_propagation")):
        assert per_element(user, role, category) == per_element(builtin, role, category), role
    user_rate = user.n_spikes / 400 / 0.1
    builtin_rate = builtin.n_spikes / 400 / 0.1
    assert user_rate == pytest.approx(builtin_rate, rel=0.25)
    assert user.cost["counted_flops_per_neuron_per_bio_s_by_category"]["neuron_update"] == pytest.approx(
        builtin.cost["counted_flops_per_neuron_per_bio_s_by_category"]["neuron_update"], rel=1e-9)


def test_a_function_or_objects_from_python(tmp_path):
    from brian2 import NeuronGroup, ms

    def clock():
        period = 10 * ms
        group = NeuronGroup(5, "dv/dt = 1.0/period : 1", threshold="v > 0.999", reset="v = 0.0", method="euler")
        return locals()

    record = account(clock, duration_s=0.1)
    assert record.populations == ["group"]  # the function's own variable name
    assert record.model == "clock" and record.counts["populations"]["group"]["spikes"] == 50
    made = NeuronGroup(3, "dv/dt = 100*Hz : 1", threshold="v > 0.999", reset="v = 0.0", method="euler",
                       namespace={})
    with pytest.raises(UsageError, match="only run on the runtime backend"):
        plan_network(user_network.from_python([made]), backend="cpp")
    record = account([made], duration_s=0.1)
    assert record.counts["populations"][made.name]["spikes"] == 30


def test_genn_refuses_a_network_made_by_code():
    from simnet.simulation.backends import GennBackend, network_features

    user = user_network.from_python(lambda: [])
    verdict = GennBackend().supports(network_features(user))
    assert not verdict.usable and "made by code" in verdict.reason


@pytest.mark.slow
def test_simnet_account_on_cpp_from_the_command_line(tmp_path, capsys):
    from simnet.cli import main

    path = script(tmp_path, LIF_STDP, "lif_stdp.py")
    out = tmp_path / "lif_stdp.h5"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        status = main(["account", str(path), "--duration", "200ms", "--backend", "cpp", "--threads", "1",
                       "--out", str(out), "--json", "--no-progress"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    table = json.loads(captured.out)
    assert table["backend"] == "cpp" and table["neurons"] == 250
    assert table["counted_flops_per_neuron_per_bio_s_by_category"]["plasticity"] > 0
    assert table["counts"]["spikes"] > 0
    from simnet.record import files

    back = files.read(out)
    assert back.cost == table
    # on a standalone device too the objects carry the script's names, and its own monitor keeps its spikes
    assert back.populations == ["inputs", "neurons"] and list(back.counts["projections"]) == ["stdp"]
    assert len(back.monitors["own_monitor"]["t"]) == back.counts["populations"]["neurons"]["spikes"] > 0
    assert np.isfinite(table["sim_wall_s_per_bio_s"])


SMALL = """
from brian2 import *
G = NeuronGroup(20, "dv/dt = (1.1 - v)/(10*ms) : 1", threshold="v > 1", reset="v = 0", method="exact")
"""


def test_a_script_that_sets_its_own_device_runs_on_simnets_and_the_record_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.warns(UserWarning, match="set_device; simnet's backend's device took over"):
        record = account(script(tmp_path, SMALL + "set_device('cpp_standalone', directory='output')\n"))
    assert any("selects Brian2 device 'cpp_standalone'" in note for note in record.notes)
    assert record.counts["populations"]["G"]["spikes"] > 0
    assert not (tmp_path / "output").exists()


def test_a_network_operation_runs_on_runtime_and_is_listed_as_not_counted(tmp_path):
    kick = SMALL + "@network_operation(dt=1*ms, name='kick')\ndef kick():\n    G.v += 0.5\n"
    with pytest.warns(UserWarning, match="network_operation kick runs Python code every step"):
        record = account(script(tmp_path, kick), duration_s=0.02)
    assert any(note.startswith("network_operation kick") and "not counted" in note for note in record.notes)
    assert record.counts["populations"]["G"]["spikes"] > 0  # the operation's kicks made it fire


def test_a_network_operation_is_refused_on_a_standalone_backend_in_one_line(tmp_path):
    from simnet.simulation.network_builder import python_objects

    import brian2

    brian2.set_device("runtime")
    group = brian2.NeuronGroup(1, "v : 1", threshold="v > 1")
    operation = brian2.NetworkOperation(lambda: None, name="kick")
    assert python_objects([group], "net") == []
    brian2.set_device("cpp_standalone", build_on_run=False, directory=str(tmp_path / "project"))
    try:
        with pytest.raises(UsageError, match=r"uses network_operation \(kick\).*--backend runtime"):
            python_objects([group, operation], "net")
    finally:
        brian2.set_device("runtime")
        brian2.device.reinit()


def test_the_script_argument_is_not_called_an_option():
    from simnet.cli.outcome import usage_message

    message = usage_message(UsageError("no such script: nope.py", parameter="script"))
    assert message == "no such script: nope.py" and "--script" not in message


def test_a_compartmental_cell_is_one_neuron_with_its_cable_solver_counted_and_its_rate_at_the_soma():
    """examples/spatial_cell.py: an HH soma and a passive 10-compartment dendrite, thresholded at the soma."""
    example = Path(__file__).resolve().parents[2] / "examples" / "spatial_cell.py"
    record = account(example, duration_s=0.1)
    cell = record.counts["populations"]["cell"]
    assert record.n_neurons == 1 and cell["size"] == 1 and cell["compartments"] == 11
    assert cell["compartment_steps"] == 11 * record.counts["n_steps"] == 11 * cell["neuron_steps"]
    trains = record.spikes("cell")
    assert cell["spikes"] == len(trains) > 3 and set(trains.node_ids) == {0}
    cost = record.cost
    cells = cost["cells"]
    assert cells["rate_per_cell_hz"] == pytest.approx(cell["spikes"] / 0.1)
    solver = next(row for row in cost["rows"] if row["role"] == "cable_solver")
    assert solver["element"] == "compartment_step" and solver["element_count"] == cell["compartment_steps"]
    total = sum(row["total_flops"] for row in cost["rows"])
    assert cells["flops_per_cell_per_bio_s"] == pytest.approx(total / 0.1)
    assert cells["flops_per_compartment_per_bio_s"] == pytest.approx(total / 11 / 0.1)
    assert cost["counted_flops_per_neuron_per_bio_s"] == pytest.approx(total / 0.1)
    assert cost["bytes_per_cell"] > cost["bytes_per_compartment"] * 11 > 0
    assert not [item for item in cost["not_counted"] if item["kind"] == "unclassified"]
