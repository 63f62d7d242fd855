"""The Python API as a notebook uses it: Brian2 quantities in, a short record out, rates, figures and statistics.

One small COBAHH run on the runtime backend (numpy code generation: nothing to compile) serves every test; 400
neurons, since at 200 its activity dies out for tens of ms at a time.
"""
import numpy as np
import pytest
from brian2 import Hz, ms, mV, pF

import simnet
from simnet.base.errors import UsageError


@pytest.fixture(scope="module")
def record():
    return simnet.run("cobahh", neurons=400, duration=100 * ms, pre_run=10 * ms, backend="runtime", progress=False,
                      seed=3)


def test_quantities_set_the_run_and_parameters_come_back_as_quantities(record):
    assert record.duration_s == pytest.approx(0.1) and record.pre_run_s == pytest.approx(0.01)
    assert record.parameter("Cm") == 200 * pF and record.parameter("VT") == -63 * mV
    assert record.quantities()["n_neurons"] == 400


def test_a_time_of_the_wrong_dimension_is_refused_before_anything_runs():
    with pytest.raises(UsageError, match="duration must be a time"):
        simnet.plan("cobahh", neurons=200, duration=100 * mV, backend="runtime")
    with pytest.raises(UsageError, match="dt must be a time"):
        simnet.plan("microcircuit", scale=0.01, dt=5 * Hz, backend="runtime")


def test_record_rates_agree_with_the_per_neuron_rates_of_the_analysis(record):
    assert list(record.rates) == ["exc", "inh"] and "RunRecord cobahh on runtime" in repr(record)
    per_neuron = simnet.firing_rates(record)
    for name, rate in record.rates.items():
        assert rate.size == len(per_neuron[name])
        assert float(per_neuron[name].mean() / Hz) == pytest.approx(rate.mean_hz)
        assert rate.mean_hz > 1.0  # the network is active, so the comparison means something
    # a window after discard: fewer spikes counted than over the whole loop, never more
    later = simnet.firing_rates(record, "exc", discard=50 * ms)
    assert len(later) == record.rates["exc"].size
    assert 0 < float(np.sum(later) * 50 * ms) <= float(np.sum(per_neuron["exc"]) * 100 * ms)
    cvs = simnet.isi_cv(record, "exc")
    assert np.all(cvs >= 0) and cvs.size > 0
    assert simnet.synchrony(record, "inh", bin_width="3ms") > 0
    stats = simnet.spike_statistics(record, discard="20ms")
    assert stats["exc"].t_start_ms == pytest.approx(30.0) and stats["exc"].n_neurons == 320
    with pytest.raises(UsageError, match="leaves nothing"):
        simnet.firing_rates(record, discard=100 * ms)


def test_plot_returns_a_figure_and_saves_only_when_asked(record, tmp_path):
    from matplotlib.figure import Figure

    figure = simnet.plot(record)
    assert isinstance(figure, Figure) and len(figure.axes) == 2
    assert list(tmp_path.iterdir()) == []
    simnet.plot(record, out=tmp_path / "activity")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["activity.png", "activity.svg"]


def test_to_pandas_holds_every_spike_and_the_cost(record):
    pytest.importorskip("pandas")
    frames = record.to_pandas()
    assert len(frames["spikes"]) == record.n_spikes
    assert frames["rates"].spikes.sum() == record.n_spikes
    cost = frames["cost"].set_index("figure")["value"]
    assert cost["neurons"] == 400 and cost["backend"] == "runtime"
    assert set(frames["flops"].owner) >= {"neurons"}
