"""The cable-equation solver of a SpatialNeuron: the arithmetic of Brian2's ``spatialstateupdate`` template, counted.

A :class:`brian2.SpatialNeuron` integrates its membrane potential in its own code object (a
``SpatialStateUpdater``). Its abstract code is only the linearisation of the membrane current per compartment
(``_gtot = gtot__private``, ``_I0 = I0__private``), which the walker counts like any other code; the rest of the
step is the template's own arithmetic: the Hines-style solver of Brian2 (three tridiagonal solves per section,
then a coupling system with one row per section end, then the linear combination). That arithmetic is not in the
abstract code, so it is transcribed here, statement by statement, from Brian2's C++ template
(``brian2/devices/cpp_standalone/templates/spatialstateupdate.cpp``; the Cython runtime template,
``spatialstateupdate.pyx``, has the same statements). Each statement is counted with the operation table
(:mod:`simnet.cost.flops.ops`) times how often one step executes it, from the number of compartments ``N`` and
of sections ``S`` of the morphology (Brian2's ``flat_morphology``); the work set up once before the run
(``before_code``: axial resistances, the constant matrix diagonals) is not per step and is left out.

Counting rule, per step (weights of the table: ``+ - *`` and unary ``-`` 1, ``/`` 4)::

    every compartment (N):  -(Cm/dt*v) - I0 (7), ab_star1 - gtot (1), v = v* + B_p u- + B_c u+ (4),
                            Ic = Cm*(v - v_prev)/dt (6)                                                    18 N
    compartments j > 0 (N-1): m = 1/(b - a c) (6), c*m (1), three (x - a x_prev)*m (9)                   16 (N-1)
    compartment 0 (1):       four divisions by the diagonal                                              16
    back substitution (N-S): three x - c x_next (6)                                                       6 (N-S)
    first section (1):       u-[first] - 1 (1), -v*[first] (1)                                            2
    other sections (S-1):    P_diag += (1-u-)*r0 (3), -u+*r0 (2), B += v* r0 (2)                          7 (S-1)
    every section (S):       (1-u+)*rn (2), -u-*rn (2), v* rn (1); elimination of the child row (8);
                             forward substitution (6)                                                    19 S
    once:                    B[0] / P_diag[0]                                                             4

which adds up to ``40 N + 20 S - 1`` FLOPs per step (counted by :func:`solver_flops_per_step`, not from this
formula: the formula is the test's hand count). The numpy target (``runtime`` without a compiler) solves the same
systems with SciPy's ``solve_banded`` instead; as with Brian2's loop-invariant optimisation, the model's count is
the one of the compiled code whatever the target (the same cell costs the same on every backend).

Before counting, :func:`template_drift` checks that every transcribed statement is still in the installed
template; one that is not makes the whole template count unknown (reported, never silently kept).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Mapping, Optional, Tuple

from simnet.cost.flops.abstract_code import StatementCost, Tally, count_expression

__all__ = ["CABLE_SOLVER", "COMPARTMENT_STEP", "TemplateStatement", "TEMPLATE_STATEMENTS", "morphology_size",
           "template_drift", "solver_flops_per_step", "template_statements"]

CABLE_SOLVER = "cable_solver"
#: Element kind of a SpatialNeuron's code: one compartment on one step.
COMPARTMENT_STEP = "compartment_step"


@dataclass(frozen=True)
class TemplateStatement:
    """One floating-point statement of the template: its text there, its work, and how often a step runs it."""

    #: As written in Brian2's C++ template (``{{name}}`` placeholders kept): the drift check looks for it.
    text: str
    #: Its floating-point work as a Python expression the operation table counts.
    work: str
    #: Executions per step, from (compartments, sections).
    times: Callable[[int, int], int]
    where: str


def _every_compartment(n: int, s: int) -> int:
    return n


TEMPLATE_STATEMENTS: Tuple[TemplateStatement, ...] = (
    TemplateStatement("{{_v_star}}[_j]=-({{Cm}}[_j]/{{dt}}*{{v}}[_j])-{{_I0_all}}[_j];", "-(Cm/dt*v) - I0",
                      _every_compartment, "every compartment"),
    TemplateStatement("_bi={{_ab_star1}}[_j]-{{_gtot_all}}[_j];", "ab1 - gtot", _every_compartment,
                      "every compartment"),
    TemplateStatement("_m=1.0/(_bi-_ai*{{_c}}[_j-1]);", "1.0/(bi - ai*c)", lambda n, s: n - 1, "compartments j > 0"),
    TemplateStatement("{{_c}}[_j]={{_c}}[_j]*_m;", "c*m", lambda n, s: n - 1, "compartments j > 0"),
    TemplateStatement("{{_v_star}}[_j]=({{_v_star}}[_j] - _ai*{{_v_star}}[_j-1])*_m;", "(x - ai*xp)*m",
                      lambda n, s: n - 1, "compartments j > 0"),
    TemplateStatement("{{_u_plus}}[_j]=({{_u_plus}}[_j] - _ai*{{_u_plus}}[_j-1])*_m;", "(x - ai*xp)*m",
                      lambda n, s: n - 1, "compartments j > 0"),
    TemplateStatement("{{_u_minus}}[_j]=({{_u_minus}}[_j] - _ai*{{_u_minus}}[_j-1])*_m;", "(x - ai*xp)*m",
                      lambda n, s: n - 1, "compartments j > 0"),
    TemplateStatement("{{_c}}[0]={{_c}}[0]/_bi;", "c/bi", lambda n, s: 1, "compartment 0"),
    TemplateStatement("{{_v_star}}[0]={{_v_star}}[0]/_bi;", "x/bi", lambda n, s: 1, "compartment 0"),
    TemplateStatement("{{_u_plus}}[0]={{_u_plus}}[0]/_bi;", "x/bi", lambda n, s: 1, "compartment 0"),
    TemplateStatement("{{_u_minus}}[0]={{_u_minus}}[0]/_bi;", "x/bi", lambda n, s: 1, "compartment 0"),
    TemplateStatement("{{_v_star}}[_j]={{_v_star}}[_j] - {{_c}}[_j]*{{_v_star}}[_j+1];", "x - c*xn",
                      lambda n, s: n - s, "back substitution: all but a section's last compartment"),
    TemplateStatement("{{_u_plus}}[_j]={{_u_plus}}[_j] - {{_c}}[_j]*{{_u_plus}}[_j+1];", "x - c*xn",
                      lambda n, s: n - s, "back substitution: all but a section's last compartment"),
    TemplateStatement("{{_u_minus}}[_j]={{_u_minus}}[_j] - {{_c}}[_j]*{{_u_minus}}[_j+1];", "x - c*xn",
                      lambda n, s: n - s, "back substitution: all but a section's last compartment"),
    TemplateStatement("{{_P_diag}}[0] = {{_u_minus}}[_first] - 1;", "um - 1", lambda n, s: 1, "first section"),
    TemplateStatement("{{_B}}[0] = -{{_v_star}}[_first];", "-vs", lambda n, s: 1, "first section"),
    TemplateStatement("{{_P_diag}}[_i_parent] += (1 - {{_u_minus}}[_first]) * _invr0;", "pd + (1 - um)*r0",
                      lambda n, s: s - 1, "sections after the first"),
    TemplateStatement("{{_P_children}}[_IDX_C(_i_parent, _i_childind)] = -{{_u_plus}}[_first] * _invr0;",
                      "-up*r0", lambda n, s: s - 1, "sections after the first"),
    TemplateStatement("{{_B}}[_i_parent] += {{_v_star}}[_first] * _invr0;", "b + vs*r0", lambda n, s: s - 1,
                      "sections after the first"),
    TemplateStatement("{{_P_diag}}[_i+1] = (1 - {{_u_plus}}[_last]) * _invrn;", "(1 - up)*rn", lambda n, s: s,
                      "every section"),
    TemplateStatement("{{_P_parent}}[_i] = -{{_u_minus}}[_last] * _invrn;", "-um*rn", lambda n, s: s,
                      "every section"),
    TemplateStatement("{{_B}}[_i+1] = {{_v_star}}[_last] * _invrn;", "vs*rn", lambda n, s: s, "every section"),
    TemplateStatement("double _subfac = {{_P_children}}[_IDX_C(_i,_k)] / {{_P_diag}}[_j];", "pc/pd",
                      lambda n, s: s, "every section (its row eliminated from its parent's)"),
    TemplateStatement("{{_P_diag}}[_i] = {{_P_diag}}[_i]  - _subfac * {{_P_parent}}[_j-1];", "pd - f*pp",
                      lambda n, s: s, "every section (its row eliminated from its parent's)"),
    TemplateStatement("{{_B}}[_i] = {{_B}}[_i] - _subfac * {{_B}}[_j];", "b - f*bj", lambda n, s: s,
                      "every section (its row eliminated from its parent's)"),
    TemplateStatement("{{_B}}[0] = {{_B}}[0] / {{_P_diag}}[0];", "b/pd", lambda n, s: 1, "once"),
    TemplateStatement("{{_B}}[_i] = {{_B}}[_i] - {{_P_parent}}[_i-1] * {{_B}}[_j];", "b - pp*bj", lambda n, s: s,
                      "every section (forward substitution)"),
    TemplateStatement("{{_B}}[_i] = {{_B}}[_i] / {{_P_diag}}[_i];", "b/pd", lambda n, s: s,
                      "every section (forward substitution)"),
    TemplateStatement("{{v}}[_j] = {{_v_star}}[_j] + {{_B}}[_i_parent] * {{_u_minus}}[_j] "
                      "+ {{_B}}[_i+1] * {{_u_plus}}[_j];", "vs + bp*um + bc*up", _every_compartment,
                      "every compartment"),
    TemplateStatement("{{Ic}}[_i] = {{Cm}}[_i]*({{v}}[_i] - {{_v_previous}}[_i])/{{dt}};", "Cm*(v - vp)/dt",
                      _every_compartment, "every compartment"),
)


def morphology_size(group) -> Tuple[int, int]:
    """(compartments, sections) of a SpatialNeuron, from Brian2's flattened morphology."""
    flat = group.flat_morphology
    return int(flat.n), int(flat.sections)


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _installed_template() -> Optional[str]:
    import brian2

    path = Path(brian2.__file__).parent / "devices" / "cpp_standalone" / "templates" / "spatialstateupdate.cpp"
    return path.read_text() if path.is_file() else None


