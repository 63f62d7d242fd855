"""Tests of simnet.cost.flops against models small enough to count by hand.

Every expected number below is counted by hand from the statement shown next to it, with the weights of
the module docstring (+ - * compare neg 1, / 4, exp 8, clip 2, rand 3, ...).
"""
from __future__ import annotations

import json

import pytest

brian2 = pytest.importorskip("brian2")
from brian2 import (  # noqa: E402
    Hz,
    Network,
    NeuronGroup,
    PoissonInput,
    SpikeMonitor,
    Synapses,
    check_units,
    implementation,
    ms,
    prefs,
)

from simnet.base.errors import UsageError  # noqa: E402
from simnet.cost import flops  # noqa: E402
from simnet.cost.flops import (
    CodeObjectCost,
    FlopProfile,
    UnknownOperation,
    apply_activity,
    count_expression,
    count_network,
    izhikevich_reference,
)

TAU = 10 * ms
STDP_MODEL = """w : 1
dApre/dt = -Apre/taupre : 1 (event-driven)
dApost/dt = -Apost/taupost : 1 (event-driven)"""
STDP_PRE = """v_post += w
Apre += dApre
w = clip(w + Apost, 0, wmax)"""
STDP_POST = """Apost += dApost
w = clip(w + Apre, 0, wmax)"""
STDP_NAMESPACE = {"taupre": 20 * ms, "taupost": 20 * ms, "dApre": 0.01, "dApost": -0.0105, "wmax": 1.0}


@pytest.fixture(autouse=True)
def numpy_target():
    """Runtime mode with numpy code generation: no compiler, fast."""
    previous = prefs.codegen.target
    prefs.codegen.target = "numpy"
    yield
    prefs.codegen.target = previous


def _row(profile: FlopProfile, runner: str, category: str | None = None) -> CodeObjectCost:
    rows = [r for r in profile.rows if r.runner == runner and (category is None or r.category == category)]
    assert len(rows) == 1, f"expected one row for {runner}/{category}, got {[(r.runner, r.category) for r in rows]}"
    return rows[0]


def _decay_group(name: str, method: str) -> NeuronGroup:
    return NeuronGroup(
        4, "dv/dt = -v/tau : 1", threshold="v > 1", reset="v = 0", method=method, name=name,
        namespace={"tau": TAU},
    )


def _stdp_network(prefix: str = "") -> Network:
    group = _decay_group(f"{prefix}exc", "exact")
    synapses = Synapses(
        group, group, STDP_MODEL, on_pre=STDP_PRE, on_post=STDP_POST, name=f"{prefix}ee", namespace=STDP_NAMESPACE
    )
    synapses.connect(p=0.5)
    return Network(group, synapses, SpikeMonitor(group, name=f"{prefix}spikes"))


# --------------------------------------------------------------------------------------------------------
# Expressions
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expr, expected",
    [
        ("a + b*c - d", 3),  # + * -
        ("a / b", 4),  # /
        ("-a", 1),  # neg
        ("-(3.0*2.0) + a", 1),  # literals fold; one +
        ("exp(-a/b)", 13),  # exp 8, neg 1, / 4
        ("x**3", 2),  # x*x*x: one squaring and one multiply
        ("x**4", 2),  # (x*x)**2: two squarings
        ("x**-2", 5),  # x*x, then 1/(x*x): 1 + 4
        ("x**0.5", 8),  # general pow
        ("x**y", 8),
        ("clip(v, 0, wmax) + sqrt(v)", 7),  # clip 2, sqrt 4, + 1
        ("rand() < p", 4),  # rand 3, compare 1
        ("randn()*sigma", 20),  # randn 19, * 1
        ("int(v > 1)*w", 2),  # compare 1, int of a boolean is free, * 1
        ("int(v)*w", 2),  # float-to-int 1, * 1
        ("(v > 1) and (u < 2)", 2),  # two compares; the boolean and is not floating-point work
        ("timestep(t - lastspike, dt) >= 20", 9),  # - 1, timestep 7, compare 1
        ("exprel(x)", 15),
        ("v % 3.0", 7),
    ],
)
def test_expression_weights(expr, expected):
    total, _, unknown = count_expression(expr)
    assert unknown == []
    assert total == expected


def test_expression_operation_counts():
    _, ops, _ = count_expression("a*b + a*c - exp(a)")
    assert ops == {"*": 2, "+": 1, "-": 1, "exp": 1}


