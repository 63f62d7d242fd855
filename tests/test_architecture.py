"""The shape of the code: imports follow the data flow, nothing imports in a circle, no module grows too long.

Data flows one way: model spec -> run -> record -> cost -> projection -> tables and figures. Every module belongs
to one stage of that flow (or to the base every stage may use) and imports only from its own stage and earlier
ones; the drivers (the command line, the Python API, the run pipeline and the benchmark runners) put the stages
together and may import any of them. Experiment files declare runs, so they are read after the model library and
the backends they name. Imports inside functions count as much as those at the top of a file.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Stages in the order data flows through them; a module may import its own stage and those before it.
STAGES = ("base", "spec", "run", "experiment", "record", "cost", "projection", "report")
DRIVERS = "driver"

#: Module (or package prefix) -> stage. The longest matching prefix decides.
STAGE_OF = {
    "simnet": DRIVERS,  # the package's face: its version and the Python API's names, loaded on first use
    "simnet.errors": "base",
    "simnet.progress": "base",
    "simnet.version": "base",
    "simnet._version": "base",  # written by setuptools-scm at build time
    "simnet.units": "base",
    "simnet.atomicfile": "base",
    "simnet.processes": "base",
    "simnet.reference": "base",
    "simnet.published": "base",
    "simnet.system": "base",
    "simnet.microbench": "base",
    "simnet.spec": "spec",
    "simnet.usernet": "spec",
    "simnet.models": "spec",
    "simnet.phases": "run",
    "simnet.layout": "run",
    "simnet.sampling": "run",
    "simnet.build_cache": "run",
    "simnet.sessions": "run",
    "simnet.genn_session": "run",
    "simnet.profiling": "run",
    "simnet.backends": "run",
    "simnet.network": "run",
    "simnet.peers": "run",
    "simnet.bench.spec": "experiment",
    "simnet.record": "record",
    "simnet.results": "record",
    "simnet.cost": "cost",
    "simnet.projection": "projection",
    "simnet.summary": "report",
    "simnet.activity": "report",
    "simnet.comparison": "report",
    "simnet.dynamics": "report",
    "simnet.plots": "report",
    "simnet.documents": "report",
    "simnet.bench": "report",  # stats, report, fidelity_table; the runners below are drivers
    "simnet.bench.execute": DRIVERS,
    "simnet.bench.points": DRIVERS,  # one point run wherever an executor sends it
    "simnet.bench.executors": DRIVERS,
    "simnet.bench.fidelity": DRIVERS,
    "simnet.bench.element_costs": DRIVERS,
    "simnet.simulate": DRIVERS,
    "simnet.api": DRIVERS,
    "simnet.cli": DRIVERS,
    "simnet.outcome": DRIVERS,
    "simnet.__main__": DRIVERS,
}
#: A module longer than this has more than one purpose.
MAX_MODULE_LINES = 600


def _modules() -> dict[str, Path]:
    found = {}
    for base, package in ((ROOT / "simnet", "simnet"), (ROOT / "models", "simnet.models")):
        for path in base.rglob("*.py"):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join([package, *parts])] = path
    return found


MODULES = _modules()


def _stage(module: str) -> str:
    """The stage of ``module``: its own entry, else its longest package prefix's ("simnet" itself is no prefix,
    so a new module must be given a stage here)."""
    prefixes = [p for p in STAGE_OF if module == p or (p != "simnet" and module.startswith(p + "."))]
    assert prefixes, f"{module} has no stage in STAGE_OF"
    return STAGE_OF[max(prefixes, key=len)]


def _imports(module: str, path: Path) -> set[str]:
    """The simnet modules ``module`` imports, wherever in the file."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
    return targets


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}


def test_every_module_has_a_stage():
    for module in MODULES:
        assert _stage(module) in (*STAGES, DRIVERS), module


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_never_run_back_up_the_flow(module):
    stage = _stage(module)
    if stage == DRIVERS:
        return
    for target in sorted(GRAPH[module]):
        target_stage = _stage(target)
        assert target_stage != DRIVERS, f"{module} ({stage}) imports the driver {target}"
        assert STAGES.index(target_stage) <= STAGES.index(stage), (
            f"{module} ({stage}) imports {target} ({target_stage}), a later stage of the flow")


def test_the_import_graph_has_no_cycle():
    visiting, done = [], set()

    def visit(module):
        if module in done:
            return
        assert module not in visiting, "import cycle: " + " -> ".join(visiting[visiting.index(module):] + [module])
        visiting.append(module)
        for target in GRAPH[module]:
            # a package's face may re-export its own submodules; that is not a cycle of purpose
            if not target.startswith(module + "."):
                visit(target)
        visiting.pop()
        done.add(module)

    for module in sorted(MODULES):
        visit(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_too_long(module):
    lines = len(MODULES[module].read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{module} has {lines} lines"


def test_the_checker_sees_imports_inside_functions():
    # simulate imports the network builder at the top, the api imports the pipeline inside functions
    assert "simnet.network" in GRAPH["simnet.simulate"]
    assert "simnet.simulate" in GRAPH["simnet.api"]
    assert "simnet.cost.flops.count" in GRAPH["simnet.cost.flops"]
