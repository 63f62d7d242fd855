"""simnet's version and commit, from a checkout and from a built wheel (what a pip install records)."""
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import simnet
from simnet.base import version

ROOT = Path(__file__).resolve().parents[2]


def git_head() -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def test_a_checkout_reports_its_commit_read_from_git():
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    found = version.commit()
    assert found["commit"] == git_head() and re.fullmatch(r"[0-9a-f]{40}", found["commit"])
    assert found["source"].startswith("git checkout") and found["dirty"] in (True, False)
    assert simnet.__version__ and simnet.__version__ != "0.0.0+unknown"


@pytest.mark.slow
def test_a_built_wheel_carries_the_version_and_commit(tmp_path):
    """What pip installs from this checkout: setuptools-scm writes simnet/_version.py into the wheel."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("simnet-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read("simnet/_version.py").decode()
    namespace = {}
    exec(text, namespace)  # noqa: S102 -- the file setuptools-scm wrote for this very build
    assert git_head().startswith(namespace["__commit__"].lstrip("g"))
    assert wheel.name.startswith(f"simnet-{namespace['__version__'].split('+')[0]}")
