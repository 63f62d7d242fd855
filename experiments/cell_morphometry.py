"""Summary statistics of a reconstructed neuron (a Neurolucida ASCII file), per neurite type: what the detailed and
reduced pyramidal levels of :mod:`simnet.models.cells` are built from. The reconstruction itself is read from
wherever it was fetched and never copied into simnet; only the statistics are written, as data.

    PYTHONPATH=. python experiments/cell_morphometry.py PATH.asc SOURCE_NOTE [OUT.csv]

Reading rules (stated because every figure depends on them):

* a tree is a top-level block tagged ``(Axon)``, ``(Dendrite)`` (basal) or ``(Apical)``; the soma is the
  ``(CellBody)`` contour, summarised by its area (shoelace, in its own plane) as the diameter of the circle of that
  area; marker blocks (``Dot``, ``Cross``, ``OpenCircle`` ...) and spine/end tags are skipped;
* a section runs from one branch point (or the soma) to the next branch point or a tip; a child's length includes
  the step from its parent's last point to its own first point; a tree's first section starts at its first point;
* a point's fourth number is its diameter (um); a section's diameter is its length-weighted mean over its steps;
* branch order: 1 for a stem (a section leaving the soma), +1 at each branch point;
* compartments per section at NEURON's d_lambda rule (Hines & Carnevale, NEURON book ch. 5): the odd nseg with
  L / nseg <= 0.1 x lambda(100 Hz), lambda(f) = 0.5 sqrt(d / (pi f Ri Cm)), at Ri 100 ohm cm and Cm 1 uF/cm2
  (simnet's cells), and at one compartment per 10 um (the earlier synthetic level's rule), for comparison;
* the apical trunk: from the soma, follow at each branch point the child carrying more dendritic length beyond it,
  until the first branch point whose smaller child carries at least a quarter of the length beyond that point
  (the main bifurcation: obliques carry less); what branches off the trunk before it is "oblique", what lies beyond
  it is "tuft".
"""
from __future__ import annotations

import csv
import io
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from simnet.models.cells import nseg_d_lambda

TREE_TAGS = {"Axon": "axon", "Dendrite": "basal", "Apical": "apical"}
MARKERS = {"Dot", "Cross", "OpenCircle", "FilledCircle", "Plus", "OpenStar", "FilledStar", "OpenQuadStar",
           "FilledQuadStar", "OpenUpTriangle", "FilledUpTriangle", "OpenDownTriangle", "FilledDownTriangle",
           "OpenSquare", "FilledSquare", "OpenDiamond", "FilledDiamond", "Circle1", "Circle2", "Circle3",
           "Circle4", "Circle5", "Circle6", "Circle7", "Circle8", "Circle9", "Flower", "Flower2", "Flower3",
           "Asterisk", "Star", "Spine", "Marker", "SnowFlake", "OpenFinial", "MalteseCross", "TriStar",
           "Pinwheel", "GunSight", "Splat", "Sunburst", "Plug", "Cap", "Dagger", "Zip", "Truss", "Octagon",
           "Burst", "Bowtie", "Diamond", "Square", "Triangle", "Circle", "Hourglass", "Spike", "KnossosNode"}
TRUNK_SPLIT_FRACTION = 0.25


class MorphologyError(ValueError):
    """The file is not a Neurolucida ASCII reconstruction this reader understands."""


@dataclass(eq=False)
class Section:
    kind: str
    points: list  # [(x, y, z, d)], the parent's last point first for a child
    parent: Optional["Section"] = None
    children: list = field(default_factory=list)
    order: int = 1

    @property
    def length_um(self) -> float:
        return sum(math.dist(a[:3], b[:3]) for a, b in zip(self.points, self.points[1:]))

    @property
    def diameter_um(self) -> float:
        """Length-weighted mean of the steps' mean diameters (the first point's if the section has no length)."""
        steps = [(math.dist(a[:3], b[:3]), 0.5 * (a[3] + b[3])) for a, b in zip(self.points, self.points[1:])]
        total = sum(length for length, _ in steps)
        if total == 0:
            return self.points[0][3]
        return sum(length * d for length, d in steps) / total

    @property
    def area_um2(self) -> float:
        return math.pi * self.diameter_um * self.length_um

    def subtree_length_um(self) -> float:
        return self.length_um + sum(c.subtree_length_um() for c in self.children)


