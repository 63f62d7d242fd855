"""What simnet keeps off the console of Brian2's own log when it is imported."""
import logging

import pytest

import simnet  # noqa: F401  (installs the filter)


def _record(name: str, message: str) -> logging.LogRecord:
    return logging.LogRecord(name, logging.INFO, __file__, 1, message, None, None)


@pytest.mark.parametrize("name", ["brian2", "brian2.brian2"])  # Brian2 2.5's logger name, then 2.9's
def test_brian2s_cache_size_message_is_dropped_and_nothing_else(name):
    logger = logging.getLogger(name)
    said = ("Cache size for target 'cython': 1012 MB.\nYou can call clear_cache('cython') to delete all files from "
            "the cache or manually delete files in the '/root/.cython/brian_extensions' directory.")
    assert logger.filter(_record(name, said)) is False
    assert logger.filter(_record(name, "No numerical integration method specified for group 'neurongroup'"))


@pytest.mark.parametrize("first", ["", "import simnet; "])
def test_brian2_over_its_cache_limit_is_quiet_once_simnet_is_imported(tmp_path, first):
    """A 3 MB Cython cache against a 1 MB limit (Brian2's preferences file in the working folder) makes Brian2 say
    its cache size when imported; imported after simnet, it says nothing."""
    import subprocess
    import sys

    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "blob").write_bytes(b"x" * 3_000_000)
    (tmp_path / "brian_preferences").write_text(
        f"codegen.max_cache_dir_size = 1\ncodegen.runtime.cython.cache_dir = '{tmp_path / 'cache'}'\n")
    done = subprocess.run([sys.executable, "-c", first + "import brian2"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert ("Cache size for target 'cython'" in done.stderr) == (not first), done.stderr
