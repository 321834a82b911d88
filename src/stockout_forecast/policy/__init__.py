"""Inventory policy: policy objects, service-level maths, reorder points, order quantities, recommendations, replay."""

from __future__ import annotations

from .bootstrap import bootstrap_demand_paths
from .capacity import CapacityPlan, peak_capacity
from .cost_model import item_costs
from .costs import (
    critical_ratio,
    eoq_cost_per_year,
    normal_second_order_loss,
    poisson_loss,
    poisson_second_order_loss,
    rs_cost_per_period,
    sq_cost_per_year,
    ss_cost_per_period,
)
from .curves import PolicyCurves, policy_curves
from .discounts import (
    price_for_quantity,
    quantity_discount_eoq,
)
from .empirical import (
    empirical_reorder_point,
    empirical_safety_stock,
    lead_time_demand_samples,
)
from .lot_sizing import (
    silver_meal,
    time_phased_orders,
    wagner_whitin,
)
from .normal import (
    cycle_service_level,
    fill_rate,
    inverse_normal_loss,
    lead_time_demand,
    normal_loss,
    order_up_to,
    reorder_point,
    safety_stock,
)
from .optimal import (
    optimal_sq,
    optimal_ss,
)
from .policies import ContinuousReview, PeriodicReorderPoint, PeriodicReview
from .quantities import (
    economic_order_quantity,
    flag_special_orders,
    order_by_date,
    round_order_quantity,
    special_order_threshold,
)
from .recommend import recommend_orders
from .reorder_rules import (
    order_up_to_cover,
    reorder_level_quantity,
    stockout_episodes,
)
from .replay import PolicyReplay, simulate_policy
from .simulated import pooled_reorder_points, simulated_reorder_point

__all__ = [
    "CapacityPlan",
    "ContinuousReview",
    "PeriodicReorderPoint",
    "PeriodicReview",
    "PolicyCurves",
    "PolicyReplay",
    "bootstrap_demand_paths",
    "critical_ratio",
    "cycle_service_level",
    "economic_order_quantity",
    "empirical_reorder_point",
    "empirical_safety_stock",
    "eoq_cost_per_year",
    "fill_rate",
    "flag_special_orders",
    "inverse_normal_loss",
    "item_costs",
    "lead_time_demand",
    "lead_time_demand_samples",
    "normal_loss",
    "normal_second_order_loss",
    "optimal_sq",
    "optimal_ss",
    "order_by_date",
    "order_up_to",
    "order_up_to_cover",
    "peak_capacity",
    "poisson_loss",
    "poisson_second_order_loss",
    "policy_curves",
    "pooled_reorder_points",
    "price_for_quantity",
    "quantity_discount_eoq",
    "recommend_orders",
    "reorder_level_quantity",
    "reorder_point",
    "round_order_quantity",
    "rs_cost_per_period",
    "safety_stock",
    "silver_meal",
    "simulate_policy",
    "simulated_reorder_point",
    "special_order_threshold",
    "sq_cost_per_year",
    "ss_cost_per_period",
    "stockout_episodes",
    "time_phased_orders",
    "wagner_whitin",
]