def _tokens(text: str) -> list:
    text = re.sub(r";[^\n]*", "", text)
    return re.findall(r'\(|\)|\||"[^"]*"|[^\s()|"]+', text)


def _nest(tokens: list) -> list:
    stack = [[]]
    for token in tokens:
        if token == "(":
            stack.append([])
        elif token == ")":
            if len(stack) == 1:
                raise MorphologyError("unbalanced ')' in the file")
            done = stack.pop()
            stack[-1].append(done)
        else:
            stack[-1].append(token)
    if len(stack) != 1:
        raise MorphologyError("unbalanced '(' in the file")
    return stack[0]


def _point(item) -> Optional[tuple]:
    if isinstance(item, list) and len(item) >= 4 and all(isinstance(x, str) for x in item[:4]):
        try:
            return tuple(float(x) for x in item[:4])
        except ValueError:
            return None
    return None


def _tag(block: list) -> Optional[str]:
    for item in block:
        if isinstance(item, list) and len(item) == 1 and item[0] in (*TREE_TAGS, "CellBody"):
            return item[0]
    if block and isinstance(block[0], str) and block[0].strip('"') == "CellBody":
        return "CellBody"
    return None


def _is_branching(item) -> bool:
    """A list of points or of branches separated by '|' (not a point, property or marker)."""
    if not isinstance(item, list) or not item or _point(item) is not None:
        return False
    if isinstance(item[0], str) and item[0] != "|":
        return False  # (Color ...), (Name ...), (Dot ...), Normal ...
    return True


def _read_section(items: list, kind: str, parent: Optional[Section], sections: list) -> Section:
    points = [parent.points[-1]] if parent is not None else []
    section = Section(kind, points, parent, order=1 if parent is None else parent.order + 1)
    sections.append(section)
    for item in items:
        p = _point(item)
        if p is not None:
            section.points.append(p)
        elif _is_branching(item):
            branches, current = [], []
            for sub in item:
                if sub == "|":
                    branches.append(current)
                    current = []
                else:
                    current.append(sub)
            branches.append(current)
            for branch in branches:
                section.children.append(_read_section(branch, kind, section, sections))
    if len(section.points) < 2:
        raise MorphologyError(f"a {kind} section with fewer than two points")
    return section


def read_asc(text: str) -> dict:
    """The soma contour and every tree's sections, by neurite type."""
    soma, trees, sections = None, [], []
    for block in _nest(_tokens(text)):
        if not isinstance(block, list):
            continue
        tag = _tag(block)
        if tag == "CellBody":
            soma = [p for p in map(_point, block) if p is not None]
        elif tag in TREE_TAGS:
            body = [item for item in block if not (isinstance(item, list) and item and isinstance(item[0], str)
                                                   and (item[0] in TREE_TAGS or item[0] in ("Color", "Name")))]
            trees.append(_read_section(body, TREE_TAGS[tag], None, sections))
    if soma is None or len(soma) < 3:
        raise MorphologyError("no (CellBody) contour with at least three points")
    if not trees:
        raise MorphologyError("no (Axon), (Dendrite) or (Apical) tree")
    return {"soma": soma, "trees": trees, "sections": sections}


def soma_diameter_um(contour: list) -> float:
    """Diameter of the circle with the contour's area (shoelace on x, y; the contour is drawn in one plane)."""
    area = 0.5 * abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(contour, contour[1:] + contour[:1])))
    return 2.0 * math.sqrt(area / math.pi)


