"""Sphinx configuration for simnet's documentation (MyST Markdown; API reference from the docstrings)."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simnet.base.version import version as _version  # noqa: E402

project = "simnet"
author = "simnet contributors"
release = _version()
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]

# MyST: anchors for headings down to ###, so pages can link to each other's sections.
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]

# API reference: the docstrings are NumPy style (Brian2's convention); members in source order.
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "description"
napoleon_numpy_docstring = True
napoleon_google_docstring = False

html_theme = "alabaster"
html_title = f"simnet {release}"

# Re-exported names (simnet.models.UsageError beside simnet.base.errors.UsageError) make short cross-references in
# docstrings ambiguous; Sphinx then picks one, which is all a reader needs.
suppress_warnings = ["ref.python"]


def _plain_docstring(app, what, name, obj, options, lines):
    """Read docstrings written as plain text the way their author meant: ``|x|`` is an absolute value, not a
    reStructuredText substitution, and a literal block after ``::`` may start on the next line."""
    fixed = []
    for line in lines:
        if fixed and fixed[-1].rstrip().endswith("::") and line.strip():
            fixed.append("")
        stripped = line.lstrip()
        if not stripped.startswith(("|", "+")):  # leave table rows and ``literals`` alone
            parts = line.split("``")
            line = "``".join(part if i % 2 else part.replace("|", r"\|") for i, part in enumerate(parts))
        fixed.append(line)
    lines[:] = fixed


def setup(app):
    app.connect("autodoc-process-docstring", _plain_docstring)
