"""The ``simnet`` command: subcommands (:mod:`.commands`) and how a command ends (:mod:`.outcome`)."""
from simnet.cli.commands import main

__all__ = ["main"]
