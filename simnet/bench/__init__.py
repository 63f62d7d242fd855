"""Experiments: many runs declared in a file, run interleaved and summarised; the fidelity ladder.

``spec`` reads and validates experiment files; ``execute`` runs their points (simnet backends through the one run
pipeline, peers in their own processes); ``stats`` summarises the measurements (pure); ``report`` renders the
summary as text and figures. ``fidelity`` runs the cortical column at each neuron level; ``fidelity_table``
compares the levels' records.
"""
