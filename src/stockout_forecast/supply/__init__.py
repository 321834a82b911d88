"""Supply: supplier splits and draft purchase orders, backorder allocation and promise dates."""

from __future__ import annotations

from .backorders import BackorderPlan, availability_feed, backorder_notices, promise_dates
from .purchase_orders import plan_purchase_orders
from .results import PurchasePlan, SupplierSplit
from .split import split_order

__all__ = [
    "BackorderPlan",
    "PurchasePlan",
    "SupplierSplit",
    "availability_feed",
    "backorder_notices",
    "plan_purchase_orders",
    "promise_dates",
    "split_order",
]
