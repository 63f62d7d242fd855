"""simnet.base.child_processes: a child and everything it starts end with simnet, however simnet ends."""
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from simnet.base import child_processes

ROOT = Path(__file__).resolve().parents[2]


def _tagged(tag: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and f"TAG={tag}".encode() in (entry / "environ").read_bytes().split(b"\0"):
                if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def _gone(tag: str, timeout_s: float = 10) -> bool:
    deadline = time.monotonic() + timeout_s
    while _tagged(tag) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _tagged(tag)


def test_exit_status_is_the_childs():
    assert child_processes.run(["sh", "-c", "exit 4"]) == 4


def test_stop_ends_the_whole_group_with_sigterm_first(tmp_path):
    tag = uuid.uuid4().hex
    marker = tmp_path / "tidied"
    # the child tidies up on SIGTERM (as make and the compiler do); its grandchild just sleeps
    child = f"trap 'touch {marker}; exit 3' TERM; sleep 60 & wait"
    proc = child_processes.start(["sh", "-c", child], env={**os.environ, "TAG": tag})
    time.sleep(0.5)
    child_processes.stop(proc)
    assert marker.exists()
    assert _gone(tag)


def test_children_end_when_simnet_is_killed_outright():
    tag = uuid.uuid4().hex
    script = ("import time; from simnet.base import child_processes; "
              "child_processes.start(['sh', '-c', 'sleep 60 & sleep 60; wait']); print('started', flush=True); "
              "time.sleep(60)")
    parent = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "TAG": tag, "PYTHONPATH": str(ROOT)},
                              stdout=subprocess.PIPE, text=True)
    assert parent.stdout.readline().strip() == "started"
    deadline = time.monotonic() + 10
    while len(_tagged(tag)) < 5 and time.monotonic() < deadline:  # python, the watching shell, the child, 2 sleeps
        time.sleep(0.05)
    assert len(_tagged(tag)) == 5
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    assert _gone(tag), _tagged(tag)


def test_a_kept_descriptor_stays_open_in_the_child(tmp_path):
    read_end, write_end = os.pipe()
    proc = child_processes.start([sys.executable, "-c", f"import os; os.write({write_end}, b'held')"], keep_fds=(write_end,))
    os.close(write_end)
    assert os.read(read_end, 100) == b"held"
    assert child_processes.wait(proc) == 0
