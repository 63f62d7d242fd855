"""A network simnet did not write: plain Brian2 objects made by a user's script or function.

simnet accounts for such a network's cost as for its own models (``simnet account my_model.py``,
:func:`simnet.api.account`): the run pipeline calls :attr:`UserNetwork.build` on the chosen backend's device, adds
its own monitors beside the user's objects (the model itself is not changed), runs it and measures it. The code
must build the objects, not run them: Brian2 records a standalone program while the objects are made, so they are
made inside the run, after the device is set. A script's ``run(...)`` call belongs under
``if __name__ == "__main__":`` (simnet executes the script under another name); an unguarded one is refused.

Objects the code binds to a variable are named after it (``exc`` for ``exc = NeuronGroup(...)``,
:mod:`simnet.specs.script_names`), so populations, counts and cost rows carry the code's names, and the code's own
monitors keep their data in the record (``record.monitors``).

What the objects are is only known once they are built, so a user network's populations (its spike sources:
NeuronGroups, PoissonGroups, SpikeGeneratorGroups, and the slices of them the synapses connect) are read back from
the objects (:func:`simnet.simulation.network_builder.describe`).
"""
from __future__ import annotations

import hashlib
import runpy
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

import brian2

from simnet.base.errors import UsageError
from simnet.specs import script_guard, script_names

__all__ = ["CodeSource", "UserNetwork", "from_script", "from_python", "collect"]


@dataclass(frozen=True)
class CodeSource:
    """Where a user network's code came from: the parameters its run record stores."""

    source: str
    sha256: str = ""


@dataclass(frozen=True)
class UserNetwork:
    """A network made by code: ``build()`` makes its Brian2 objects on the active Brian2 device and returns them
    with the namespace their code's external names (``taum`` in an equation) are looked up in."""

    name: str
    build: Callable[[], tuple[list, dict]]
    source: CodeSource
    description: str = ""
    #: Objects that already exist (made in runtime mode before the run): only the runtime backend runs them.
    prebuilt: bool = False
    #: The default clock's step (s) the objects were made with, for objects that already exist.
    dt_s: Optional[float] = None
    #: What happened while the code ran that the record should say (filled by ``build``).
    notes: list = field(default_factory=list, compare=False)

    @property
    def time_step_s(self) -> Optional[float]:
        """The time step (s) when known before the objects are made (``dt_s``), else None."""
        return self.dt_s


def from_script(path, timeout_s: float = script_guard.DEFAULT_TIMEOUT_S) -> UserNetwork:
    """The network a Python script builds: every Brian2 object it binds to a top-level name, as Brian2's own
    ``run()`` collects them, or the objects of the ``Network`` it makes.

    The script runs under :func:`simnet.specs.script_guard.guarded`: an exit is bad input, its working
    directory is put back, processes it leaves are stopped, its ``set_device`` is ignored (said in the notes),
    and its own code may take at most ``timeout_s`` seconds.
    """
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"no such script: {path}", parameter="script")
    text = path.read_bytes()
    digest = hashlib.sha256(text).hexdigest()

    notes: list = []

    def build() -> list:
        notes.clear()
        with script_guard.guarded(str(path), timeout_s) as guard, _run_refused(path.name), \
                script_names.variable_names(str(path.resolve()), text.decode("utf-8", "replace")):
            try:
                namespace = runpy.run_path(str(path.resolve()), run_name="simnet_account")
            except UsageError:
                raise
            except SyntaxError as err:
                raise UsageError(f"{path} is not valid Python: {err.msg} (line {err.lineno})",
                                 parameter="script") from None
            except Exception as err:  # noqa: BLE001 -- the user's code failed: say so in one line
                raise UsageError(f"{path} failed while building its network: {type(err).__name__}: "
                                 f"{_one_line(err)}", parameter="script") from None
        notes.extend(guard.notes)  # (complete once the guard has put the working directory back)
        return collect(namespace.values(), f"{path}"), namespace

    return UserNetwork(name=_identifier(path.stem), build=build, source=CodeSource(str(path), digest),
                       description=f"Brian2 network built by {path.name}", notes=notes)


