"""How a ``simnet`` command ends: its exit status and the one line it says on stderr.

Bad input (:class:`~simnet.base.errors.UsageError`, or click's own refusal of an option) is status 2; a simulation
that could not complete (:class:`~simnet.base.errors.SimulationFailed`) or output stdout could not take (a closed pipe,
a full disk) status 1; Ctrl-C status 130, and SIGTERM and SIGHUP, turned into
:class:`~simnet.base.errors.Interrupted` so that they clean up as Ctrl-C does (temporary files and build directories
removed, child programs stopped), 143 and 129. Each line says what was kept, if anything. Python warnings are one
line each.
"""
from __future__ import annotations

import json
import os
import re
import signal
import sys
import warnings

import click

from simnet.base.errors import SHOWN_PATH_CHARS, Interrupted, SimulationFailed, UsageError, shown_path

__all__ = ["EXIT_FAILED", "EXIT_USAGE", "EXIT_INTERRUPTED", "FLAGS", "OutputFailed", "emit", "log",
           "warnings_as_lines", "usage_message", "run"]

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

#: Library parameters whose command-line flag is not ``--`` + the name with dashes.
#: "": an argument, not a flag (the message names it); the API's sweep ``values`` are --neurons, --option, ...
FLAGS = {"figures_dir": "--figures", "script": "", "usd_per_kwh": "--price-per-kwh", "values": "", "record": "",
         "records": "", "path": "", "a": "", "b": "", "network": "", "experiment": ""}


class OutputFailed(Exception):
    """stdout could not take the output (a closed pipe, a full disk)."""


def emit(as_json: bool, data, text: str, written: str = "") -> None:
    """Print a command's result; ``written`` names a file already written, which a failure to print does not undo."""
    from simnet.record.files import json_safe

    try:
        click.echo(json.dumps(json_safe(data), indent=2) if as_json else text)
    except OSError as err:
        kept = f"; {written} was written" if written else ""
        raise OutputFailed(f"cannot write to stdout: {err.strerror or err}{kept}") from None


def log(line: str) -> None:
    """Say one line on stderr (progress of a long command, a warning)."""
    click.echo(line, err=True)


def warnings_as_lines() -> None:
    """Show Python warnings as one line each, ``simnet: warning: ...``, leaving out deprecation warnings (meant for
    the developers of the libraries simnet uses). Brian2's import routes warnings into its own log (three lines
    each, with a source line), so it is imported first and that is undone."""
    import logging

    import brian2  # noqa: F401

    logging.captureWarnings(False)
    warnings.showwarning = _show_warning
    # Brian2's own console messages (INFO on a method it chose, multi-line WARNINGs on a user script's objects)
    # would break the one-line rule; they stay in Brian2's debug log.
    from brian2.utils.logger import BrianLogger

    if getattr(BrianLogger, "console_handler", None) is not None:
        BrianLogger.console_handler.setLevel(logging.ERROR)


def _show_warning(message, category, *_args, **_kwargs) -> None:
    if not issubclass(category, (DeprecationWarning, PendingDeprecationWarning)):
        log(f"simnet: warning: {message}")


def usage_message(err: UsageError) -> str:
    """A library error as the command line says it: the parameter it names spelled as its flag."""
    message = str(err)
    if not err.parameter or err.parameter.startswith("-"):
        return message
    flag = FLAGS.get(err.parameter, "--" + err.parameter.replace("_", "-"))
    if not flag:
        return message
    if message.startswith(err.parameter + " "):
        return flag + message[len(err.parameter):]
    return f"{message} ({flag})"


def _raise_interrupted(signal_number, _frame):
    raise Interrupted(signal_number)


def run(group: click.Group, argv) -> int:
    """Run the command ``argv`` of ``group`` and return its exit status, having said its one line if it failed.

    SIGTERM and SIGHUP become :class:`~simnet.base.errors.Interrupted` meanwhile; the handlers and Python's warning
    display are put back when it returns.
    """
    handlers = {}
    shown = warnings.showwarning
    try:
        for number in (signal.SIGTERM, signal.SIGHUP):
            handlers[number] = signal.signal(number, _raise_interrupted)
    except ValueError:  # not the main thread: leave signals alone
        pass
    try:
        status, message = _invoke(group, argv)
    finally:
        warnings.showwarning = shown
        for number, handler in handlers.items():
            signal.signal(number, handler)
    if message:
        # a path too long to read (a name the system refused as too long) shown by its two ends, wherever it is
        message = re.sub(r"[^\s:;,']{%d,}" % (SHOWN_PATH_CHARS + 1), lambda word: shown_path(word.group()), message)
        try:
            click.echo(f"simnet: {message}", err=True)
        except OSError:  # stderr is gone too: the exit status is all that is left to say it
            pass
    return status


def _invoke(group: click.Group, argv) -> tuple[int, str]:
    """Run the command: (exit status, the one line to say on stderr, or "")."""
    if os.environ.get("_SIMNET_COMPLETE"):  # shell completion: click's main answers it (and exits)
        group.main(args=argv, prog_name="simnet")
    args = list(sys.argv[1:] if argv is None else argv)
    for position, arg in enumerate(args, start=1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:  # a byte the locale could not decode, kept by Python as a lone surrogate
            shown = os.fsencode(arg)[:200]
            return EXIT_USAGE, (f"error: argument {position} ({shown!r}) is not valid UTF-8; simnet takes its "
                                "arguments, paths included, as UTF-8 text")
    try:
        # Not cli.main: it turns Ctrl-C into click's Abort (losing what the interruption carries) and prints a
        # blank line.
        with warnings.catch_warnings():
            # PYTHONWARNINGS=error (or -W error) would turn the libraries' deprecation notices, given while they
            # are imported, into exceptions: those are for their developers, not for simnet's users
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
            with group.make_context("simnet", args) as context:
                group.invoke(context)
    except click.exceptions.Exit as done:
        return done.exit_code, ""
    except click.exceptions.Abort:
        return EXIT_INTERRUPTED, "interrupted; no results written"
    except click.ClickException as err:
        if type(err).__name__ == "NoArgsIsHelpError":  # plain `simnet`: its help, as --help prints it
            click.echo(err.ctx.get_help() if err.ctx else err.format_message())
            return 0, ""
        # click spreads some messages over lines (the choices of a missing argument): one line, as every refusal
        return EXIT_USAGE, f"error: {' '.join(err.format_message().split())}"
    except UsageError as err:
        return EXIT_USAGE, f"error: {usage_message(err)}"
    except SimulationFailed as err:
        return EXIT_FAILED, f"error: {err}; {err.kept or 'no results written'}"
    except OutputFailed as err:
        _silence_stdout()
        return EXIT_FAILED, f"error: {err}"
    except Warning as err:  # a warning the environment made an error (PYTHONWARNINGS=error, -W error)
        text = " ".join(str(err).split())[:300]
        return EXIT_USAGE, (f"error: a warning was raised as an error (PYTHONWARNINGS or -W error): "
                            f"{type(err).__name__}: {text}")
    except KeyboardInterrupt as err:
        number = err.signal_number if isinstance(err, Interrupted) else signal.SIGINT
        kept = getattr(err, "kept", "") or "no results written"
        named = "" if number == signal.SIGINT else f" ({signal.Signals(number).name})"
        return 128 + number, f"interrupted{named}; {kept}"
    return 0, ""


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush of what could not be written does not fail
    again (with a second message)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # (no descriptor: stdout captured in this process)
        pass
