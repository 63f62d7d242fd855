"""The exceptions simnet raises for what a user can act on: bad input, and a simulation that could not complete.

The command line turns :class:`UsageError` into one line on stderr and exit status 2, and
:class:`SimulationFailed` into one line and exit status 1; anything else is a bug and keeps its traceback.
Messages speak of the library's parameters (``threads``), not of command-line flags.
"""


class UsageError(Exception):
    """Bad input or an unusable environment, explained in one actionable line.

    ``parameter`` names the library parameter the problem is about (e.g. ``"overwrite"``), so that a front end
    can point at its own spelling of it (the command line's ``--overwrite``).
    """

    def __init__(self, message: str, *, parameter: str = ""):
        super().__init__(message)
        self.parameter = parameter


class SimulationFailed(Exception):
    """The simulation could not be completed (a generated project failed to build or run); nothing was written."""
