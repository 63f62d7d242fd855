"""The one exception type that means "the user asked for something that cannot be done".

The command line turns it into a single line on stderr and exit status 2; anything else is a bug
and keeps its traceback.
"""


class UsageError(Exception):
    """Bad input or an unusable environment, explained in one actionable line."""
