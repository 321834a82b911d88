"""Inventory policy: service-level maths, reorder points, order quantities, recommendations, replay."""

from __future__ import annotations

from .capacity import CapacityPlan, peak_capacity
from .normal import (
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

__all__ = [
    "CapacityPlan",
    "PolicyReplay",
    "bootstrap_demand_paths",
    "cycle_service_level",
    "economic_order_quantity",
    "empirical_reorder_point",
    "empirical_safety_stock",
    "fill_rate",
    "flag_special_orders",
    "inverse_normal_loss",
    "lead_time_demand",
    "lead_time_demand_samples",
    "normal_loss",
    "order_by_date",
    "order_up_to",
    "peak_capacity",
    "pooled_reorder_points",
    "recommend_orders",
    "reorder_point",
    "round_order_quantity",
    "safety_stock",
    "simulate_policy",
    "simulated_reorder_point",
    "special_order_threshold",
]
