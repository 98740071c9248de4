"""The budget as French funders read it, for each scenario of the workbook:

- « BP » sheet: the scenario's first year as the budget prévisionnel of the CERFA
  n° 12156 form: charges by account beside produits (74 by kind of funder, each
  funder on its line), the contributions volontaires en nature (86 = 87) under them,
  and the start-up investment apart (not a charge of the operating budget);
- « Plan » sheet: the funding plan year by year: costs, each funding line's amount
  and status, subtotals per kind of funder and per status, and what is left to find.

Figures come from models.budget (CerfaBudget, ScenarioTotals.funding_years), written
as live formulas (SUM, SUMIF, ROUND) cached with the model's values, so LibreOffice
and Excel recompute what a reader changes.
"""
from xlsxwriter.utility import xl_rowcol_to_cell

from models.budget import (
    CHARGE_ACCOUNTS, FUNDER_KINDS, FUNDING_KINDS, FUNDING_STATUSES, CerfaBudget, funding_amount,
)
from models.budget.cerfa import (
    CONTRIBUTIONS, EMPLOYMENTS, IN_KIND, INDIRECT_CHARGES, INVESTMENT, OTHER_PRODUCTS, OVERHEAD_LABEL,
    SUBSIDIES, SUBSIDY_HEADINGS, SURPLUS_LABEL, TO_FIND_LABEL,
)
from .spreadsheets import print_setup, sheet_name, write_text

STATUS_LABELS, FUNDER_KIND_LABELS = dict(FUNDING_STATUSES), dict(FUNDER_KINDS)
KIND_LABELS = dict(FUNDING_KINDS)
TOTAL_CHARGES, TOTAL_PRODUCTS = "TOTAL DES CHARGES", "TOTAL DES PRODUITS"
TOTAL_IN_KIND = "TOTAL"
INVESTMENT_NOTE = (
    "L'investissement figure au bilan (comptes 21), pas dans les charges de l'année : "
    "seul son amortissement (compte 68) en serait une."
)
# Columns of the BP sheet: charges (label, amount), a gutter, produits (label, status, amount).
C_LABEL, C_AMOUNT, P_LABEL, P_STATUS, P_AMOUNT = 0, 1, 3, 4, 5
# Rows of the plan sheet's parameters (label in A, value in B).
RECURRING_ROW, ONE_OFF_ROW, INDEXATION_ROW, OVERHEAD_ROW = 2, 3, 4, 5
PLAN_HEADER_ROW = 7
PLAN_FIRST_YEAR_COL = 3
COSTS_LABEL, OVERHEAD_COST_LABEL, TOTAL_COSTS_LABEL = "Dépenses", "Frais de gestion", "Total des dépenses"
FUNDING_TOTAL_LABEL = "Total des financements (numéraire)"
GAP_LABEL = "Reste à financer (total des dépenses − acquis)"


def _n(value):
    return float(value)


def _cell(row, col, absolute=False):
    return xl_rowcol_to_cell(row, col, row_abs=absolute, col_abs=absolute)


def _sum(cells):
    return "=" + ("+".join(cells) if cells else "0")


def _span(first_row, last_row, col):
    return f"{_cell(first_row, col, True)}:{_cell(last_row, col, True)}"


class _Sheet:
    def __init__(self, workbook, formats, name, header_row):
        self.formats, self.sheet, self.name = formats, workbook.add_worksheet(sheet_name(name)), sheet_name(name)
        self.euro = formats.of("euro")
        self.detail = workbook.add_format({"indent": 1, "text_wrap": True, "valign": "top"})
        self.heading = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        self.heading_euro = workbook.add_format({"bold": True, "num_format": formats.of("euro").num_format})
        # A4 landscape, one page wide, the header row on each page, the workbook's footer.
        print_setup(self.sheet, formats, header_row=header_row, landscape=True)

    def money(self, row, col, formula_or_value, cached, cell_format=None):
        cell_format = cell_format or self.euro
        if isinstance(formula_or_value, str):
            self.sheet.write_formula(row, col, formula_or_value, cell_format, _n(cached))
        else:
            self.sheet.write_number(row, col, _n(formula_or_value), cell_format)
        return _cell(row, col)


