"""The program side of the peer protocol (``simnet/peers/__init__.py``): read the arguments, run, print one line.

Every peer program ends with ``sys.exit(serve(run))``. A peer is run as a script, so this file is imported from
the peer's own folder as the top-level module ``peer_protocol``: it imports nothing of simnet, and neither does a
peer that uses it.
"""
import argparse
import json

__all__ = ["EXIT_PEER_FAILED", "PeerFailure", "serve", "peak_rss"]

#: Exit status of a peer that reports a failure as ``{"ok": false, "reason": ...}`` (e.g. a simulator not installed).
EXIT_PEER_FAILED = 3


class PeerFailure(Exception):
    """A reason this peer cannot run the requested network, in one line."""


def serve(run, description: str = "a simnet peer") -> int:
    """Parse ``--json-args`` (or ``--json-args-file``), call ``run(arguments)`` and print its result (or the
    failure) as one JSON line."""
    parser = argparse.ArgumentParser(description=description)
    given = parser.add_mutually_exclusive_group(required=True)
    given.add_argument("--json-args", help="the run's settings as one JSON object")
    given.add_argument("--json-args-file", help="a file holding them (for settings too long for a command line)")
    options = parser.parse_args()
    if options.json_args_file:
        with open(options.json_args_file, encoding="utf-8") as given_file:
            arguments = json.load(given_file)
    else:
        arguments = json.loads(options.json_args)
    try:
        result = run(arguments)
    except PeerFailure as failure:
        print(json.dumps({"ok": False, "reason": str(failure)}))
        return EXIT_PEER_FAILED
    print(json.dumps({**result, **peak_rss()}))
    return 0


def peak_rss() -> dict:
    """Peak resident set size of this peer and of its largest finished child (a compiled program), in bytes."""
    import resource
    import sys

    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss is in KiB on Linux
    return {"peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale,
            "peak_rss_children_bytes": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale}