def template_drift(template_text: Optional[str] = None) -> List[str]:
    """The transcribed statements no longer found in Brian2's template (empty when the transcription holds)."""
    text = _installed_template() if template_text is None else template_text
    if text is None:
        return ["the template file spatialstateupdate.cpp was not found"]
    squeezed = _squeezed(text)
    return [s.text for s in TEMPLATE_STATEMENTS if _squeezed(s.text) not in squeezed]


def solver_flops_per_step(n_compartments: int, n_sections: int,
                          costs: Optional[Mapping] = None) -> float:
    """FLOPs of the template's arithmetic in one step of one cell (the operation table's weights)."""
    return sum(count_expression(s.work, extra_costs=costs)[0] * s.times(n_compartments, n_sections)
               for s in TEMPLATE_STATEMENTS)


def template_statements(n_compartments: int, n_sections: int, costs: Optional[Mapping] = None
                        ) -> List[StatementCost]:
    """The template's work as statements per compartment-step (the walker's unit), each marked ``(template)``.

    Work done per section or once per step is spread over the cell's compartments, so that the row's FLOPs per
    compartment-step times compartment-steps is the template's work exactly. When the transcription no longer
    matches Brian2's template, one statement carries an unknown operation instead, so the table lists the solver
    as not counted.
    """
    drift = template_drift()
    if drift:
        reason = (f"Brian2's spatialstateupdate template changed ({len(drift)} statement(s) not found): the "
                  "transcription in simnet.cost.flops.cable needs updating")
        tally = Tally()
        tally.unknown.append(("cable solver (template)", reason))
        return [StatementCost(var="v", op="=", text="(template) cable-equation solver", reads={"v"},
                              temporary=False, tally=tally, tally_cse=tally)]
    statements = []
    for s in TEMPLATE_STATEMENTS:
        _, ops, unknown = count_expression(s.work, extra_costs=costs)
        share = s.times(n_compartments, n_sections) / n_compartments
        if share == 0:
            continue
        tally = Tally()
        for name, occurrences in ops.items():
            tally.add(name, count_expression(_probe(name), extra_costs=costs)[0], occurrences * share)
        tally.unknown.extend((name, "in the cable solver template") for name in unknown)
        statements.append(StatementCost(var="v", op="=", text=f"(template, {s.where}) {s.text}", reads={"v"},
                                        temporary=False, tally=tally, tally_cse=tally))
    return statements


def _probe(operation: str) -> str:
    """An expression with exactly one occurrence of ``operation`` (to read its weight from the table)."""
    return "-a" if operation == "neg" else f"a {operation} b"