def test_unknown_function_in_expression_is_reported_and_can_be_given_a_cost():
    total, ops, unknown = count_expression("mystery(v) + 1")
    assert unknown == ["mystery"]
    assert total == 1  # only the +; the unknown call is listed, not silently priced
    total, _, unknown = count_expression("mystery(v) + 1", extra_costs={"mystery": 5})
    assert unknown == []
    assert total == 6


def test_poisson_with_runtime_rate_is_unknown():
    _, _, unknown = count_expression("poisson(lam)")
    assert unknown == ["poisson"]
    total, _, unknown = count_expression("poisson(2.0)")
    assert unknown == [] and total == 8 + 3 * 5  # exp(-lam), then lam + 1 rounds of rand, *, compare


# --------------------------------------------------------------------------------------------------------
# Neurons
# --------------------------------------------------------------------------------------------------------


def test_exact_decay_is_one_multiply_per_neuron_step_and_exp_is_hoisted():
    net = Network(_decay_group("dexact", "exact"))
    net.run(1 * ms)
    profile = count_network(net)
    update = _row(profile, "dexact_stateupdater")
    # _v := _lio_1 * v with _lio_1 := exp(-dt/tau) computed once per step
    assert update.element == flops.NEURON_STEP and update.category == flops.NEURON_UPDATE
    assert update.flops_per_element == 1
    assert update.ops_per_element == {"*": 1}
    assert update.hoisted_flops_per_call == 13  # exp 8, neg 1, / 4: once per step, not per neuron
    threshold = _row(profile, "dexact_spike_thresholder")
    assert (threshold.element, threshold.flops_per_element) == (flops.NEURON_STEP, 1)  # v > 1
    reset = _row(profile, "dexact_spike_resetter")
    assert (reset.element, reset.flops_per_element) == (flops.SPIKE, 0)  # v = 0 is a store
    assert profile.unknown == []


def test_euler_decay_is_multiply_and_add():
    net = Network(_decay_group("deuler", "euler"))
    net.run(1 * ms)
    # v + dt*(-v/tau) becomes _lio_1*v + v with _lio_1 := -dt/tau hoisted
    assert _row(count_network(net), "deuler_stateupdater").flops_per_element == 2


def test_reset_with_increment_counts_the_add():
    group = NeuronGroup(
        3, "dv/dt = -v/tau : 1\ndu/dt = -u/tau : 1", threshold="v > 1", reset="v = 0; u += 0.5", method="exact",
        name="resetinc", namespace={"tau": TAU},
    )
    net = Network(group)
    net.run(1 * ms)
    assert _row(count_network(net), "resetinc_spike_resetter").flops_per_element == 1


def test_loop_invariant_work_is_not_counted_per_element():
    group = NeuronGroup(3, "v : 1\nx : 1", name="lio", namespace={"c": 2.0, "k": 0.5})
    group.run_regularly("v = v + c*exp(k)", name="lio_constant")
    group.run_regularly("v = v + x*exp(k)", name="lio_vector")
    net = Network(group)
    net.run(0.3 * ms)
    profile = count_network(net)
    constant = _row(profile, "lio_constant")
    # as written, v + c*exp(k) costs + 1, * 1, exp 8 per neuron ...
    assert count_expression("v + c*exp(k)")[0] == 10
    # ... but c*exp(k) involves constants only: Brian2 hoists it, leaving v += _lio_1
    assert constant.flops_per_element == 1
    assert constant.hoisted_flops_per_call == 9
    assert constant.role == "run_regularly" and constant.element == flops.NEURON_STEP
    # with a per-neuron factor only exp(k) can be hoisted: v += _lio_1 * x
    assert _row(profile, "lio_vector").flops_per_element == 2


def test_the_count_does_not_depend_on_the_devices_loop_invariant_preference():
    """Brian2GeNN turns codegen.loop_invariant_optimisations off; the count is made with it on regardless."""
    group = NeuronGroup(3, "v : 1", name="lip", namespace={"c": 2.0, "k": 0.5})
    group.run_regularly("v = v + c*exp(k)", name="lip_constant")
    net = Network(group)
    net.run(0.3 * ms)
    previous = prefs.codegen.loop_invariant_optimisations
    prefs.codegen.loop_invariant_optimisations = False  # as Brian2GeNN's device sets it
    try:
        profile = count_network(net)
        unoptimised = count_network(net, loop_invariant_optimisations=False)
        assert prefs.codegen.loop_invariant_optimisations is False  # put back as it was
    finally:
        prefs.codegen.loop_invariant_optimisations = previous
    assert profile.loop_invariant_optimisations and not unoptimised.loop_invariant_optimisations
    assert _row(profile, "lip_constant").flops_per_element == 1  # v += hoisted c*exp(k)
    assert _row(unoptimised, "lip_constant").flops_per_element == 10  # + 1, * 1, exp 8 per neuron


