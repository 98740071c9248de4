"""Budget scenarios: the models, their figures, the comparison and the variants."""
from .comparison import (
    COMPARISON_ROWS, COUNT, MAX_COMPARED, MIN_COMPARED, MONEY, PERCENT, QUANTITY, ComparisonRow, ScenarioComparison,
    compare, parse_ids, scenarios_to_compare,
)
from .figures import (
    ScenarioTotals, YearFigures, coverage_rate, lines_of, listed_figures, overhead_amount,
    scenarios_with_figures, sql_money, totals_for,
)
from .models import (
    ASSOCIATION_OVERHEAD_RATE, COST_CATEGORIES, FUNDING_KINDS, FUNDING_STATUSES, OPERATORS,
    SCENARIO_STATUSES, UNITS, CostLine, FundingLine, Scenario,
)
from .variants import Adjustments, VariantPreview, duplicate_scenario, unique_scenario_name

__all__ = [
    "ASSOCIATION_OVERHEAD_RATE", "COMPARISON_ROWS", "COST_CATEGORIES", "COUNT", "FUNDING_KINDS", "MAX_COMPARED", "MIN_COMPARED",
    "FUNDING_STATUSES", "MONEY", "OPERATORS", "PERCENT", "QUANTITY", "SCENARIO_STATUSES", "UNITS",
    "Adjustments", "ComparisonRow", "CostLine", "FundingLine", "Scenario", "ScenarioComparison",
    "ScenarioTotals", "VariantPreview", "YearFigures", "compare", "coverage_rate",
    "duplicate_scenario", "lines_of", "listed_figures", "overhead_amount", "parse_ids",
    "scenarios_to_compare", "scenarios_with_figures", "sql_money", "totals_for",
    "unique_scenario_name",
]
