"""The exceptions simnet raises for what a user can act on: bad input, and a simulation that could not complete.

The command line turns :class:`UsageError` into one line on stderr and exit status 2,
:class:`SimulationFailed` into one line and exit status 1, and :class:`Interrupted` (or Ctrl-C) into one line and
128 + the signal number; anything else is a bug and keeps its traceback.
Messages speak of the library's parameters (``threads``), not of command-line flags, and show a path too long
to read by its two ends (:func:`shown_path`).
"""
import os

__all__ = ["UsageError", "SimulationFailed", "Interrupted", "SHOWN_PATH_CHARS", "shown_path"]

#: The longest path a message shows whole.
SHOWN_PATH_CHARS = 200


def shown_path(path) -> str:
    """``path`` as a message shows it: whole, or, when longer than :data:`SHOWN_PATH_CHARS` (a name the system
    refuses as too long, say), its start and end with its length, so that the one line stays one readable line."""
    text = os.fspath(path) if isinstance(path, os.PathLike) else str(path)
    if len(text) <= SHOWN_PATH_CHARS:
        return text
    end = SHOWN_PATH_CHARS // 2 - 20
    return f"{text[:SHOWN_PATH_CHARS // 2]}...{text[-end:]} (a path of {len(text):,} characters)"


class UsageError(Exception):
    """Bad input or an unusable environment, explained in one actionable line.

    ``parameter`` names the library parameter the problem is about (e.g. ``"overwrite"``), so that a front end
    can point at its own spelling of it (the command line's ``--overwrite``).
    """

    def __init__(self, message: str, *, parameter: str = ""):
        super().__init__(message)
        self.parameter = parameter


class SimulationFailed(Exception):
    """The simulation could not be completed (a generated project failed to build or run, or every run of an
    experiment failed); ``kept`` says what was written nonetheless (empty: nothing)."""

    def __init__(self, message: str, *, kept: str = ""):
        super().__init__(message)
        self.kept = kept


class Interrupted(KeyboardInterrupt):
    """The work was stopped from outside (Ctrl-C, or a signal a front end turned into this exception).

    A subclass of KeyboardInterrupt, so that every clean-up written for Ctrl-C (removing a temporary file or build
    directory, stopping a child process) runs for it too. ``signal_number`` is the signal that stopped the work;
    ``kept`` says what had been written before it (empty: nothing).
    """

    def __init__(self, signal_number: int = 2, kept: str = ""):
        super().__init__(kept)
        self.signal_number = signal_number
        self.kept = kept