def test_run_regularly_on_a_slower_clock_has_a_step_ratio():
    group = NeuronGroup(2, "v : 1", name="slow")
    group.run_regularly("v = v*0.5", dt=1 * ms, name="slow_rr")
    net = Network(group)
    net.run(1 * ms)
    assert _row(count_network(net), "slow_rr").step_ratio == pytest.approx(0.1)


def test_refractory_statements_are_counted_as_cpp_branches():
    group = NeuronGroup(
        3, "dv/dt = (I - v)/tau : 1 (unless refractory)\nI : 1", threshold="v > 1", reset="v = 0",
        refractory=2 * ms, method="euler", name="refr", namespace={"tau": TAU},
    )
    net = Network(group)
    net.run(1 * ms)
    profile = count_network(net)
    # not_refractory = timestep(t - lastspike, dt) >= _lio_1         : - 1, timestep 7, >= 1 = 9
    # _v := _lio_2*((I - v)*int(not_refractory)) + v, emitted by C++ as
    #   if (not_refractory) _v = _lio_2*(I - v) + v; else _v = v;    : * 1, - 1, + 1 = 3 (larger branch)
    assert _row(profile, "refr_stateupdater").flops_per_element == 12
    # (v > 1) and not_refractory: one compare
    assert _row(profile, "refr_spike_thresholder").flops_per_element == 1


def test_user_function_is_reported_as_unknown_with_its_statement():
    @implementation("numpy", discard_units=True)
    @check_units(x=1, result=1)
    def mystery(x):
        return x

    group = NeuronGroup(2, "v : 1", name="unk")
    group.run_regularly("v = mystery(v) + 1", name="unk_rr")
    net = Network(group)
    net.run(0.2 * ms)
    profile = count_network(net)
    assert _row(profile, "unk_rr").flops_per_element == 1
    assert [(u.operation, u.runner) for u in profile.unknown] == [("mystery", "unk_rr")]
    assert "mystery" in profile.unknown[0].statement
    priced = count_network(net, extra_costs={"mystery": 6})
    assert priced.unknown == [] and _row(priced, "unk_rr").flops_per_element == 7


def test_network_not_run_is_a_usage_error():
    net = Network(_decay_group("notrun", "exact"))
    with pytest.raises(UsageError):
        count_network(net)


# --------------------------------------------------------------------------------------------------------
# Synapses
# --------------------------------------------------------------------------------------------------------


def test_on_pre_add_is_one_flop_of_propagation_per_event():
    group = _decay_group("tgt", "exact")
    synapses = Synapses(group, group, "w : 1", on_pre="v += w", name="proj")
    synapses.connect(p=1.0)
    net = Network(group, synapses)
    net.run(1 * ms)
    profile = count_network(net)
    pathway = _row(profile, "proj_pre")
    assert pathway.owner == "proj" and pathway.role == "pre_pathway"
    assert pathway.element == flops.SYNAPTIC_EVENT_PRE
    assert pathway.category == flops.SYNAPTIC_PROPAGATION
    assert pathway.flops_per_element == 1
    assert [r.category for r in profile.rows_for("proj")] == [flops.SYNAPTIC_PROPAGATION]


def test_bytes_per_element_count_each_array_read_and_written_once():
    """The rule of CodeObjectCost.bytes_per_element, by hand, in double precision."""
    group = _decay_group("btgt", "exact")
    synapses = Synapses(group, group, "w : 1", on_pre="v += w", name="bproj")
    synapses.connect(p=1.0)
    background = PoissonInput(group, "v", 10, 5 * Hz, 0.1)
    net = Network(group, synapses, background)
    net.run(1 * ms)
    profile = count_network(net)
    # v read and written (8 + 8), w read (8), and the postsynaptic index that reaches v (4)
    assert _row(profile, "bproj_pre").bytes_per_element == 28
    assert _row(profile, "bproj_pre").code_object == synapses.pre.codeobj.name
    assert _row(profile, "btgt_stateupdater").bytes_per_element == 16  # v = v * exp(-dt/tau)
    assert _row(profile, "btgt_spike_thresholder").bytes_per_element == 8  # v read (the spike space is not counted)
    assert _row(profile, background.name).bytes_per_element == 16  # v += n * w