def _one_line(err: BaseException) -> str:
    """An exception's message on one line (Brian2's span several), shortened."""
    text = " ".join(str(err).split())
    return text if len(text) <= 300 else text[:297] + "..."


def from_python(network_or_builder: Any, namespace: Optional[dict] = None) -> UserNetwork:
    """A network given from Python: a function that makes the objects and returns them (runs on any backend), or
    a ``brian2.Network`` or collection of objects already made (runtime backend only).

    External names in the objects' code are looked up in ``namespace``; a function may instead return its
    ``locals()``, which gives both the objects and the names. Names the objects carry (``namespace=`` of a
    NeuronGroup) need nothing.
    """
    if callable(network_or_builder) and not isinstance(network_or_builder, brian2.BrianObject):
        builder = network_or_builder
        name = getattr(builder, "__name__", "network")

        def build() -> tuple[list, dict]:
            code = getattr(builder, "__code__", None)
            with _run_refused(f"{name}()"), script_names.variable_names(code.co_filename if code else "<none>"):
                made = builder()
            names = {**getattr(builder, "__globals__", {}), **(made if isinstance(made, dict) else {}),
                     **(namespace or {})}
            return collect(_as_objects(made), f"{name}()"), names

        where = f"{getattr(builder, '__module__', '?')}.{getattr(builder, '__qualname__', name)}"
        return UserNetwork(name=_identifier(name), build=build, source=CodeSource(where),
                           description=f"Brian2 network built by {name}()")
    objects = collect(_as_objects(network_or_builder), "the objects given")
    return UserNetwork(name="network", build=lambda: (objects, dict(namespace or {})),
                       source=CodeSource("Brian2 objects given from Python"),
                       description="Brian2 network given as objects", prebuilt=True,
                       dt_s=float(brian2.defaultclock.dt))


def collect(candidates: Iterable[Any], where: str) -> list:
    """The Brian2 objects among ``candidates`` (a Network stands for its objects); at least one spike source."""
    objects = []
    for value in candidates:
        if isinstance(value, brian2.MagicNetwork):
            continue  # ``from brian2 import *`` brings Brian2's global network, whatever it holds
        if isinstance(value, brian2.Network):
            objects.extend(value.objects)
        elif isinstance(value, brian2.BrianObject):
            objects.append(value)
    objects = list({id(obj): obj for obj in objects}.values())
    if not any(isinstance(obj, brian2.NeuronGroup) or type(obj).__name__ in ("PoissonGroup", "SpikeGeneratorGroup")
               for obj in objects):
        raise UsageError(f"{where} made no NeuronGroup (nor any other spike source): nothing to account for",
                         parameter="script")
    return objects


def _as_objects(made: Any) -> list:
    if isinstance(made, (brian2.Network, brian2.BrianObject)):
        return [made]
    if isinstance(made, dict):
        return list(made.values())
    if isinstance(made, Iterable) and not isinstance(made, (str, bytes)):
        return list(made)
    raise UsageError("give a brian2.Network, Brian2 objects, or a function returning them", parameter="network")


def _identifier(text: str) -> str:
    name = "".join(c if c.isalnum() or c == "_" else "_" for c in text).strip("_")
    return name or "network"


@contextmanager
def _run_refused(where: str):
    """While user code builds the network, a ``run()`` call is an error: simnet runs the network itself."""
    original = brian2.Network.run

    def refuse(self, *args, **kwargs):
        # run() has just handed the script's objects to Brian2's magic network, which would keep them (and their
        # names) alive after the refusal
        if isinstance(self, brian2.core.magic.MagicNetwork):
            self.objects.clear()
        raise UsageError(f"{where} calls run() while building its network; simnet runs it itself: put the run "
                         "call under `if __name__ == \"__main__\":`", parameter="script")

    brian2.Network.run = refuse
    try:
        yield
    finally:
        brian2.Network.run = original

