"""A C++ ``timestep`` that compilers can vectorise without AVX-512.

Every neuron group with a refractory period updates ``not_refractory = timestep(t - lastspike, dt) >=
timestep(refractory, dt)`` in its state update. Brian2's C++ ``_timestep`` converts a double to int64, which x86
has as a vector instruction only with AVX-512, so on AVX2 machines GCC leaves the whole state-update loop (the
Hodgkin-Huxley update with it) scalar. This version truncates in floating point and reads the integer out of the
bits of ``trunc(x) + 1.5 * 2**52`` (exact for |x| < 2**51 steps: 7,000 years at 0.1 ms, 71 years at 1 us): the
same int64 as Brian2's for every such value, from operations AVX2 has as vector instructions.
"""
from __future__ import annotations

from brian2.codegen.generators.cpp_generator import CPPCodeGenerator
from brian2.core.functions import DEFAULT_FUNCTIONS

__all__ = ["VECTORISABLE_TIMESTEP_CODE", "use_vectorisable_timestep", "restore_timestep"]

VECTORISABLE_TIMESTEP_CODE = """
static inline int64_t _timestep(double t, double dt)
{
    // simnet: Brian2's (int64_t)((t + 1e-3*dt)/dt) without a double -> int64 conversion (see timestep_function.py)
    const double _magic = 6755399441055744.0;  // 1.5 * 2**52: integers below 2**51 in magnitude land in the low bits
    const double _shifted = trunc((t + 1e-3*dt)/dt) + _magic;
    int64_t _bits, _magic_bits;
    __builtin_memcpy(&_bits, &_shifted, sizeof _bits);
    __builtin_memcpy(&_magic_bits, &_magic, sizeof _magic_bits);
    return _bits - _magic_bits;
}
"""

_implementations = DEFAULT_FUNCTIONS["timestep"].implementations._implementations
_BRIAN2_TIMESTEP = _implementations[CPPCodeGenerator]


def use_vectorisable_timestep() -> None:
    """Generate C++ code with :data:`VECTORISABLE_TIMESTEP_CODE` from now on (until :func:`restore_timestep`)."""
    DEFAULT_FUNCTIONS["timestep"].implementations.add_implementation(
        CPPCodeGenerator, code=VECTORISABLE_TIMESTEP_CODE, name="_timestep")


def restore_timestep() -> None:
    """Brian2's own C++ ``_timestep`` again."""
    _implementations[CPPCodeGenerator] = _BRIAN2_TIMESTEP