class CerfaSheet(_Sheet):
    """The CERFA 12156 budget prévisionnel of one scenario's first year."""

    HEADER_ROW = 4

    def __init__(self, workbook, formats, budget, name):
        super().__init__(workbook, formats, name, self.HEADER_ROW)
        self.budget = budget
        scenario, sheet = budget.totals.scenario, self.sheet
        for col, width in ((C_LABEL, 50), (C_AMOUNT, 15), (2, 2), (P_LABEL, 50), (P_STATUS, 11), (P_AMOUNT, 15)):
            sheet.set_column(col, col, width)
        write_text(sheet, 0, 0, f"Budget prévisionnel — {scenario.name}", formats.title)
        write_text(sheet, 1, 0, (
            f"Exercice {budget.year} (première année du scénario), présenté comme le formulaire "
            "CERFA n° 12156. Montants en euros."), formats.subtitle)
        sheet.write_string(2, 0, "Frais de gestion de l'opérateur (%)", formats.bold)
        sheet.write_number(2, 1, _n(budget.totals.overhead_rate), formats.of("number"))
        self.rate = _cell(2, 1, True)
        header = self.HEADER_ROW
        for col, text in ((C_LABEL, "CHARGES"), (C_AMOUNT, "Montant"), (P_LABEL, "PRODUITS"),
                          (P_STATUS, "Statut"), (P_AMOUNT, "Montant")):
            sheet.write_string(header, col, text, formats.header)
        charges_end, charge_headings, overhead_row = self._charges(header + 1)
        products_end, product_headings = self._products(header + 1)
        totals_row = max(charges_end, products_end) + 1
        self.cells = {}
        charges = "+".join(charge_headings)
        products = "+".join(product_headings)
        # Balance: the surplus on the charges' side, what is left to find on the produits'.
        surplus_row, to_find_row = totals_row - 1, totals_row - 1
        write_text(sheet, surplus_row, C_LABEL, SURPLUS_LABEL, self.heading)
        self.money(surplus_row, C_AMOUNT, f"=MAX(0,({products})-({charges}))", budget.surplus, self.heading_euro)
        write_text(sheet, to_find_row, P_LABEL, TO_FIND_LABEL, self.heading)
        self.money(to_find_row, P_AMOUNT, f"=MAX(0,({charges})-({products}))", budget.to_find, self.heading_euro)
        write_text(sheet, totals_row, C_LABEL, TOTAL_CHARGES, formats.total_label)
        self.cells["charges"] = self.money(
            totals_row, C_AMOUNT, f"={charges}+{_cell(surplus_row, C_AMOUNT)}", budget.total_charges,
            formats.total_euro)
        write_text(sheet, totals_row, P_LABEL, TOTAL_PRODUCTS, formats.total_label)
        self.cells["products"] = self.money(
            totals_row, P_AMOUNT, f"={products}+{_cell(to_find_row, P_AMOUNT)}", budget.total_products,
            formats.total_euro)
        in_kind_end = self._in_kind(totals_row + 2)
        self._investment(in_kind_end + 2, overhead_row)

    def _block(self, row, label, lines, label_col, amount_col, status_col=None, cached=None):
        """A heading with its SUM over the detail lines below it; return (next row, heading cell)."""
        write_text(self.sheet, row, label_col, label, self.heading)
        first = row + 1
        for offset, line in enumerate(lines):
            write_text(self.sheet, first + offset, label_col, line.label, self.detail)
            if status_col is not None and line.status:
                write_text(self.sheet, first + offset, status_col, STATUS_LABELS.get(line.status, line.status))
            self.money(first + offset, amount_col, line.amount, line.amount)
        formula = f"=SUM({_span(first, first + len(lines) - 1, amount_col)})" if lines else "=0"
        total = cached if cached is not None else sum((line.amount for line in lines), 0)
        heading = self.money(row, amount_col, formula, total, self.heading_euro)
        return first + len(lines), heading

    def _charges(self, row):
        headings, self.account_rows = [], []
        for account, label in CHARGE_ACCOUNTS:
            self.account_rows.append(row)
            row, heading = self._block(row, label, self.budget.charges[account], C_LABEL, C_AMOUNT)
            headings.append(heading)
        write_text(self.sheet, row, C_LABEL, INDIRECT_CHARGES, self.heading)
        overhead_row = row + 1
        write_text(self.sheet, overhead_row, C_LABEL, OVERHEAD_LABEL, self.detail)
        self.money(row, C_AMOUNT, f"={_cell(overhead_row, C_AMOUNT)}", self.budget.overhead, self.heading_euro)
        headings.append(_cell(row, C_AMOUNT))
        return overhead_row + 1, headings, overhead_row

    def _products(self, row):
        headings = []
        other = dict(OTHER_PRODUCTS)
        row, heading = self._block(row, other["70"], [], P_LABEL, P_AMOUNT)
        headings.append(heading)
        subsidies_row, kind_cells = row, []
        write_text(self.sheet, row, P_LABEL, SUBSIDIES[1], self.heading)
        row += 1
        for kind, label in SUBSIDY_HEADINGS.items():
            row, cell = self._block(row, label, self.budget.subsidies[kind], P_LABEL, P_AMOUNT, P_STATUS)
            kind_cells.append(cell)
        headings.append(self.money(subsidies_row, P_AMOUNT, _sum(kind_cells), self.budget.subsidies_total,
                                   self.heading_euro))
        for account, label in OTHER_PRODUCTS[1:]:
            row, heading = self._block(row, label, [], P_LABEL, P_AMOUNT)
            headings.append(heading)
        return row, headings

    def _in_kind(self, row):
        """86 (how the contributions are used) beside 87 (who gives them), line for line."""
        sheet, budget = self.sheet, self.budget
        write_text(sheet, row, C_LABEL, EMPLOYMENTS, self.heading)
        write_text(sheet, row, P_LABEL, CONTRIBUTIONS, self.heading)
        heading_row, subs = row, ([], [])
        row += 1
        for kind, (employment, contribution) in IN_KIND.items():
            lines = budget.in_kind.get(kind, [])
            write_text(sheet, row, C_LABEL, employment, self.heading)
            write_text(sheet, row, P_LABEL, contribution, self.heading)
            first = row + 1
            for offset, line in enumerate(lines):
                r = first + offset
                write_text(sheet, r, C_LABEL, line.label, self.detail)
                self.money(r, C_AMOUNT, line.amount, line.amount)
                write_text(sheet, r, P_LABEL, line.label, self.detail)
                write_text(sheet, r, P_STATUS, STATUS_LABELS.get(line.status, line.status))
                self.money(r, P_AMOUNT, f"={_cell(r, C_AMOUNT)}", line.amount)
            total = sum((line.amount for line in lines), 0)
            for col, cells in ((C_AMOUNT, subs[0]), (P_AMOUNT, subs[1])):
                formula = f"=SUM({_span(first, first + len(lines) - 1, col)})" if lines else "=0"
                cells.append(self.money(row, col, formula, total, self.heading_euro))
            row = first + len(lines)
        self.money(heading_row, C_AMOUNT, _sum(subs[0]), budget.in_kind_total, self.heading_euro)
        self.money(heading_row, P_AMOUNT, _sum(subs[1]), budget.in_kind_total, self.heading_euro)
        write_text(sheet, row, C_LABEL, f"{TOTAL_IN_KIND} 86", self.formats.total_label)
        write_text(sheet, row, P_LABEL, f"{TOTAL_IN_KIND} 87", self.formats.total_label)
        self.cells["86"] = self.money(row, C_AMOUNT, f"={_cell(heading_row, C_AMOUNT)}", budget.in_kind_total,
                                      self.formats.total_euro)
        self.cells["87"] = self.money(row, P_AMOUNT, f"={_cell(heading_row, P_AMOUNT)}", budget.in_kind_total,
                                      self.formats.total_euro)
        return row

    def _investment(self, row, overhead_row):
        sheet, budget = self.sheet, self.budget
        end, heading = self._block(row, INVESTMENT, budget.investment, C_LABEL, C_AMOUNT)
        self.cells["investment"] = heading
        write_text(sheet, end, C_LABEL, INVESTMENT_NOTE, self.formats.subtitle)
        # The operator's overhead: rate × the year's whole budget, investment included
        # (models.budget.figures: overhead of year one).
        direct = "+".join(_cell(r, C_AMOUNT) for r in self.account_rows)
        self.money(overhead_row, C_AMOUNT, f"=ROUND(({direct}+{heading})*{self.rate}/100,2)",
                   budget.overhead)


