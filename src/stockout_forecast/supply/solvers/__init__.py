"""How supplier splits are solved.

Private: the public names are in :mod:`..split` and :mod:`..purchase_orders`.

Every solver reads the arrays of :mod:`.._problem` (one row per item, one column per
supplier slot) and returns units per supplier ``x`` (n, S) and units per need bucket ``z``
(n, S, J):

- :mod:`.dispatch` — the one entry point: which solver splits which item, per mode.
- :mod:`.closed_form` — the exact split where nothing binds, at array speed (no MILP).
- :mod:`.milp` — the MILP builder (:func:`~.milp._milp_parts`) and its per-item and block
  solvers; a new cost term (price breaks, say) is new variables and rows in the builder.
- :mod:`.rules` — the planners' priority, quota and dual rules.
- :mod:`.joint` — joint re-optimisation when supplier-level limits bind.
- :mod:`.diagnose` — why no split exists: the binding constraint and the closest orders.
"""
