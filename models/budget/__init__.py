"""Budget scenarios: the models, their figures, the comparison and the variants."""
from .comparison import (
    COMPARISON_ROWS, COUNT, MAX_COMPARED, MIN_COMPARED, MONEY, PERCENT, QUANTITY, ComparisonRow, ScenarioComparison,
    compare, parse_ids, scenarios_to_compare,
)
from .cerfa import CerfaBudget, account_of
from .figures import (
    CASH_KINDS, SQL_FIGURES, FundingPlanYear, ScenarioTotals, YearFigures, coverage_rate,
    effective_overhead_rate, funding_amount, funding_status, is_cash, lines_of, overhead_amount,
    scenarios_with_figures, sql_figure, totals_for,
)
from .models import (
    ACCOUNTS, ASSOCIATION_OVERHEAD_RATE, CHARGE_ACCOUNTS, COST_CATEGORIES, DEFAULT_ACCOUNTS,
    FUNDER_KINDS, FUNDING_KINDS, FUNDING_STATUSES, INVESTMENT_ACCOUNT, OPERATORS, SCENARIO_STATUSES,
    UNITS, CostLine, FundingLine, FundingYear, Scenario,
)
from .variants import Adjustments, VariantPreview, duplicate_scenario, unique_scenario_name

__all__ = [
    "ACCOUNTS", "CHARGE_ACCOUNTS", "CerfaBudget", "DEFAULT_ACCOUNTS", "FUNDER_KINDS", "FundingPlanYear",
    "FundingYear", "INVESTMENT_ACCOUNT", "account_of", "funding_amount", "funding_status",
    "ASSOCIATION_OVERHEAD_RATE", "CASH_KINDS", "COMPARISON_ROWS", "COST_CATEGORIES", "COUNT", "FUNDING_KINDS", "MAX_COMPARED", "MIN_COMPARED",
    "FUNDING_STATUSES", "MONEY", "OPERATORS", "PERCENT", "QUANTITY", "SCENARIO_STATUSES", "SQL_FIGURES", "UNITS",
    "Adjustments", "ComparisonRow", "CostLine", "FundingLine", "Scenario", "ScenarioComparison",
    "ScenarioTotals", "VariantPreview", "YearFigures", "compare", "coverage_rate",
    "duplicate_scenario", "effective_overhead_rate", "is_cash", "lines_of", "overhead_amount",
    "parse_ids", "scenarios_to_compare", "scenarios_with_figures", "sql_figure", "totals_for",
    "unique_scenario_name",
]
