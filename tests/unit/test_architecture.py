"""The shape of the code: folders are the stages of the flow, imports follow it, nothing imports in a circle, every
module says what it exports, no module grows too long.

Data flows one way: experiment -> model spec -> run -> record -> cost -> projection -> tables and figures. Each folder
of the package is one stage (or the base every stage may use) and imports only from its own stage and earlier
ones; the drivers (the command line, the Python API, the run pipeline and the benchmark runners) put the stages
together and may import any of them. Imports inside functions count as much as those at the top of a file.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Stages in the order data flows through them, each a folder of the package; a module may import its own stage
#: and those before it.
STAGES = ("base", "machine", "specs", "simulation", "record", "cost", "projection", "analysis", "audit", "report")
DRIVERS = "driver"

#: Packages that are not named after their stage: the model library (specs), the reference data (base), the peers
#: (standalone programs that simnet runs), and the version file setuptools-scm writes at build time.
OTHER_HOMES = {"simnet.models": "specs", "simnet.data": "base", "simnet.peers": "simulation", "simnet._version": "base"}
#: The drivers: the package's face, the run pipeline (a run's stages put together: build, run, record, cost), the
#: Python API, the command line and the benchmark runners.
DRIVER_MODULES = ("simnet", "simnet.__main__", "simnet.api", "simnet.cli", "simnet.bench", "simnet.pipeline")

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
    """The stage of ``module``: a driver, else its folder's (or :data:`OTHER_HOMES`')."""
    if any(module == d or (d != "simnet" and module.startswith(d + ".")) for d in DRIVER_MODULES):
        return DRIVERS
    for prefix, stage in OTHER_HOMES.items():
        if module == prefix or module.startswith(prefix + "."):
            return stage
    folder = module.split(".")[1]
    assert folder in STAGES, f"{module} is in no stage's folder (simnet/<stage>/...)"
    return folder


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
            if name.startswith("simnet._version"):  # written by setuptools-scm at build time: base, like version
                continue
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


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "simnet._version"))  # generated, not ours
def test_every_module_says_what_it_exports(module):
    tree = ast.parse(MODULES[module].read_text())
    declared = None
    defined = set()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == "__all__":
                    declared = [e.value if isinstance(e, ast.Constant) else "*" for e in node.value.elts]
                elif isinstance(target, ast.Name):
                    defined.add(target.id)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            defined.add(node.target.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            defined.update((a.asname or a.name).split(".")[0] for a in node.names)
    assert declared is not None, f"{module} declares no __all__"
    if "__getattr__" in defined:  # the package's face loads the API's names on first use
        return
    missing = [name for name in declared if name not in defined]
    assert not missing, f"{module}.__all__ names what it does not define: {missing}"


def test_the_checker_sees_imports_inside_functions():
    # simulate imports the network builder at the top, the api imports the pipeline inside functions
    assert "simnet.simulation.network_builder" in GRAPH["simnet.pipeline"]
    assert "simnet.pipeline" in GRAPH["simnet.api"]
    assert "simnet.cost.flops.count" in GRAPH["simnet.cost.flops"]
