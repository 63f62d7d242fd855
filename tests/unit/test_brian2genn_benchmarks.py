"""Reader for the published Brian2GeNN benchmark files, checked against lines read by eye.

The expected values below were copied by hand from ``data/brian2genn_benchmarks`` and the differences
worked out by hand; they are not produced by the code under test.
"""
from __future__ import annotations

import dataclasses

import pytest

from simnet.base import brian2genn_benchmarks
from simnet.base.brian2genn_benchmarks import fastest, load_benchmarks, parse_line, select

TITAN = "2018-10-02_f152b85d2726"
K40 = "2018-10-02_inf900777"
V100 = "2018-10-04_jwc09n012"
K40_RERUN = "2020-04-15_inf900777"


@pytest.fixture(scope="module")
def cobahh():
    return load_benchmarks("COBAHH")


@pytest.fixture(scope="module")
def mbody():
    return load_benchmarks("Mbody_example")


def _line(runs, source_file, source_line):
    found = [run for run in runs if run.source_file == source_file and run.source_line == source_line]
    assert len(found) == 1
    return found[0]


def test_line_counts_match_the_files(cobahh, mbody):
    # wc -l of the files: COBAHH 390 + 360 + 156 + 342 + 280;
    # Mbody 498 + 498 + 204 + 6 (additional) + 473 + 291
    assert len(cobahh) == 1528
    assert len(mbody) == 1970
    per_machine = {machine: sum(run.machine == machine for run in cobahh)
                   for machine in {run.machine for run in cobahh}}
    assert per_machine == {TITAN: 390, K40: 360, V100: 156, "2018-10-05_vuvuzela": 342, K40_RERUN: 280}


def test_first_k40_cobahh_line_and_its_phases(cobahh):
    # genn pre 0 200 40000 10.0 0 float32 40.4107370377
    #   179823 179830 180516 180930 183914 6379245 6416636 6417346
    run = _line(cobahh, f"{K40}/benchmarks_COBAHH.txt", 1)
    assert (run.device, run.strategy, run.threads) == ("genn", "pre", 0)
    assert (run.neurons, run.synapses) == (200, 40000)
    assert (run.bio_time_s, run.monitors, run.dtype) == (10.0, False, "float32")
    assert run.total_wall_s == 40.4107370377
    assert run.gpu_name == "Tesla K40c"
    assert run.cpu_name == "Intel(R) Xeon(R) CPU E5-1620 v2 @ 3.70GHz"
    assert run.simulation_s == pytest.approx(6.195331)          # 6379245 - 183914 us
    assert run.sim_wall_s_per_bio_s == pytest.approx(0.6195331)
    assert run.synapse_creation_s == pytest.approx(0.000686)    # 180516 - 179830
    assert run.initialization_s == pytest.approx(0.000414)      # 180930 - 180516
    assert run.overhead_before_s == pytest.approx(0.182807)     # 179823 + (183914 - 180930)
    assert run.overhead_after_s == pytest.approx(0.038101)      # 6417346 - 6379245
    assert run.program_s == pytest.approx(6.417346)
    assert run.codegen_and_compile_s == pytest.approx(33.9933910377)
    assert run.synapses_per_neuron == 200


def test_cpp_standalone_line_has_no_strategy(cobahh):
    # cpp_standalone N/A 1 200 40000 10.0 0 float32 8.46010088921 48478 48496 49680 50397 50400 6283503 ...
    run = _line(cobahh, f"{TITAN}/benchmarks_COBAHH.txt", 157)
    assert run.device == "cpp_standalone"
    assert run.strategy is None
    assert run.threads == 1
    assert run.simulation_s == pytest.approx(6.233103)          # 6283503 - 50400
    assert run.cpu_name == "Intel(R) Core(TM) i9-7920X CPU @ 2.90GHz"
    assert run.gpu_name == "TITAN Xp"


def test_rerun_folder_has_no_cpu_name(cobahh):
    rerun = [run for run in cobahh if run.machine == K40_RERUN]
    assert rerun and all(run.cpu_name is None for run in rerun)
    assert rerun[0].gpu_name == "Tesla K40c (GeNN 4 re-run of 2020-04-15)"