def test_pair_stdp_splits_propagation_and_plasticity():
    net = _stdp_network()
    net.run(1 * ms)
    profile = count_network(net)
    # on_pre, after Brian2 adds the event-driven trace decay (per synaptic event):
    #   _Apost := Apost*exp(_lio_1*(-(t - lastupdate)))   - 1, neg 1, * 1, exp 8, * 1 = 12
    #   _Apre  := Apre*exp(_lio_2*(-(t - lastupdate)))                               = 12
    #   Apost = _Apost; Apre = _Apre                                                 = 0
    #   v_post += w                                       + 1 (propagation)
    #   Apre += dApre                                     + 1
    #   w = clip(w + Apost, 0, wmax)                      + 1, clip 2 = 3
    #   lastupdate = t                                                               = 0
    pre_propagation = _row(profile, "ee_pre", flops.SYNAPTIC_PROPAGATION)
    pre_plasticity = _row(profile, "ee_pre", flops.PLASTICITY)
    assert pre_propagation.flops_per_element == 1
    assert pre_propagation.statements == ["v_post += w"]
    assert pre_plasticity.flops_per_element == 28
    assert pre_plasticity.element == flops.SYNAPTIC_EVENT_PRE
    # common-subexpression bound: -(t - lastupdate) is computed once for both traces (saves - and neg)
    assert pre_plasticity.flops_per_element_cse == 26
    post = _row(profile, "ee_post")
    assert post.element == flops.SYNAPTIC_EVENT_POST
    assert post.category == flops.PLASTICITY
    assert post.flops_per_element == 28  # 12 + 12 + (Apost += dApost) 1 + clip(w + Apre) 3
    assert [s.kind for s in profile.skipped] == ["recording"]


def test_summed_variable_synapse_state_is_propagation():
    group = NeuronGroup(
        4, "dv/dt = (I - v)/tau : 1\nI : 1", threshold="v > 1", method="euler", name="sumtgt",
        namespace={"tau": TAU},
    )
    synapses = Synapses(
        group, group, "dg/dt = -g/tau : 1 (clock-driven)\nI_post = g : 1 (summed)", on_pre="g += 1",
        method="exact", name="sumsyn", namespace={"tau": TAU},
    )
    synapses.connect(p=1.0)
    net = Network(group, synapses)
    net.run(1 * ms)
    profile = count_network(net)
    update = _row(profile, "sumsyn_stateupdater")
    assert (update.element, update.category, update.flops_per_element) == (
        flops.SYNAPSE_STEP, flops.SYNAPTIC_PROPAGATION, 1)  # _g := _lio_1*g
    summed = _row(profile, "sumsyn_summed_variable_I_post")
    # _synaptic_var := g is a copy; the template adds it into the target: + 1 per synapse per step
    assert (summed.element, summed.flops_per_element) == (flops.SYNAPSE_STEP, 1)
    # g carries the transmitted signal (read by the summed variable), so g += 1 is propagation
    assert _row(profile, "sumsyn_pre").category == flops.SYNAPTIC_PROPAGATION


def test_clock_driven_weight_dynamics_are_plasticity():
    group = _decay_group("cdtgt", "exact")
    synapses = Synapses(
        group, group, "dw/dt = -w/tau : 1 (clock-driven)", on_pre="v += w", method="exact", name="cdsyn",
        namespace={"tau": TAU},
    )
    synapses.connect(p=1.0)
    net = Network(group, synapses)
    net.run(1 * ms)
    profile = count_network(net)
    assert _row(profile, "cdsyn_stateupdater").category == flops.PLASTICITY
    assert _row(profile, "cdsyn_pre").category == flops.SYNAPTIC_PROPAGATION


# --------------------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------------------


def test_poisson_input_costs_one_binomial_draw_per_target_neuron_step():
    group = _decay_group("pin", "exact")
    sparse = PoissonInput(group, "v", 5, 10 * Hz, weight=0.1)  # n p = 5 * 1e-3: inversion sampling
    dense = PoissonInput(group, "v", 1000, 100 * Hz, weight=0.1)  # n p = 10: normal approximation
    net = Network(group, sparse, dense)
    net.run(1 * ms)
    profile = count_network(net)
    sparse_row = _row(profile, sparse.name)
    assert (sparse_row.element, sparse_row.category) == (flops.INPUT_NEURON_STEP, flops.INPUT)
    assert sparse_row.owner == sparse.name and sparse_row.population == "pin"
    # v += 0.1*binomial(): * 1, + 1, binomial = rand 3 + final compare 1 + 12 * (5 * 0.001) expected rounds
    assert sparse_row.flops_per_element == pytest.approx(2 + 4 + 12 * 0.005)
    # normal approximation: randn 19 + * 1 + + 1
    assert _row(profile, dense.name).flops_per_element == pytest.approx(2 + 21)


