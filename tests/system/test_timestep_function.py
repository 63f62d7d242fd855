"""simnet's vectorisable C++ ``timestep`` gives Brian2's integers, and lets GCC vectorise a refractory update."""
import platform
import shutil
import subprocess
import textwrap

import pytest
from brian2.codegen.generators.cpp_generator import CPPCodeGenerator
from brian2.core.functions import DEFAULT_FUNCTIONS

from simnet.simulation import timestep_function

BRIAN2_TIMESTEP = "static inline int64_t _brian2_timestep(double t, double dt) { return (int64_t)((t + 1e-3*dt)/dt); }"
needs_gpp = pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")


def _compile(tmp_path, body, *flags):
    source = tmp_path / "check.cpp"
    source.write_text("#include <cstdint>\n#include <cstdio>\n#include <cmath>\n" + BRIAN2_TIMESTEP + "\n"
                      + timestep_function.VECTORISABLE_TIMESTEP_CODE + textwrap.dedent(body))
    program = tmp_path / "check"
    built = subprocess.run(["g++", "-O3", "-ffast-math", "-fno-finite-math-only", *flags, str(source), "-o",
                            str(program)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    return program, built.stderr


@needs_gpp
def test_the_vectorisable_timestep_gives_brian2s_integers(tmp_path):
    # Times on and off the step grid, before 0 and far from it, at three steps; every result must be equal.
    program, _ = _compile(tmp_path, """
        int main() {
            const double dts[] = {1e-4, 2.5e-5, 1e-6};
            long checked = 0;
            for (double dt : dts) {
                for (long k = -2000000; k <= 2000000; k += 7) {
                    const double offsets[] = {0.0, 0.3 * dt, -0.3 * dt, 0.999 * dt, -1e-9 * dt};
                    for (double offset : offsets) {
                        const double t = k * dt + offset;
                        if (_timestep(t, dt) != _brian2_timestep(t, dt)) { std::printf("differs at %.17g\\n", t); return 1; }
                        checked++;
                    }
                }
                const double far[] = {1e4, 4.7e8, -1e4, 3.1e7 + 0.05};  // -10000 s: Brian2's initial lastspike
                for (double t : far) if (_timestep(t, dt) != _brian2_timestep(t, dt)) { std::printf("differs at %.17g\\n", t); return 1; }
            }
            std::printf("%ld\\n", checked);
            return 0;
        }
        """)
    ran = subprocess.run([str(program)], capture_output=True, text=True)
    assert ran.returncode == 0, ran.stdout
    assert int(ran.stdout) > 8_000_000


@needs_gpp
@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="x86-64 vector instructions")
def test_gcc_vectorises_a_refractory_update_for_avx2(tmp_path):
    # The line Brian2 generates for a refractory period, for x86-64-v3 (AVX2, no AVX-512): vectorised with
    # simnet's timestep (Brian2's double -> int64 conversion has no AVX2 instruction).
    loop = """
        void update(const double* __restrict lastspike, char* __restrict not_refractory, int n, double t, double dt) {
            const int64_t refractory = %s(0.003, dt);
            for (int i = 0; i < n; i++) not_refractory[i] = %s(t - lastspike[i], dt) >= refractory;
        }
        int main() { return 0; }
        """
    _, ours = _compile(tmp_path, loop % ("_timestep", "_timestep"), "-march=x86-64-v3", "-fopt-info-vec-optimized")
    assert "loop vectorized" in ours


def test_a_session_leaves_brian2s_timestep_in_place():
    from simnet.simulation.sessions import _restore_brian_defaults

    brian2_code = DEFAULT_FUNCTIONS["timestep"].implementations[CPPCodeGenerator].get_code(None)
    timestep_function.use_vectorisable_timestep()
    assert DEFAULT_FUNCTIONS["timestep"].implementations[CPPCodeGenerator].get_code(None) \
        == timestep_function.VECTORISABLE_TIMESTEP_CODE
    _restore_brian_defaults()
    assert DEFAULT_FUNCTIONS["timestep"].implementations[CPPCodeGenerator].get_code(None) == brian2_code
