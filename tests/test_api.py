"""Lock the public API: a name added or removed must be a deliberate change (as pandas' test_api)."""

from __future__ import annotations

import stockout_forecast as sof

EXPECTED = {
    # data contract, input, validation
    "Dataset", "SchemaError", "DataQualityWarning", "InsufficientHistoryError",
    "NotFittedError", "InfeasibleError", "validate_table", "validate_dataset",
    "read_sales", "read_stock_history", "read_inventory", "read_purchase_orders",
    "read_suppliers", "read_items", "read_customer_orders", "read_dataset", "write_dataset", "Thresholds",
    "make_demo_dataset", "load_demo", "write_demo_parquet",
    # history
    "DemandHistory", "demand_history", "item_velocity", "classify_demand", "stock_cover",
    # forecast
    "DemandForecast", "ForecastModel", "forecast_demand", "backtest", "select_models",
    "candidate_models", "history_from_array", "Naive", "SeasonalNaive", "MovingAverage", "SES",
    "Holt", "HoltWinters", "Croston", "SBA", "TSB", "ADIDA", "IMAPA", "GlobalGBM", "HistoricAverage",
    "StatsmodelsETS",
    # simulation and policy
    "StockoutForecast", "stockout_dates", "projected_inventory", "lead_time_history",
    "sample_lead_times", "safety_stock", "reorder_point", "order_up_to",
    "economic_order_quantity", "round_order_quantity", "order_by_date", "normal_loss",
    "inverse_normal_loss", "fill_rate", "cycle_service_level", "lead_time_demand",
    "lead_time_demand_samples", "empirical_reorder_point", "empirical_safety_stock",
    "flag_special_orders", "special_order_threshold", "recommend_orders", "PolicyReplay",
    "simulate_policy", "simulated_reorder_point", "pooled_reorder_points",
    "bootstrap_demand_paths", "CapacityPlan", "peak_capacity", "PolicyCurves", "policy_curves", "item_costs", "ContinuousReview",
    "PeriodicReview", "PeriodicReorderPoint",
    # costs, cost-optimal policies, lot sizing, discounts, ERP rules
    "critical_ratio", "eoq_cost_per_year", "sq_cost_per_year", "rs_cost_per_period",
    "ss_cost_per_period", "normal_second_order_loss", "poisson_loss",
    "poisson_second_order_loss", "optimal_sq", "optimal_ss", "wagner_whitin", "silver_meal", "time_phased_orders",
    "quantity_discount_eoq", "price_for_quantity", "order_up_to_cover",
    "reorder_level_quantity", "stockout_episodes",
    # suppliers and backorders
    "SupplierSplit", "PurchasePlan", "split_order", "plan_purchase_orders", "BackorderPlan",
    "promise_dates", "backorder_notices", "availability_feed",
    # orchestration
    "ReorderPlanner", "ReorderPlan",
    "__version__",
}  # fmt: skip


def test_public_names_are_exactly_the_expected_ones():
    assert set(sof.__all__) == EXPECTED
    assert len(sof.__all__) == len(set(sof.__all__))


def test_every_public_name_resolves_and_has_a_docstring():
    for name in sof.__all__:
        obj = getattr(sof, name)
        if name != "__version__":
            assert (obj.__doc__ or "").strip(), f"{name} has no docstring"


def test_errors_are_value_errors():
    for err in (sof.SchemaError, sof.InsufficientHistoryError, sof.NotFittedError,
                sof.InfeasibleError):  # fmt: skip
        assert issubclass(err, ValueError)