# --------------------------------------------------------------------------------------------------------
# Activity
# --------------------------------------------------------------------------------------------------------


def _hand_row(owner, runner, role, element, category, flops_per_element, population="exc", size=100):
    return CodeObjectCost(
        owner=owner, runner=runner, role=role, template="t", element=element, category=category,
        flops_per_element=flops_per_element, flops_per_element_cse=flops_per_element / 2,
        ops_per_element={"+": flops_per_element}, op_flops_per_element={"+": flops_per_element},
        statements=[], hoisted_flops_per_call=3.0, group=population, group_size=size, population=population,
        population_size=size,
    )


@pytest.fixture
def hand_profile() -> FlopProfile:
    rows = [
        _hand_row("exc", "exc_stateupdater", "state_update", flops.NEURON_STEP, flops.NEURON_UPDATE, 10),
        _hand_row("exc", "exc_spike_resetter", "reset", flops.SPIKE, flops.NEURON_UPDATE, 2),
        _hand_row("ee", "ee_pre", "pre_pathway", flops.SYNAPTIC_EVENT_PRE, flops.SYNAPTIC_PROPAGATION, 1, "ee", 1000),
        _hand_row("ee", "ee_pre", "pre_pathway", flops.SYNAPTIC_EVENT_PRE, flops.PLASTICITY, 28, "ee", 1000),
        _hand_row("ee", "ee_post", "post_pathway", flops.SYNAPTIC_EVENT_POST, flops.PLASTICITY, 26, "ee", 1000),
        _hand_row("bg", "bg", "poisson_input", flops.INPUT_NEURON_STEP, flops.INPUT, 6),
        _hand_row("ghost", "ghost_pre", "pre_pathway", flops.SYNAPTIC_EVENT_PRE, flops.SYNAPTIC_PROPAGATION, 1,
                  "ghost", 10),
    ]
    unknown = [UnknownOperation("mystery", "no entry", "exc", "exc_stateupdater", flops.NEURON_UPDATE,
                                flops.NEURON_STEP, "v = mystery(v)", 1.0)]
    return FlopProfile(rows=rows, unknown=unknown, skipped=[], weights={}, brian2_version="x",
                       loop_invariant_optimisations=True)


HAND_COUNTS = {
    "n_steps": 1000,
    "populations": {"exc": {"size": 100, "neuron_steps": 100_000, "spikes": 500}},
    "projections": {"ee": {"source": "exc", "target": "exc", "synapses": 1000, "synaptic_events_pre": 5000,
                           "synaptic_events_post": 4000, "synapse_steps": 1_000_000}},
    "inputs": {"bg": {"target": "exc", "events": 2000}},
}


def test_apply_activity_arithmetic(hand_profile):
    report = apply_activity(hand_profile, HAND_COUNTS, bio_duration_s=0.1, n_neurons=100,
                            model_types={"exc": "integrate-and-fire"})
    assert report.flops_by_category == {
        flops.NEURON_UPDATE: 10 * 100_000 + 2 * 500,
        flops.SYNAPTIC_PROPAGATION: 1 * 5000,
        flops.PLASTICITY: 28 * 5000 + 26 * 4000,
        flops.INPUT: 6 * 100_000,
    }
    assert report.total_flops == 1_850_000
    assert report.flops_per_neuron_per_bio_s == pytest.approx(1_850_000 / (100 * 0.1))
    assert report.flops_per_neuron_per_bio_s_by_category[flops.PLASTICITY] == pytest.approx(244_000 / 10)
    # pathways did 5000 + 244000 FLOPs over 5000 pre and 4000 post events
    assert report.flops_per_synaptic_event == pytest.approx(249_000 / 9000)
    assert report.flops_per_synaptic_event_by_category[flops.SYNAPTIC_PROPAGATION] == pytest.approx(5000 / 9000)
    assert report.flops_per_input_event == pytest.approx(600_000 / 2000)
    # dense: every synapse by every pathway on every step; every neuron reset on every step
    assert report.dense_flops_by_category == {
        flops.NEURON_UPDATE: 10 * 100_000 + 2 * 100_000,
        flops.SYNAPTIC_PROPAGATION: 1 * 1000 * 1000,
        flops.PLASTICITY: (28 + 26) * 1000 * 1000,
        flops.INPUT: 6 * 100_000,
    }
    assert report.dense_total_flops == 56_800_000
    assert report.total_flops_cse == pytest.approx(1_850_000 / 2)
    assert report.by_operator["+"]["flops"] == pytest.approx(1_850_000)
    assert [m for m in report.missing_counts if "ghost_pre" in m]
    ghost = [r for r in report.rows if r.runner == "ghost_pre"][0]
    assert ghost.element_count is None and ghost.total_flops is None
    assert report.unknown_operations[0]["executed"] == 100_000
    model = report.neuron_models[0]
    assert model["population"] == "exc"
    assert model["flops_per_neuron_per_ms"] == pytest.approx(1_001_000 / 100 / 100.0)
    assert model["izhikevich_flops_per_ms"] == 5
    assert report.hoisted_flops_per_step == pytest.approx(3.0 * len(hand_profile.rows))
    json.dumps(report.to_dict())
    json.dumps(hand_profile.to_dict())


