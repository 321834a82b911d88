"""stockout_forecast: item velocity, stockout-date forecasts, reorder points and supplier splits.

Import it as ``import stockout_forecast as sof``. Functions take and return tidy pandas
DataFrames in the column vocabulary of :mod:`stockout_forecast.schema`; results that need
more than a frame are frozen dataclasses with ``.to_frame()``, ``.to_dict()`` and ``.plot()``.

Layers (dependencies point one way): io/validation -> history -> forecast -> simulation ->
policy -> suppliers/backorders -> planner -> report/cli.
"""

from __future__ import annotations

from ._dataset import Dataset
from ._panel import DemandHistory
from .backorders import BackorderPlan, availability_feed, backorder_notices, promise_dates
from .capacity import CapacityPlan, peak_capacity
from .datasets import load_demo, make_demo_dataset
from .exceptions import (
    DataQualityWarning,
    InfeasibleError,
    InsufficientHistoryError,
    NotFittedError,
    SchemaError,
)
from .forecast import (
    ADIDA,
    IMAPA,
    SBA,
    SES,
    TSB,
    Croston,
    DemandForecast,
    ForecastModel,
    GlobalGBM,
    Holt,
    HoltWinters,
    MovingAverage,
    Naive,
    SeasonalNaive,
    StatsmodelsETS,
    backtest,
    candidate_models,
    forecast_demand,
    history_from_array,
    select_models,
)
from .history import classify_demand, demand_history, item_velocity, stock_cover
from .io import (
    read_customer_orders,
    read_dataset,
    read_inventory,
    read_items,
    read_purchase_orders,
    read_sales,
    read_stock_history,
    read_suppliers,
    write_dataset,
)
from .leadtime import lead_time_history, sample_lead_times
from .planner import ReorderPlan, ReorderPlanner
from .policy import (
    cycle_service_level,
    economic_order_quantity,
    empirical_reorder_point,
    empirical_safety_stock,
    fill_rate,
    flag_special_orders,
    inverse_normal_loss,
    lead_time_demand,
    lead_time_demand_samples,
    normal_loss,
    order_by_date,
    order_up_to,
    reorder_point,
    round_order_quantity,
    safety_stock,
    special_order_threshold,
)
from .recommend import recommend_orders
from .replay import (
    PolicyReplay,
    bootstrap_demand_paths,
    pooled_reorder_points,
    simulate_policy,
    simulated_reorder_point,
)
from .simulation import StockoutForecast, projected_inventory, stockout_dates
from .suppliers import PurchasePlan, SupplierSplit, plan_purchase_orders, split_order
from .validation import validate_dataset, validate_table

__version__ = "0.1.0"

__all__ = [
    "ADIDA",
    "IMAPA",
    "SBA",
    "SES",
    "TSB",
    "BackorderPlan",
    "CapacityPlan",
    "Croston",
    "DataQualityWarning",
    "Dataset",
    "DemandForecast",
    "DemandHistory",
    "ForecastModel",
    "GlobalGBM",
    "Holt",
    "HoltWinters",
    "InfeasibleError",
    "InsufficientHistoryError",
    "MovingAverage",
    "Naive",
    "NotFittedError",
    "PolicyReplay",
    "PurchasePlan",
    "ReorderPlan",
    "ReorderPlanner",
    "SchemaError",
    "SeasonalNaive",
    "StatsmodelsETS",
    "StockoutForecast",
    "SupplierSplit",
    "__version__",
    "availability_feed",
    "backorder_notices",
    "backtest",
    "bootstrap_demand_paths",
    "candidate_models",
    "classify_demand",
    "cycle_service_level",
    "demand_history",
    "economic_order_quantity",
    "empirical_reorder_point",
    "empirical_safety_stock",
    "fill_rate",
    "flag_special_orders",
    "forecast_demand",
    "history_from_array",
    "inverse_normal_loss",
    "item_velocity",
    "lead_time_demand",
    "lead_time_demand_samples",
    "lead_time_history",
    "load_demo",
    "make_demo_dataset",
    "normal_loss",
    "order_by_date",
    "order_up_to",
    "peak_capacity",
    "plan_purchase_orders",
    "pooled_reorder_points",
    "projected_inventory",
    "promise_dates",
    "read_customer_orders",
    "read_dataset",
    "read_inventory",
    "read_items",
    "read_purchase_orders",
    "read_sales",
    "read_stock_history",
    "read_suppliers",
    "recommend_orders",
    "reorder_point",
    "round_order_quantity",
    "safety_stock",
    "sample_lead_times",
    "select_models",
    "simulate_policy",
    "simulated_reorder_point",
    "special_order_threshold",
    "split_order",
    "stock_cover",
    "stockout_dates",
    "validate_dataset",
    "validate_table",
    "write_dataset",
]
