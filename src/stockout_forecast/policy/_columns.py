"""The result's columns as recommend_orders fills them, made into one frame at the end.

A :class:`pandas.DataFrame` grown one column at a time costs tens of microseconds a column
(block management, alignment), which is most of the cost of recommending a few items. The
steps write and read their columns here; :meth:`Columns.frame` builds the frame once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

__all__ = ["Columns"]


class Columns:
    """Columns by name on one index: ``cols[name] = values`` and ``cols[name]`` (a Series).

    A value is stored as the Series a DataFrame column assignment would hold (arrays are
    converted as pandas converts them; a Series is aligned on the index), so reading it
    back gives what reading the frame's column gives.
    """

    def __init__(self, index: pd.Index) -> None:
        self.index = index
        self._cols: dict[str, pd.Series] = {}

    def __setitem__(self, name: str, values: Any) -> None:
        if isinstance(values, pd.Series):
            if not values.index.equals(self.index):
                values = values.reindex(self.index)
            s = pd.Series(values.array, index=self.index, name=name, copy=False)
        else:
            s = pd.Series(values, index=self.index, name=name)
        self._cols[name] = s

    def __getitem__(self, name: str) -> pd.Series:
        return self._cols[name]

    def __contains__(self, name: object) -> bool:
        return name in self._cols

    def __len__(self) -> int:
        return len(self.index)

    @property
    def columns(self) -> list[str]:
        return list(self._cols)

    def frame(self, names: Iterable[str], given: dict[str, Any]) -> pd.DataFrame:
        """The columns ``names`` as a frame on a range index; ``given`` ones as given."""
        return pd.DataFrame(
            {c: given[c] if c in given else self._cols[c].array for c in names},
            index=pd.RangeIndex(len(self.index)),
        )
