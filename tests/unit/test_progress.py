"""Progress on stderr: phase names and elapsed time on a terminal, nothing otherwise; Brian2's known warnings."""
import io
import logging
import os
import select
import time

from simnet.base.progress import Progress
from simnet.simulation.sessions import _KnownWarnings


def test_silent_when_switched_off_or_not_a_terminal():
    stream = io.StringIO()
    with Progress(True, stream).phase("compiling"):
        pass
    assert stream.getvalue() == "" and not Progress(True, stream).enabled


def test_a_terminal_sees_the_phase_its_elapsed_time_and_its_duration(monkeypatch):
    main, tty = os.openpty()
    stream = os.fdopen(tty, "w")
    monkeypatch.setattr("simnet.base.progress.TICK_S", 0.05)
    progress = Progress(True, stream)
    assert progress.enabled and not Progress(False, stream).enabled
    with progress.phase("compiling"):
        os.dup2(os.open(os.devnull, os.O_WRONLY), tty)  # as Brian2 does to descriptor 2 while make runs
        time.sleep(0.3)
    progress.close()
    chunks = []
    while select.select([main], [], [], 0.5)[0]:  # everything written, however the terminal hands it over
        try:
            chunks.append(os.read(main, 4096))
        except OSError:  # Linux: EIO once every writer has closed and nothing is left
            break
    text = b"".join(chunks).decode()
    assert "simnet: compiling ..." in text and " s" in text and "simnet: compiling: 0." in text
    os.close(main)


def test_known_brian2_warnings_are_kept_off_the_terminal_and_noted_once():
    notes = []
    known = _KnownWarnings(notes)
    openmp = logging.LogRecord("brian2.devices.cpp_standalone.device.openmp", logging.WARNING, "", 0,
                               "OpenMP code is not yet well tested, and may be inaccurate.", None, None)
    other = logging.LogRecord("brian2.codegen", logging.WARNING, "", 0, "something else", None, None)
    assert not known.filter(openmp) and not known.filter(openmp)
    assert known.filter(other)
    assert len(notes) == 1 and "OpenMP code is not yet well tested" in notes[0]
