"""Small shared helpers: random state, argument checks (fractions, integers, columns), id formatting."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar, cast

import numpy as np
import pandas as pd

from .exceptions import SchemaError

RandomStateLike = int | np.integer | np.random.Generator | np.random.SeedSequence | None
F = TypeVar("F", bound=Callable[..., Any])


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


def spawn_seeds(random_state: RandomStateLike, n: int) -> list[np.random.SeedSequence]:
    """Return ``n`` independent seed sequences derived from ``random_state``.

    The one helper every random stage of a multi-stage run uses. An ``int`` (Python or
    numpy) and a ``SeedSequence`` are read without being changed, so the same value gives
    the same seeds on every call; ``SeedSequence(k)`` gives the same seeds as ``k``. A
    ``Generator`` is advanced (its draws seed the children); ``None`` gives fresh entropy.

    >>> a = spawn_seeds(np.int64(7), 3)
    >>> b = spawn_seeds(7, 3)
    >>> c = spawn_seeds(np.random.SeedSequence(7), 3)
    >>> [s.generate_state(1)[0] for s in a] == [s.generate_state(1)[0] for s in b]
    True
    >>> [s.generate_state(1)[0] for s in c] == [s.generate_state(1)[0] for s in b]
    True
    """
    if isinstance(random_state, np.random.Generator):
        return [np.random.SeedSequence(int(random_state.integers(2**63))) for _ in range(n)]
    if isinstance(random_state, np.random.SeedSequence):
        # a copy, so spawning does not change the caller's sequence (same seeds every run)
        root = np.random.SeedSequence(
            random_state.entropy,
            spawn_key=random_state.spawn_key,
            pool_size=random_state.pool_size,
        )
        return root.spawn(n)
    if random_state is None:
        return np.random.SeedSequence().spawn(n)
    check_random_state(random_state)  # type and sign checks with the usual message
    return np.random.SeedSequence(int(random_state)).spawn(n)


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


def check_int(value: Any, name: str, *, minimum: int = 1) -> int:
    """Check that ``value`` is an integer (Python or numpy, not bool) ``>= minimum``.

    >>> check_int(np.int64(3), "horizon")
    3
    >>> check_int(0, "horizon")
    Traceback (most recent call last):
    ...
    ValueError: horizon must be an integer >= 1; got 0.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def check_columns(frame: pd.DataFrame, name: str, required: Sequence[str], hint: str) -> None:
    """Raise :class:`SchemaError` naming the ``required`` columns that ``frame`` lacks.

    ``hint`` is the fix, one sentence (e.g. which function's output to pass).

    >>> check_columns(pd.DataFrame({"item_id": []}), "lead_times", ["item_id", "supplier_id"],
    ...               "Pass the frame returned by lead_time_history().")
    Traceback (most recent call last):
    ...
    stockout_forecast.exceptions.SchemaError: lead_times is missing columns ['supplier_id']. Found: ['item_id']. Pass the frame returned by lead_time_history().
    """
    miss = [c for c in required if c not in frame.columns]
    if miss:
        raise SchemaError(f"{name} is missing columns {miss}. Found: {list(frame.columns)}. {hint}")


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


def renamed_parameters(**renames: str) -> Callable[[F], F]:
    """Keep old keyword names working for one release, with a ``DeprecationWarning``.

    ``@renamed_parameters(seed="random_state")`` lets callers still pass ``seed=`` and
    tells them the new name; passing both is an error.

    >>> import warnings
    >>> @renamed_parameters(seed="random_state")
    ... def f(*, random_state=0):
    ...     return random_state
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     f(seed=3), w[0].category.__name__
    (3, 'DeprecationWarning')
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(
                            f"{func.__qualname__}() got both {old!r} and {new!r}; "
                            f"pass only {new!r} ({old!r} is its old name)."
                        )
                    warnings.warn(
                        f"{func.__qualname__}(): {old!r} is renamed {new!r}; the old name "
                        "will be removed in the next release.",
                        DeprecationWarning,
                        stacklevel=2,
                    )
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return cast("F", wrapper)

    return decorate


def warn_data_quality(message: str) -> None:
    """Warn with :class:`DataQualityWarning`, pointing at the first caller outside the library.

    Library functions call each other at different depths, so a fixed ``stacklevel`` points
    into the library from some paths; this walks the stack to the caller's own code.
    """
    import sys
    import warnings

    from .exceptions import DataQualityWarning

    level, frame = 2, sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith(
        "stockout_forecast."
    ):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    warnings.warn(message, DataQualityWarning, stacklevel=level)
