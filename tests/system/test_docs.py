"""The README's and the documentation's Python blocks and every script in examples/ run as written (they compile C++
projects: slow); the API reference lists every module; the module paths the pages name exist.

A block tagged ``python`` runs; a block meant to be shown only is tagged otherwise (``py``, ``text``).
"""
import importlib
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
DOCS = ROOT / "docs"
DOC_PAGES = sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.relative_to(DOCS).parts)
#: Peer programs are standalone scripts (they import ``peer_protocol`` from their own folder), not modules.
PEER_PROGRAMS = {"simnet.peers.brian2_plain", "simnet.peers.nest_cobahh", "simnet.peers.nest_microcircuit",
                 "simnet.peers.nest_pd14_reference", "simnet.peers.nest_sonata",
                 "simnet.peers.neuron_cells"}


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)


def readme_python_blocks() -> list[str]:
    return python_blocks(ROOT / "README.md")


PAGES_WITH_CODE = [p for p in DOC_PAGES if python_blocks(p)]


def test_the_readme_has_python_blocks_and_the_examples_folder_scripts():
    assert readme_python_blocks() and EXAMPLES


def test_the_docs_have_pages_with_python_blocks():
    assert PAGES_WITH_CODE


def run_python(args: list, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.mark.slow
def test_the_readme_python_blocks_run_in_order(tmp_path):
    """One interpreter runs the blocks one after another, as a reader pasting them would."""
    run_python(["-c", "\n".join(readme_python_blocks())], tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=[str(p.relative_to(DOCS)) for p in PAGES_WITH_CODE])
def test_each_docs_page_python_blocks_run_in_order(page, tmp_path):
    """As the README's: one interpreter per page runs its blocks one after another."""
    run_python(["-c", "\n".join(python_blocks(page))], tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_runs(script, tmp_path):
    if script.name == "my_model.py":
        # a plain Brian2 script: simnet accounts for it from the command line (its own run() is not simnet's)
        done = run_python(["-m", "simnet", "account", script, "--duration", "200ms", "--threads", "1",
                           "--no-progress"], tmp_path)
        assert "counted from Brian2's code" in done.stdout
        return
    run_python([script], tmp_path)


def _package_modules() -> set[str]:
    found = set()
    for base, package in ((ROOT / "simnet", "simnet"), (ROOT / "models", "simnet.models")):
        for path in base.rglob("*.py"):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found.add(".".join([package, *parts]))
    return found - {"simnet", "simnet.__main__", "simnet._version"} - PEER_PROGRAMS


def test_the_api_reference_lists_every_module():
    documented = set(re.findall(r"^\.\. automodule:: (\S+)$", "\n".join(
        p.read_text() for p in (DOCS / "api").glob("*.md")), flags=re.M))
    assert not _package_modules() - documented, "modules missing from docs/api/"
    assert not documented - _package_modules(), "docs/api/ names modules that do not exist"


def _named_in_pages() -> tuple[set[str], set[str]]:
    text = "\n".join(p.read_text() for p in [ROOT / "README.md", *DOC_PAGES])
    dotted = set(re.findall(r"(?<![\w/.-])simnet(?:\.[A-Za-z_][A-Za-z0-9_]*)+", text))  # not a file's name
    paths = set(re.findall(r"(?<![\w./-])((?:simnet|models|tests)/[\w/]*\w(?:\.py)?)", text))
    return dotted, paths


def _resolves(name: str) -> bool:
    """A dotted name resolves when its longest module prefix imports and the rest are attributes of it."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            found = importlib.util.find_spec(module_name) is not None
        except ImportError:
            found = False
        if found:
            obj = importlib.import_module(module_name)
            for attribute in parts[cut:]:
                if not hasattr(obj, attribute):
                    return False
                obj = getattr(obj, attribute)
            return True
    return False


def test_the_module_paths_the_pages_name_exist():
    """README and docs name modules by their current paths (e.g. simnet.record.files, simnet/run/backends.py)."""
    dotted, paths = _named_in_pages()
    assert dotted and paths
    assert sorted(name for name in dotted if not _resolves(name)) == []
    assert sorted(path for path in paths if not (ROOT / path).exists()) == []
