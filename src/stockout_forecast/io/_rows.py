"""How messages name rows: as the planner sees them in the file, or as DataFrame labels.

A table read from a file or a sheet is numbered as a spreadsheet shows it: the header is
row 1, the first data row is row 2 (``base=2``; the readers keep blank lines in the count).
A table given as a DataFrame is named by its index labels (``base=None``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

MAX_SHOWN = 5


def row_labels(index: pd.Index | np.ndarray | Sequence[Any], base: int | None) -> list[str]:
    """The labels of ``index`` as shown to a planner."""
    labels = list(index)
    if base is None:
        return [str(i) for i in labels]
    return [str(int(i) + base) for i in labels]


def rows(index: pd.Index | np.ndarray | Sequence[Any], base: int | None = None) -> str:
    """'rows [3, 7, 9] (and 12 more)' for labels; 'rows 5, 9, 11 (and 12 more)' in a file.

    >>> rows([3, 7], base=2)
    'rows 5, 9'
    >>> rows([0], base=2)
    'row 2'
    >>> rows([3, 7])
    'rows [3, 7]'
    """
    labels = row_labels(index, base)
    shown = ", ".join(labels[:MAX_SHOWN])
    more = f" (and {len(labels) - MAX_SHOWN} more)" if len(labels) > MAX_SHOWN else ""
    if base is None:
        return f"rows [{shown}]{more}"
    return f"row {shown}" if len(labels) == 1 else f"rows {shown}{more}"


def count_rows(index: pd.Index | np.ndarray | Sequence[Any], base: int | None = None) -> str:
    """'1 row [3]' or '12 rows [3, 7, 9, 10, 11] (and 7 more)'; in a file '1 row (row 5)'."""
    labels = list(index)
    n = len(labels)
    if base is None:
        return f"{n} {rows(labels)}" if n != 1 else f"1 row [{labels[0]}]"
    return f"{n} rows ({rows(labels, base)})" if n != 1 else f"1 row ({rows(labels, base)})"


def masked(index: pd.Index, mask: np.ndarray | pd.Series, base: int | None) -> str:
    """:func:`rows` of the rows where ``mask`` is true."""
    return rows(index[np.asarray(mask, dtype=bool)], base)