def apical_parts(root: Section) -> dict:
    """Trunk, oblique and tuft sections of an apical tree (rule in the module docstring)."""
    trunk, section = [], root
    while True:
        trunk.append(section)
        if not section.children:
            break
        beyond = sorted(section.children, key=Section.subtree_length_um)
        lengths = [c.subtree_length_um() for c in beyond]
        if len(beyond) > 1 and lengths[0] >= TRUNK_SPLIT_FRACTION * sum(lengths):
            break
        section = beyond[-1]

    def subtree(s):
        yield s
        for c in s.children:
            yield from subtree(c)

    on_trunk = set(map(id, trunk))
    tuft = [s for c in trunk[-1].children for s in subtree(c)]
    oblique = [s for t in trunk for c in t.children if id(c) not in on_trunk and c not in trunk[-1].children
               for s in subtree(c)]
    return {"trunk": trunk, "oblique": oblique, "tuft": tuft}


def _quantiles(values: list, qs=(0.1, 0.5, 0.9)) -> list:
    v = sorted(values)
    out = []
    for q in qs:
        x = q * (len(v) - 1)
        lo = int(math.floor(x))
        hi = min(lo + 1, len(v) - 1)
        out.append(v[lo] + (v[hi] - v[lo]) * (x - lo))
    return out


def _path_lengths(section: Section, start: float = 0.0):
    here = start + section.length_um
    if not section.children:
        yield here
    for c in section.children:
        yield from _path_lengths(c, here)


def _with_relative_order(root: Section, order: int = 1):
    """Sections of a subtree with their branch order counted from its root (1)."""
    yield root, order
    for c in root.children:
        yield from _with_relative_order(c, order + 1)


