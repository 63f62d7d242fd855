"""A run on Brian2GeNN's ``genn`` device: the standalone session with what GeNN does differently (see the class)."""
from __future__ import annotations

import subprocess
import sys
import time
from contextlib import redirect_stdout
from typing import Optional

import brian2

from simnet.base import child_processes
from simnet.simulation import phases
from simnet.simulation.sessions import StandaloneSession
from simnet.simulation.settings import RunSettings

__all__ = ["GennSession"]


class GennSession(StandaloneSession):
    """A run on Brian2GeNN 1.7's ``genn`` device (GeNN 4.x), which differs from the other standalone devices:

    * Its ``main.cpp`` runs the code of the "main" slot (synapse creation and initial values, recorded in Brian2's
      order) before it converts the synapses and state to GeNN's structures and calls GeNN's run, so marks
      placed there after the run call would enclose nothing. The end of initialisation and the loop are marked
      in the ``before_network_run`` / ``after_network_run`` slots instead; initialisation then includes the
      conversion.
    * GeNN's model generator, run while the project compiles, executes the same set-up code, marks included,
      in the same directory: the marks file is emptied before the program runs.
    * It sets ``run_statement_used`` at the end of ``network_run`` and, when it builds, refuses every code
      object while it is set: it expects to build inside the run (``build_on_run=True``).
    * The single-threaded CPU backend compiles GeNN's generated simulation code with GeNN's compiler flags,
      which have no optimisation unless GeNN's ``optimizeCode`` preference is set; Brian2GeNN never sets it.
    """

    #: Marks that belong around GeNN's run call rather than in the "main" slot.
    _NETWORK_RUN_SLOTS = {phases.INIT_END: "before_network_run", phases.LOOP_START: "before_network_run",
                          phases.LOOP_END: "after_network_run"}

    def __init__(self, settings: RunSettings, use_gpu: bool, project: Optional[str] = None,
                 reuse_refusal: str = ""):
        super().__init__(settings, "genn", {"use_GPU": use_gpu}, project, reuse_refusal)
        self.use_gpu = use_gpu
        self.notes.append("genn: state initialisation includes converting the synapses and state to GeNN's "
                          "structures")
        if not use_gpu:
            # Code of the "before_start" slot also runs in GeNN's model definition, where GENN_PREFERENCES
            # exists; BACKEND_NAMESPACE is defined only when that is compiled (not for main.cpp).
            brian2.device.insert_code("before_start", "#ifdef BACKEND_NAMESPACE\n"
                                                      "GENN_PREFERENCES.optimizeCode = true;\n#endif")
            self.notes.append("genn-cpu: GeNN's generated simulation code compiled with GeNN's optimizeCode "
                              "preference (-O3 -ffast-math), which Brian2GeNN leaves off")

    def simulate(self, net, duration, pre_run, namespace=None) -> None:
        # Brian2GeNN prints its progress with print(); simnet's stdout carries its own output (--json).
        with redirect_stdout(sys.stderr):
            super().simulate(net, duration, pre_run, namespace)

    def compile_only(self, net, duration, pre_run, namespace=None) -> None:
        with redirect_stdout(sys.stderr):
            self._record_run_calls(net, duration, pre_run, namespace)
            self._build(run=False)

    def mark(self, name: str) -> None:
        slot = self._NETWORK_RUN_SLOTS.get(name)
        if slot is None:
            super().mark(name)
        else:
            brian2.device.insert_code(slot, phases.standalone_mark_code(name))

    def _build_and_run(self) -> None:
        self._build(run=True)

    def _build(self, run: bool) -> None:
        # The device object itself: an attribute set through the brian2.device proxy would not reach it.
        device = brian2.get_device()
        device.run_statement_used = False
        directory = str(self.directory)
        started = time.perf_counter()
        with self._writing_project():
            device.build(directory=directory, compile=False, run=False, use_GPU=self.use_gpu, with_output=True)
        generated = time.perf_counter()
        compiled = None
        try:
            with child_processes.tied_calls(sys.modules[type(device).__module__], self._keep_fds()):
                with self._writing_project():
                    device.compile_source(debug=False, directory=directory, use_GPU=self.use_gpu)
                compiled = time.perf_counter()
                (self.directory / phases.MARKS_FILE).unlink(missing_ok=True)  # the model generator's marks
                if run:
                    device.run(directory, self.use_gpu, True)
        except subprocess.CalledProcessError as err:  # reported as Brian2GeNN's build reports it
            stage = "compilation" if compiled is None else "run"
            raise RuntimeError(f"Project {stage} failed (command {err.cmd} failed with error code "
                               f"{err.returncode})") from None
        self.timings["code_generation_s"] = generated - started
        self.timings["compile_s"] = compiled - generated
        if run:
            self.timings["run_binary_s"] = time.perf_counter() - compiled
