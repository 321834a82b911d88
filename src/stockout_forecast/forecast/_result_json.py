"""A :class:`~.result.DemandForecast` as JSON-able data and back (``to_dict`` / ``from_dict``).

Through JSON a forecast keeps its means, quantiles, distribution parameters, models and
statuses, so a service can store a forecast and rebuild it (the same sample paths for the
same seed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._export import jsonable
from .._utils import check_fractions
from ..history.panel import period_starts
from . import _distribution as dist

if TYPE_CHECKING:  # pragma: no cover
    from .result import DemandForecast


def quantile_column(level: float, prefix: str = "demand") -> str:
    """Column name of a quantile level: ``demand_p10`` for 0.1, ``demand_p97.5`` for 0.975.

    >>> quantile_column(0.1), quantile_column(0.975), quantile_column(0.5, "cum_demand")
    ('demand_p10', 'demand_p97.5', 'cum_demand_p50')
    """
    return f"{prefix}_p{round(100.0 * float(level), 6):g}"


def forecast_to_dict(fc: DemandForecast) -> dict[str, Any]:
    """What :meth:`DemandForecast.to_dict` returns (documented there)."""
    st = fc.status.reindex(pd.Index(fc.item_ids, dtype="str"))
    items = []
    for i, iid in enumerate(fc.item_ids):
        rec: dict[str, Any] = {
            "item_id": str(iid),
            "model": str(fc.model[i]),
            "status": st["status"].iloc[i],
            "reason": st["reason"].iloc[i],
            "distribution": str(fc.distribution[i]),
            "dispersion": fc.dispersion[i],
            "size_mean": fc.size_mean[i],
            "size_cv2": fc.size_cv2[i],
            "zero_inflation": fc.zero_inflation[i],
            "level_correction": fc.level_correction[i],
            "level_correlation": fc.level_correlation[i],
            "demand_mean": fc.mean[i],
            "count": fc.count[i],
        }
        for j, q in enumerate(fc.quantile_levels):
            rec[quantile_column(q)] = fc.quantiles[i, j]
        items.append(rec)
    return jsonable(
        {
            "freq": fc.freq,
            "anchor": fc.anchor,
            "horizon": fc.horizon,
            "horizon_unit": fc.horizon_unit,
            "dates": list(fc.labels),
            "quantile_levels": list(fc.quantile_levels),
            "calibration": fc.calibration,
            "n_paths": fc.n_paths,
            "items": items,
        }
    )


def forecast_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """The constructor arguments of the forecast ``data`` describes (see ``from_dict``)."""
    missing = [k for k in ("freq", "dates", "quantile_levels", "items") if k not in data]
    if missing:
        raise ValueError(
            f"DemandForecast.from_dict needs the keys {missing}; pass what "
            "DemandForecast.to_dict() returns."
        )
    records = list(data["items"])
    anchor = data.get("anchor") or None
    labels = pd.DatetimeIndex(pd.to_datetime(list(data["dates"])))
    # ``dates`` holds the periods' labels (month ends for an "ME" history): their starts
    starts = period_starts(labels, str(anchor or data["freq"])) if len(labels) else labels
    dates = pd.DatetimeIndex(starts, freq="infer")
    levels = check_fractions(data["quantile_levels"], "quantile_levels")
    ids = np.asarray([str(r["item_id"]) for r in records], dtype=object)

    def per_period(rec: Mapping[str, Any], key: str) -> list[float]:
        values = rec.get(key)
        if values is None or len(values) != len(dates):
            got = "no" if values is None else f"{len(values)}"
            raise ValueError(
                f"item {rec['item_id']!r}: {key} has {got} values; expected "
                f"{len(dates)} (one per date)."
            )
        return [np.nan if v is None else float(v) for v in values]

    def per_item(key: str, default: float) -> np.ndarray:
        got = [r.get(key, default) for r in records]
        return np.asarray([np.nan if v is None else v for v in got], dtype=float)

    mean = np.asarray([per_period(r, "demand_mean") for r in records], dtype=float)
    mean = mean.reshape(len(ids), len(dates))
    dispersion = per_item("dispersion", 0.0)
    count = np.asarray([bool(r.get("count", True)) for r in records], dtype=bool)
    size_mean, size_cv2 = per_item("size_mean", 1.0), per_item("size_cv2", 0.0)
    zero = per_item("zero_inflation", 0.0)
    level = per_item("level_correction", 1.0)
    cols = [quantile_column(q) for q in levels]
    if records and all(c in r for r in records for c in cols):
        quantiles = np.asarray(
            [[per_period(r, c) for c in cols] for r in records], dtype=float
        ).reshape(len(ids), len(levels), len(dates))
    else:
        sizes = dist.Sizes.of(count, size_mean, size_cv2, zero)
        quantiles = dist.marginal_quantiles(mean, dispersion, sizes, levels)
    status = pd.DataFrame(
        {
            "status": pd.array([r.get("status") for r in records], dtype="str"),
            "reason": pd.array([r.get("reason") for r in records], dtype="str"),
        },
        index=pd.Index(ids, name="item_id", dtype="str"),
    )
    return dict(
        item_ids=ids,
        dates=dates,
        freq=str(data["freq"]),
        mean=mean,
        quantile_levels=levels,
        quantiles=quantiles,
        model=np.asarray([str(r.get("model")) for r in records], dtype=object),
        status=status,
        history=None,
        dispersion=dispersion,
        level_correlation=per_item("level_correlation", 0.0),
        count=count,
        size_mean=size_mean,
        size_cv2=size_cv2,
        calibration=str(data.get("calibration") or "given"),
        n_paths=int(data.get("n_paths") or 1000),
        anchor=anchor,
        zero_inflation=zero,
        level_correction=level,
    )