def statistics(cell: dict) -> list:
    """Rows (group, quantity, value, unit): soma; per neurite type and apical part; per population (basal, oblique,
    tuft, axon) and branch order counted from its stems."""
    rows = [("soma", "contour_equivalent_diameter", soma_diameter_um(cell["soma"]), "um")]
    groups = {kind: [s for s in cell["sections"] if s.kind == kind] for kind in ("basal", "apical", "axon")}
    apical_roots = [t for t in cell["trees"] if t.kind == "apical"]
    if len(apical_roots) == 1:
        parts = apical_parts(apical_roots[0])
        groups.update({f"apical_{name}": sections for name, sections in parts.items()})
        trunk = parts["trunk"]
        rows.append(("apical_trunk", "length_to_main_bifurcation", sum(s.length_um for s in trunk), "um"))
        rows.append(("apical_trunk", "diameter_first_section", trunk[0].diameter_um, "um"))
        rows.append(("apical_trunk", "diameter_last_section", trunk[-1].diameter_um, "um"))
        rows.append(("apical_oblique", "stems", sum(1 for t in trunk[:-1] for c in t.children if c not in trunk), ""))
        rows.append(("apical_tuft", "stems", len(trunk[-1].children), ""))
    for group, sections in groups.items():
        if not sections:
            continue
        lengths = [s.length_um for s in sections]
        diameters = [s.diameter_um for s in sections]
        terminal = [s.length_um for s in sections if not s.children]
        internal = [s.length_um for s in sections if s.children]
        rows += [
            (group, "sections", len(sections), ""),
            (group, "branch_points", sum(1 for s in sections if len(s.children) > 1), ""),
            (group, "tips", len(terminal), ""),
            (group, "total_length", sum(lengths), "um"),
            (group, "membrane_area", sum(s.area_um2 for s in sections), "um2"),
            (group, "section_length_mean", sum(lengths) / len(lengths), "um"),
        ]
        if terminal:
            rows.append((group, "terminal_section_length_mean", sum(terminal) / len(terminal), "um"))
        if internal:
            rows.append((group, "internal_section_length_mean", sum(internal) / len(internal), "um"))
        for q, x in zip((10, 50, 90), _quantiles(lengths)):
            rows.append((group, f"section_length_p{q}", x, "um"))
        rows.append((group, "diameter_length_weighted_mean", sum(d * l for d, l in zip(diameters, lengths))
                     / sum(lengths), "um"))
        for q, x in zip((10, 50, 90), _quantiles(diameters)):
            rows.append((group, f"section_diameter_p{q}", x, "um"))
        rows.append((group, "max_branch_order", max(s.order for s in sections), ""))
        rows.append((group, "compartments_d_lambda", sum(nseg_d_lambda(s.length_um, s.diameter_um)
                                                         for s in sections), ""))
        rows.append((group, "compartments_10um", sum(max(1, math.ceil(s.length_um / 10.0)) for s in sections), ""))
    populations = {"basal": [t for t in cell["trees"] if t.kind == "basal"],
                   "axon": [t for t in cell["trees"] if t.kind == "axon"]}
    if len(apical_roots) == 1:
        populations["apical"] = apical_roots
        populations["apical_oblique"] = [c for t in trunk[:-1] for c in t.children if c not in trunk]
        populations["apical_tuft"] = list(trunk[-1].children)
    for population, roots in populations.items():
        if not roots:
            continue
        paths = [p for r in roots for p in _path_lengths(r)]
        rows += [(population, "stems", len(roots), ""),
                 (population, "tip_path_length_mean", sum(paths) / len(paths), "um"),
                 (population, "tip_path_length_max", max(paths), "um")]
        if population == "apical":
            continue  # its orders mix trunk, obliques and tuft: given per part instead
        by_order = {}
        for root in roots:
            for s, order in _with_relative_order(root):
                by_order.setdefault(order, []).append(s)
        for order in sorted(by_order):
            at = by_order[order]
            length = sum(s.length_um for s in at)
            internal = [s.length_um for s in at if s.children]
            terminal = [s.length_um for s in at if not s.children]
            group = f"{population}_order{order}"
            rows += [(group, "sections", len(at), ""),
                     (group, "with_children", len(internal), ""),
                     (group, "children", sum(len(s.children) for s in at), "")]
            if internal:
                rows.append((group, "internal_section_length_mean", sum(internal) / len(internal), "um"))
            if terminal:
                rows.append((group, "terminal_section_length_mean", sum(terminal) / len(terminal), "um"))
            rows.append((group, "diameter_length_weighted_mean",
                         sum(s.diameter_um * s.length_um for s in at) / length if length else at[0].diameter_um,
                         "um"))
    return rows


def to_csv(rows: list, source: str) -> str:
    out = io.StringIO()
    out.write(f"# Morphometry of {source}\n"
              "#  derived by experiments/cell_morphometry.py (its docstring states the reading rules); the "
              "reconstruction itself is not in simnet.\n#  data/cell_morphologies.md says how models/cells.py uses "
              "these.\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("group", "quantity", "value", "unit"))
    for group, quantity, value, unit in rows:
        writer.writerow((group, quantity, f"{value:.6g}" if isinstance(value, float) else value, unit))
    return out.getvalue()


def main(argv: list) -> int:
    if len(argv) < 2:
        print("usage: cell_morphometry.py PATH.asc SOURCE_NOTE [OUT.csv]", file=sys.stderr)
        return 2
    try:
        cell = read_asc(Path(argv[0]).read_text())
    except (OSError, MorphologyError) as error:
        print(f"cell_morphometry: {argv[0]}: {error}", file=sys.stderr)
        return 2
    text = to_csv(statistics(cell), argv[1])
    if len(argv) > 2:
        tmp = Path(argv[2]).with_suffix(".tmp")
        try:
            tmp.write_text(text)
            tmp.replace(argv[2])
        except OSError as error:
            print(f"cell_morphometry: cannot write {argv[2]}: {error.strerror or error}", file=sys.stderr)
            return 2
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
