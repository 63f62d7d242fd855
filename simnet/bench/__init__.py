"""Experiments: many runs declared in a file, run interleaved and summarised; the fidelity ladder.

``experiment_file`` reads and validates experiment files; ``execute`` runs their points (simnet backends through the
one run pipeline, peers in their own processes) with an executor (``executors``, ``points``); ``statistics``
summarises the measurements (pure). ``fidelity_ladder`` runs the cortical column at each neuron level;
``element_costs`` writes the model library's per-element cost table. Their text and figures are
:mod:`simnet.report`'s.
"""

__all__ = []
