"""Small shared helpers: random state, argument checks, id formatting."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

RandomStateLike = int | np.random.Generator | np.random.SeedSequence | None


def check_random_state(random_state: RandomStateLike) -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` for ``random_state``.

    ``None`` gives a fresh, unseeded generator; an ``int`` or ``SeedSequence`` seeds a new
    PCG64 generator; a ``Generator`` is returned as is. The global numpy RNG is never used.

    >>> g = check_random_state(42)
    >>> int(g.integers(0, 100)) == int(check_random_state(42).integers(0, 100))
    True
    """
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.SeedSequence):
        return np.random.default_rng(random_state)
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be a non-negative int; got {random_state}.")
        return np.random.default_rng(int(random_state))
    raise TypeError(
        "random_state must be None, an int, a numpy SeedSequence or a numpy Generator; "
        f"got {type(random_state).__name__}."
    )


def check_fraction(value: Any, name: str, *, inclusive: bool = False) -> float:
    """Check that ``value`` is a probability-like fraction in (0, 1).

    >>> check_fraction(0.95, "service_level")
    0.95
    >>> check_fraction(95, "service_level")
    Traceback (most recent call last):
    ...
    ValueError: service_level must be a fraction in (0, 1); got 95. Did you mean 0.95?
    """
    try:
        v = float(value)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be a fraction in (0, 1); got {value!r}.") from err
    ok = (0.0 <= v <= 1.0) if inclusive else (0.0 < v < 1.0)
    if not ok or not np.isfinite(v):
        hint = f" Did you mean {v / 100:g}?" if 1.0 < v < 100.0 else ""
        interval = "[0, 1]" if inclusive else "(0, 1)"
        raise ValueError(f"{name} must be a fraction in {interval}; got {value!r}.{hint}")
    return v


def check_fractions(values: Iterable[Any], name: str) -> tuple[float, ...]:
    """Check a sequence of fractions in (0, 1); return them sorted and de-duplicated."""
    out = sorted({check_fraction(v, name) for v in values})
    if not out:
        raise ValueError(f"{name} must contain at least one fraction in (0, 1).")
    return tuple(out)


def format_ids(ids: Sequence[Any] | np.ndarray, limit: int = 5) -> str:
    """Format the first few ids for an error message, with the total count.

    >>> format_ids(["a", "b", "c", "d", "e", "f", "g"])
    "7 ('a', 'b', 'c', 'd', 'e', ...)"
    >>> format_ids(["x"])
    "1 ('x')"
    """
    ids = list(ids)
    shown = ", ".join(repr(str(i)) for i in ids[:limit])
    more = ", ..." if len(ids) > limit else ""
    return f"{len(ids)} ({shown}{more})"
