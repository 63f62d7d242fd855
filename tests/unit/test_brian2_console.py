"""What simnet keeps off the console of Brian2's own log when it is imported."""
import logging

import simnet  # noqa: F401  (installs the filter)


def _record(message: str) -> logging.LogRecord:
    return logging.LogRecord("brian2", logging.INFO, __file__, 1, message, None, None)


def test_brian2s_cache_size_message_is_dropped_and_nothing_else():
    logger = logging.getLogger("brian2")
    said = ("Cache size for target 'cython': 1012 MB.\nYou can call clear_cache('cython') to delete all files from "
            "the cache or manually delete files in the '/root/.cython/brian_extensions' directory.")
    assert logger.filter(_record(said)) is False
    assert logger.filter(_record("No numerical integration method specified for group 'neurongroup'"))