def test_fastest_titan_xp_mushroom_body_is_the_minimum_over_repeats(mbody):
    # Lines 103-105 (pre, float32, 20,480,200 neurons): simulation 876.097367, 873.871345, 873.686233 s
    gpu = dict(machine=TITAN, device="genn", threads=0, dtype="float32", neurons=20480200, monitors=False)
    best = fastest(mbody, strategy="pre", **gpu)
    assert best.source_line == 105
    assert best.simulation_s == pytest.approx(873.686233)
    assert len(select(mbody, strategy="pre", **gpu)) == 3
    # Lines 211-213 (post): 1131.379382, 1131.189503, 1129.69959 s
    assert fastest(mbody, strategy="post", **gpu).simulation_s == pytest.approx(1129.69959)
    # Without a strategy filter: the minimum over both, as in the paper's detailed-runtime figure
    assert fastest(mbody, **gpu).source_line == 105
    # Whole-script time (column 9): 960.87, 958.09, 957.78 (pre) and ~1214-1215 (post)
    assert fastest(mbody, by="total_wall_s", **gpu).total_wall_s == 957.783925056


def test_fastest_titan_xp_cobahh_largest_gpu_network(cobahh):
    # Lines 73-75: (255274468-103242306), (254616506-103143969), (254224269-102727383) us
    best = fastest(cobahh, machine=TITAN, device="genn", strategy="pre", dtype="float32", neurons=1024000)
    assert best.source_line == 74
    assert best.simulation_s == pytest.approx(151.472537)


def test_additional_result_file_is_read(mbody):
    # The V100 main file has no GeNN 'pre' runs at 20,480,200 neurons; the additional file has three
    # float32 ones: 509.084234, 506.119842, 506.654011 s.
    best = fastest(mbody, machine=V100, device="genn", strategy="pre", dtype="float32", neurons=20480200)
    assert best.source_file == f"{V100}/benchmarks_Mbody_example_additional_pre_results.txt"
    assert best.source_line == 2
    assert best.simulation_s == pytest.approx(506.119842)


def test_configurations_group_repeats(mbody):
    groups = brian2genn_benchmarks.configurations(mbody)
    key = (TITAN, "Mbody_example", "genn", "pre", 0, 20480200, 10.0, False, "float32")
    assert sorted(run.source_line for run in groups[key]) == [103, 104, 105]
    # Synapse counts differ between repeats (random connectivity) but do not split the group.
    assert len({run.synapses for run in groups[key]}) == 3


def test_fastest_without_match_and_select_with_typo_raise(mbody):
    with pytest.raises(ValueError, match="neurons=7"):
        fastest(mbody, neurons=7)
    with pytest.raises(TypeError, match="neuron"):
        select(mbody, neuron=20480200)


def test_unknown_model_raises():
    with pytest.raises(ValueError, match="COBAHH"):
        load_benchmarks("COBA")


def test_malformed_line_names_file_and_line():
    with pytest.raises(ValueError, match=r"x\.txt:7: expected 17"):
        parse_line("genn\tpre\t0", machine="m", model="COBAHH", gpu_name=None, cpu_name=None,
                   source_file="x.txt", source_line=7)
    bad_number = "genn\tpre\tzero" + "\t1" * 14
    with pytest.raises(ValueError, match=r"x\.txt:3"):
        parse_line(bad_number, machine="m", model="COBAHH", gpu_name=None, cpu_name=None,
                   source_file="x.txt", source_line=3)


def test_load_from_another_root(tmp_path):
    machine = tmp_path / "2099-01-01_test"
    machine.mkdir()
    (machine / "gpu_name.txt").write_text("Some GPU\n")
    (machine / "benchmarks_COBAHH.txt").write_text(
        "genn\tpost\t0\t400\t80000\t1.0\t1\tfloat64\t12.5"
        "\t10\t20\t1020\t2020\t3020\t503020\t503030\t504030\n\n")
    runs = load_benchmarks("COBAHH", root=tmp_path)
    assert len(runs) == 1
    run = runs[0]
    assert (run.gpu_name, run.cpu_name, run.strategy, run.monitors) == ("Some GPU", None, "post", True)
    assert run.simulation_s == pytest.approx(0.5)               # 503020 - 3020 us
    assert run.synapse_creation_s == pytest.approx(0.001)       # 1020 - 20
    assert run.codegen_and_compile_s == pytest.approx(12.5 - 0.50403)
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.neurons = 1  # type: ignore[misc]
    with pytest.raises(FileNotFoundError):
        load_benchmarks("COBAHH", root=tmp_path / "missing")
