"""From measured runs to human scale: fitted scaling laws, projections and the compute ladder.

``fits`` fits power laws to measured scaling; ``extrapolate`` projects one run to the documents' sizes and
times; ``ladder`` puts estimates and projections on one axis; ``format`` renders a projection as text. Pure
functions: the caller reads records and tables and passes them in.
"""

__all__ = []