def test_apply_activity_rejects_zero_duration(hand_profile):
    with pytest.raises(ValueError):
        apply_activity(hand_profile, HAND_COUNTS, bio_duration_s=0.0, n_neurons=100)


def test_profile_and_activity_of_a_real_run_are_consistent():
    net = _stdp_network("act")
    net.run(2 * ms)
    profile = count_network(net)
    counts = {
        "n_steps": 20,
        "populations": {"actexc": {"size": 4, "neuron_steps": 80, "spikes": 3}},
        "projections": {"actee": {"source": "actexc", "target": "actexc", "synapses": 8,
                                  "synaptic_events_pre": 6, "synaptic_events_post": 4, "synapse_steps": 160}},
        "inputs": {},
    }
    report = apply_activity(profile, counts, bio_duration_s=0.002, n_neurons=4)
    # neuron: (1 update + 1 threshold) * 80 + 0 reset; pre: 29 * 6; post: 28 * 4
    assert report.flops_by_category[flops.NEURON_UPDATE] == 160
    assert report.flops_by_category[flops.SYNAPTIC_PROPAGATION] == 6
    assert report.flops_by_category[flops.PLASTICITY] == 28 * 6 + 28 * 4
    assert report.missing_counts == []
    assert json.loads(json.dumps(report.to_dict()))["total_flops"] == 160 + 6 + 28 * 10


# --------------------------------------------------------------------------------------------------------
# Izhikevich reference
# --------------------------------------------------------------------------------------------------------


def test_izhikevich_reference_table():
    assert izhikevich_reference("Hodgkin-Huxley").flops_per_ms == 1200
    assert izhikevich_reference("hh").model_type == "hodgkin_huxley"
    assert izhikevich_reference("I&F with adaptation").flops_per_ms == 10
    assert izhikevich_reference("Izhikevich").flops_per_ms == 13
    assert "Izhikevich" in izhikevich_reference("lif").source
    types = {row["model_type"] for row in flops.read_table(flops.IZHIKEVICH_TABLE).rows}
    assert len(types) == 11
    with pytest.raises(UsageError):
        izhikevich_reference("adaptive exponential")


# --------------------------------------------------------------------------------------------------------
# C++ standalone
# --------------------------------------------------------------------------------------------------------


def _comparable(profile: FlopProfile):
    return sorted(
        (r.owner, r.runner, r.category, r.element, r.flops_per_element, r.flops_per_element_cse,
         tuple(sorted(r.ops_per_element.items())))
        for r in profile.rows
    )


@pytest.mark.slow
def test_cpp_standalone_profile_equals_runtime(tmp_path):
    from brian2 import device, set_device

    runtime_net = _stdp_network("sa")
    runtime_net.run(1 * ms)
    runtime = count_network(runtime_net)

    set_device("cpp_standalone", directory=str(tmp_path / "standalone"), build_on_run=True)
    try:
        standalone_net = _stdp_network("sa")
        standalone_net.run(1 * ms)
        standalone = count_network(standalone_net)
    finally:
        # leave Brian2 as the other tests expect it: a fresh runtime device
        device.reinit()
        device.activate()
        set_device("runtime")
    assert _row(standalone, "saee_pre", flops.PLASTICITY).flops_per_element == 28
    assert _comparable(standalone) == _comparable(runtime)
    assert standalone.unknown == runtime.unknown == []
