"""The README's Python blocks and every script in examples/ run as written (they compile C++ projects: slow)."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def readme_python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def test_the_readme_has_python_blocks_and_the_examples_folder_scripts():
    assert readme_python_blocks() and EXAMPLES


def run_python(args: list, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.mark.slow
def test_the_readme_python_blocks_run_in_order(tmp_path):
    """One interpreter runs the blocks one after another, as a reader pasting them would."""
    run_python(["-c", "\n".join(readme_python_blocks())], tmp_path)


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
