"""What a benchmark or sweep wrote into its output folder, so that ``--overwrite`` deletes that and nothing else.

Beside ``summary.json`` an experiment keeps ``manifest.json``: every file it wrote there (point records, point
files, figures, the summary itself), each relative to the folder with the SHA-256 of what was written. It is
rewritten atomically after each file simnet writes. ``--overwrite`` deletes only what the manifest lists, and
only after checking the whole of it first: every entry a plain relative path inside the folder (no ``..``, no
link out of it), every listed file that is still there unchanged since simnet wrote it, and the summary the one
it was written with. A missing, damaged or forged manifest, or a summary or record changed since, deletes
nothing and is one line naming what is wrong: the folder then holds something simnet did not write, and only its
owner can say whether it may go.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path, PurePosixPath

from simnet.base.errors import UsageError
from simnet.record import files

__all__ = ["MANIFEST_FILE", "Manifest", "remove_written"]

MANIFEST_FILE = "manifest.json"
MANIFEST_FORMAT = "simnet-output-manifest"
_DIGEST = re.compile(r"[0-9a-f]{64}$")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Manifest:
    """The files simnet wrote into ``out_dir`` (relative name -> SHA-256), kept on disk as they are written."""

    def __init__(self, out_dir: Path, written: dict | None = None):
        self.out_dir = Path(out_dir)
        self.written = dict(written or {})

    @classmethod
    def resumed(cls, out_dir: Path) -> "Manifest":
        """The manifest of a folder being resumed: its valid entries, or none (those files are then never deleted
        by a later ``--overwrite``, which is the safe side)."""
        try:
            return cls(out_dir, _entries(Path(out_dir)))
        except UsageError:
            return cls(out_dir)

    def add(self, *names: str) -> None:
        """Record ``names`` (relative to the folder) as written now, and write the manifest."""
        for name in names:
            if name and (self.out_dir / name).is_file():
                self.written[name] = _sha256(self.out_dir / name)
        files.write_json({"format": MANIFEST_FORMAT, "version": 1, "files": dict(sorted(self.written.items()))},
                         self.out_dir / MANIFEST_FILE)


def _entries(out_dir: Path) -> dict[str, str]:
    """The manifest's entries, each checked: a relative path inside ``out_dir`` and a SHA-256."""
    path = out_dir / MANIFEST_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{out_dir} has no {MANIFEST_FILE} saying what simnet wrote there, so --overwrite deletes "
                         "nothing: remove the earlier results yourself or choose another output folder",
                         parameter="overwrite") from None
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise UsageError(f"{path} is damaged ({type(err).__name__}), so --overwrite deletes nothing: remove the "
                         "earlier results yourself or choose another output folder", parameter="overwrite") from None
    entries = data.get("files") if isinstance(data, dict) and data.get("format") == MANIFEST_FORMAT else None
    if not isinstance(entries, dict):
        raise UsageError(f"{path} is not a simnet manifest, so --overwrite deletes nothing", parameter="overwrite")
    inside = out_dir.resolve()
    for name, digest in entries.items():
        parts = PurePosixPath(name).parts
        target = out_dir / name
        if (not isinstance(digest, str) or not _DIGEST.match(digest) or not parts or PurePosixPath(name).is_absolute()
                or ".." in parts or "\\" in name or not target.resolve().is_relative_to(inside)
                or (target.exists() and not target.is_file()) or target.is_symlink()):
            raise UsageError(f"{path} lists {name[:80]!r}, which is not a file simnet writes inside {out_dir}, so "
                             "--overwrite deletes nothing", parameter="overwrite")
    return entries


def remove_written(out_dir: Path) -> None:
    """Delete what the earlier experiment in ``out_dir`` wrote, as its manifest lists it, and the manifest;
    nothing at all unless the whole manifest checks out (see the module's docstring)."""
    out_dir = Path(out_dir)
    entries = _entries(out_dir)
    if files.SUMMARY_FILE not in entries:
        raise UsageError(f"{out_dir / MANIFEST_FILE} does not list {files.SUMMARY_FILE}, so --overwrite deletes "
                         "nothing", parameter="overwrite")
    present = {name: digest for name, digest in entries.items() if (out_dir / name).is_file()}
    for name, digest in present.items():
        if _sha256(out_dir / name) != digest:
            raise UsageError(f"{out_dir / name} changed since simnet wrote it, so --overwrite deletes nothing: "
                             "remove the earlier results yourself or choose another output folder",
                             parameter="overwrite")
    for name in present:
        (out_dir / name).unlink()
    (out_dir / MANIFEST_FILE).unlink()