class FundingPlanSheet(_Sheet):
    """Year by year: costs, each funding line and its status, subtotals, the gap."""

    def __init__(self, workbook, formats, totals, name):
        super().__init__(workbook, formats, name, PLAN_HEADER_ROW)
        self.totals = totals
        sheet, years = self.sheet, totals.funding_years
        self.years = years
        self.total_col = PLAN_FIRST_YEAR_COL + len(years)
        sheet.set_column(0, 0, 46)
        sheet.set_column(1, 1, 24)
        sheet.set_column(2, 2, 11)
        sheet.set_column(PLAN_FIRST_YEAR_COL, self.total_col, 14)
        write_text(sheet, 0, 0, f"Plan de financement — {totals.scenario.name}", formats.title)
        write_text(sheet, 1, 0, (
            "Dépenses, financements par financeur et statut, et reste à financer, année par année. "
            "Montants en euros ; un montant d'année remplace le montant annuel de la ligne."), formats.subtitle)
        for row, label, value, kind in (
            (RECURRING_ROW, "Dépenses récurrentes (année 1)", totals.recurring, "euro"),
            (ONE_OFF_ROW, "Dépenses ponctuelles, investissement (année 1)", totals.one_off, "euro"),
            (INDEXATION_ROW, "Indexation annuelle (%)", totals.indexation_rate, "number"),
            (OVERHEAD_ROW, "Frais de gestion (%)", totals.overhead_rate, "number"),
        ):
            sheet.write_string(row, 0, label, formats.bold)
            sheet.write_number(row, 1, _n(value), formats.of(kind))
        headers = ["Poste / financeur", "Type de financeur", "Statut"] + [str(y.year) for y in years] + ["Total"]
        for col, text in enumerate(headers):
            sheet.write_string(PLAN_HEADER_ROW, col, text, formats.header)
        sheet.freeze_panes(PLAN_HEADER_ROW + 1, 1)
        self.cells = {}
        row = self._costs(PLAN_HEADER_ROW + 1)
        self._funding(row + 1)

    def _year_col(self, number):
        return PLAN_FIRST_YEAR_COL + number - 1

    def _row(self, row, label, values, formulas, cell_format=None, label_format=None):
        """A row of per-year figures and their total."""
        write_text(self.sheet, row, 0, label, label_format)
        for year, formula, value in zip(self.years, formulas, values):
            self.money(row, self._year_col(year.number), formula, value, cell_format)
        first, last = _cell(row, PLAN_FIRST_YEAR_COL), _cell(row, self.total_col - 1)
        self.money(row, self.total_col, f"=SUM({first}:{last})", sum(values, 0), cell_format)

    def _costs(self, row):
        recurring, one_off = _cell(RECURRING_ROW, 1, True), _cell(ONE_OFF_ROW, 1, True)
        indexation, rate = _cell(INDEXATION_ROW, 1, True), _cell(OVERHEAD_ROW, 1, True)
        costs = []
        for year in self.years:
            formula = f"=ROUND({recurring}*(1+{indexation}/100)^{year.number - 1},2)"
            costs.append(formula + (f"+{one_off}" if year.number == 1 else ""))
        self._row(row, COSTS_LABEL, [y.figures.cost for y in self.years], costs)
        overhead = [f"=ROUND({_cell(row, self._year_col(y.number))}*{rate}/100,2)" for y in self.years]
        self._row(row + 1, OVERHEAD_COST_LABEL, [y.figures.overhead for y in self.years], overhead)
        total = [f"={_cell(row, self._year_col(y.number))}+{_cell(row + 1, self._year_col(y.number))}"
                 for y in self.years]
        self._row(row + 2, TOTAL_COSTS_LABEL, [y.cost for y in self.years], total,
                  self.formats.total_euro, self.formats.total_label)
        self.cells["costs"] = row + 2
        return row + 3

    def _line_rows(self):
        """(funder, kind label, status, {year: amount}) per funding line and status, in entry order."""
        rows = []
        for index, line in enumerate(self.totals.cash_lines):
            by_status = {}
            for year in self.years:
                _, amount, status = year.lines[index]
                by_status.setdefault(status, {})[year.year] = amount
            for status, amounts in by_status.items():
                rows.append((line.funder, FUNDER_KIND_LABELS.get(line.funder_kind, ""), status, amounts))
        return rows

    def _funding(self, row):
        sheet, formats = self.sheet, self.formats
        write_text(sheet, row, 0, "Financements (numéraire)", formats.bold)
        first = row + 1
        lines = self._line_rows()
        for offset, (funder, kind, status, amounts) in enumerate(lines):
            r = first + offset
            write_text(sheet, r, 1, kind)
            write_text(sheet, r, 2, STATUS_LABELS.get(status, status))
            values = [amounts.get(y.year, 0) for y in self.years]
            self._row(r, funder, values, values, label_format=self.detail)
        last = max(first + len(lines) - 1, first)
        row = first + max(len(lines), 1) + 1

        def sumif(col, label, year_col):
            return f'=SUMIF({_span(first, last, col)},"{label}",{_span(first, last, year_col)})'

        write_text(sheet, row, 0, "Par type de financeur", formats.bold)
        row += 1
        for code, label in FUNDER_KINDS:
            values = [y.by_funder_kind[code]["total"] for y in self.years]
            self._row(row, label, values,
                      [sumif(1, label, self._year_col(y.number)) for y in self.years], label_format=self.detail)
            row += 1
        write_text(sheet, row, 0, "Par statut", formats.bold)
        row += 1
        for code, label in FUNDING_STATUSES:
            values = [y.by_status[code] for y in self.years]
            self._row(row, label, values,
                      [sumif(2, label, self._year_col(y.number)) for y in self.years], label_format=self.detail)
            self.cells[code] = row
            row += 1
        self._row(row, FUNDING_TOTAL_LABEL, [y.cash_total for y in self.years],
                  [f"=SUM({_span(first, last, self._year_col(y.number))})" for y in self.years],
                  formats.total_euro, formats.total_label)
        self.cells["cash_total"] = row
        row += 1
        costs, acquired = self.cells["costs"], self.cells["acquis"]
        self._row(row, GAP_LABEL, [y.gap for y in self.years], [
            f"={_cell(costs, self._year_col(y.number))}-{_cell(acquired, self._year_col(y.number))}"
            for y in self.years], formats.total_euro, formats.total_label)
        self.cells["gap"] = row
        self._in_kind(row + 2)

    def _in_kind(self, row):
        lines = self.totals.in_kind_lines
        write_text(self.sheet, row, 0, "Contributions en nature (valorisées, hors financements)", self.formats.bold)
        for offset, line in enumerate(lines, start=1):
            write_text(self.sheet, row + offset, 1, KIND_LABELS.get(line.kind, line.kind))
            values = [funding_amount(line, y.year) for y in self.years]
            self._row(row + offset, line.funder, values, values, label_format=self.detail)


def add_budget_sheets(workbook, formats, all_totals, exported_on=None):
    """After the scenario sheets: for each scenario (ScenarioTotals), its CERFA
    budget prévisionnel and its funding plan year by year, the tabs named
    « N. BP … » and « N. Plan … » with what tells the scenarios apart. (`exported_on`:
    the footer's date is the formats' day, as on every sheet of the workbook.)"""
    from .scenario_workbook import scenario_sheet_names  # it imports this module

    names = scenario_sheet_names([totals.scenario.name for totals in all_totals])
    sheets = []
    for totals, name in zip(all_totals, names):
        number, short = name.split(". ", 1)
        sheets.append((
            CerfaSheet(workbook, formats, CerfaBudget(totals), f"{number}. BP {short}"),
            FundingPlanSheet(workbook, formats, totals, f"{number}. Plan {short}"),
        ))
    return sheets
