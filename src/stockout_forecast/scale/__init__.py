"""The plan at scale: items in chunks under a memory budget, on one machine or on Dask.

:mod:`.state` computes the small cross-item state in a first pass, :mod:`.chunk` runs one
chunk of items end to end with it, :mod:`.assemble` puts the chunks together and runs the
cross-item steps on their outputs, :mod:`.partition` cuts items into chunks by id and
:mod:`.distributed` runs the same chunks as Dask tasks.
"""
