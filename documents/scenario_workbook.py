"""The committee workbook comparing 2 to 6 scenarios (xlsxwriter, no Flask).

A "Comparaison" sheet laid out like the panel's comparison page, where every
figure is a live formula over one sheet per scenario; each scenario sheet holds
its cost lines (amount = quantity × unit cost when both are known), its totals,
its multi-year projection and its funding lines, with the cash totals per
status (piste / sollicité / acquis) and in all. Cached values are the model's
own figures, so the file reads right even before a spreadsheet recalculates it.
"""
import datetime

from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell

from models.budget import (
    CASH_KINDS, COMPARISON_ROWS, COUNT, FUNDING_KINDS, FUNDING_STATUSES, MONEY, OPERATORS, PERCENT,
    QUANTITY,
)
from .spreadsheets import (
    KIND_FORMATS, Column, Formats, finish_table, open_workbook, set_properties, sheet_name,
    write_header, write_text,
)

TITLE = "Comparaison de scénarios budgétaires"
COMPARISON_SHEET = "Comparaison"
# kind of a figure → kind of a spreadsheet column (documents.spreadsheets.KIND_FORMATS).
SPREADSHEET_KINDS = {MONEY: "euro", QUANTITY: "number", PERCENT: "percent", COUNT: "integer"}
LINE_COLUMNS = [
    Column("Catégorie", "text", 22), Column("Désignation", "text", 55),
    Column("Quantité", "number", 10), Column("Unité", "text", 13),
    Column("Coût unitaire", "euro", 15), Column("Montant annuel", "euro", 16),
    Column("Ponctuel", "text", 16),
]
# Columns of a scenario sheet (0-based).
CATEGORY, DESIGNATION, QUANTITY_COL, UNIT, UNIT_COST, AMOUNT, ONE_OFF = range(7)
# Parameter cells of a scenario sheet: row → (label, attribute).
OVERHEAD_RATE_ROW, INDEXATION_ROW, START_YEAR_ROW, DURATION_ROW = 2, 3, 4, 5
LINES_HEADER_ROW = 7
YES, NO = "Oui", "Non"
KIND_LABELS, STATUS_LABELS = dict(FUNDING_KINDS), dict(FUNDING_STATUSES)
# The labels a funding line's "Nature" cell holds, cash (models.budget.CASH_KINDS) or in kind.
CASH_LABELS = [label for code, label in FUNDING_KINDS if code in CASH_KINDS]
IN_KIND_LABELS = [label for code, label in FUNDING_KINDS if code not in CASH_KINDS]
CASH_TOTAL_LABEL = "Total des financements (numéraire)"


def _number(value):
    """xlsxwriter writes floats: money stays a Decimal up to this point."""
    return float(value)


def _cached(value):
    return "" if value is None else _number(value)


def _abs(row, col):
    return xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)


def _print_setup(sheet, exported_on, header_row):
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(header_row)
    sheet.set_footer(f"&LExporté le {exported_on:%d/%m/%Y}&RPage &P sur &N")


class ScenarioSheet:
    """One scenario's sheet; `cells` maps each figure's key to its absolute cell."""

    def __init__(self, workbook, formats, totals, number, exported_on):
        self.totals = totals
        self.formats = formats
        self.name = sheet_name(f"{number}. {totals.scenario.name}")
        self.sheet = workbook.add_worksheet(self.name)
        self.cells = {}
        self.euro = formats.of("euro")
        self.percent = formats.of("percent")
        self._write_parameters()
        self._write_lines()
        self._write_totals()
        _print_setup(self.sheet, exported_on, LINES_HEADER_ROW)

    def ref(self, cell):
        return f"{quote_sheetname(self.name)}!{cell}"

    def _range(self, col):
        return f"{_abs(self.first_line, col)}:{_abs(self.last_line, col)}"

    def _write_parameters(self):
        scenario, sheet = self.totals.scenario, self.sheet
        write_text(sheet, 0, 0, scenario.name, self.formats.title)
        parameters = [
            (1, "Opérateur", dict(OPERATORS).get(scenario.operator), None),
            (OVERHEAD_RATE_ROW, "Frais de gestion (%)", self.totals.overhead_rate, self.percent),
            (INDEXATION_ROW, "Indexation annuelle (%)", self.totals.indexation_rate, self.percent),
            (START_YEAR_ROW, "Année de début", scenario.start_year, None),
            (DURATION_ROW, "Durée (années)", scenario.duration_years, None),
        ]
        for row, label, value, cell_format in parameters:
            sheet.write_string(row, 0, label, self.formats.bold)
            if isinstance(value, str):
                write_text(sheet, row, 1, value)
            else:
                sheet.write_number(row, 1, _number(value), cell_format)
        self.overhead_rate = _abs(OVERHEAD_RATE_ROW, 1)
        self.indexation_rate = _abs(INDEXATION_ROW, 1)

    def _write_lines(self):
        sheet = self.sheet
        write_header(sheet, LINE_COLUMNS, self.formats, LINES_HEADER_ROW)
        row = LINES_HEADER_ROW
        for line in self.totals.cost_lines:
            row += 1
            write_text(sheet, row, CATEGORY, line.category)
            write_text(sheet, row, DESIGNATION, line.designation)
            if line.quantity is not None:
                sheet.write_number(row, QUANTITY_COL, _number(line.quantity), self.formats.of("number"))
            write_text(sheet, row, UNIT, line.unit)
            if line.unit_cost is not None:
                sheet.write_number(row, UNIT_COST, _number(line.unit_cost), self.euro)
            if line.quantity is not None and line.unit_cost is not None:
                formula = (
                    f"=ROUND({xl_rowcol_to_cell(row, QUANTITY_COL)}"
                    f"*{xl_rowcol_to_cell(row, UNIT_COST)},2)"
                )
                sheet.write_formula(row, AMOUNT, formula, self.euro, _number(line.amount))
            else:
                sheet.write_number(row, AMOUNT, _number(line.amount), self.euro)
            sheet.write_string(row, ONE_OFF, YES if line.is_one_off else NO)
        finish_table(sheet, LINE_COLUMNS, LINES_HEADER_ROW, row)
        # An empty scenario sums over one blank row: every formula still gives 0.
        self.first_line, self.last_line = LINES_HEADER_ROW + 1, max(row, LINES_HEADER_ROW + 1)

    def _total(self, row, key, label, formula, kind=MONEY, value=None):
        """A bold total on `row`: `label`, then `formula` cached as `value`
        (by default the attribute `key` of the totals)."""
        total_format = self.formats.total_euro if kind == MONEY else self.formats.bold
        if kind == PERCENT:
            total_format = self.percent
        self.sheet.write_string(row, DESIGNATION, label, self.formats.total_label)
        if value is None:
            value = getattr(self.totals, key)
        self.sheet.write_formula(row, AMOUNT, formula, total_format, _cached(value))
        self.cells[key] = _abs(row, AMOUNT)

    def _write_totals(self):
        row = self.last_line + 2
        self.sheet.write_string(row, 0, "Totaux annuels", self.formats.bold)
        rows = {key: row + 1 + offset for offset, (key, _, _) in enumerate(COMPARISON_ROWS)}
        funding_end = self._write_funding(row + len(COMPARISON_ROWS) + 2)
        years = self._write_years(funding_end + 2, rows)
        cell = {key: xl_rowcol_to_cell(r, AMOUNT) for key, r in rows.items()}
        amounts, flags = self._range(AMOUNT), self._range(ONE_OFF)
        formulas = {
            "recurring": f'=SUMIF({flags},"{NO}",{amounts})',
            "one_off": f'=SUMIF({flags},"{YES}",{amounts})',
            "year_one": f"={cell['recurring']}+{cell['one_off']}",
            "overhead": f"=ROUND({cell['year_one']}*{self.overhead_rate}/100,2)",
            "total_with_overhead": f"={cell['year_one']}+{cell['overhead']}",
            "etp": f'=SUMIF({self._range(UNIT)},"ETP",{self._range(QUANTITY_COL)})',
            "acquired": self.funding_sum(CASH_LABELS, STATUS_LABELS["acquis"]),
            "coverage": (
                f'=IF({cell["total_with_overhead"]}=0,"",'
                f'ROUND({cell["acquired"]}/{cell["total_with_overhead"]}*100,2))'
            ),
            "gap": f"={cell['total_with_overhead']}-{cell['acquired']}",
            "in_kind": self.funding_sum(IN_KIND_LABELS),
            "duration_years": f"={_abs(DURATION_ROW, 1)}",
            "multi_year_total": f"=SUM({years[0]})",
            "multi_year_total_with_overhead": f"=SUM({years[1]})",
        }
        for key, label, kind in COMPARISON_ROWS:
            self._total(rows[key], key, label, formulas[key], kind)

    def funding_sum(self, kind_labels, status=None):
        """A formula adding the funding lines of these kinds (and of this status)."""
        condition = f',{self.funding_ranges[2]},"{status}"' if status else ""
        return "=" + "+".join(
            f'SUMIFS({self.funding_ranges[3]},{self.funding_ranges[0]},"{kind}"{condition})'
            for kind in kind_labels
        )

    def _block_header(self, row, title, headers):
        """A block's bold title on `row`, its (column, header) cells below; return that row."""
        self.sheet.write_string(row, 0, title, self.formats.bold)
        for col, text in headers:
            self.sheet.write_string(row + 1, col, text, self.formats.header)
        return row + 1

    def _write_funding(self, row):
        """Funding lines from `row`: Nature | Financeur | Statut | … | Montant."""
        sheet = self.sheet
        header = self._block_header(row, "Financements (montants annuels)", (
            (0, "Nature"), (DESIGNATION, "Financeur"), (QUANTITY_COL, "Statut"),
            (AMOUNT, "Montant annuel"),
        ))
        row = header
        for line in self.totals.funding_lines:
            row += 1
            write_text(sheet, row, 0, KIND_LABELS.get(line.kind, line.kind))
            write_text(sheet, row, DESIGNATION, line.funder)
            write_text(sheet, row, QUANTITY_COL, STATUS_LABELS.get(line.status, line.status))
            if line.amount is not None:
                sheet.write_number(row, AMOUNT, _number(line.amount), self.euro)
        last = max(row, header + 1)
        self.funding_ranges = [
            f"{_abs(header + 1, col)}:{_abs(last, col)}"
            for col in (0, DESIGNATION, QUANTITY_COL, AMOUNT)
        ]
        return self._write_funding_totals(last + 1)

    def _write_funding_totals(self, row):
        """Cash funding per status, then in all, from `row`; return the last row.

        Like the scenario's page: in-kind lines (mises à disposition) stay out,
        and the cash total counts every cash line, whatever its status.
        """
        by_status = self.totals.by_status
        for offset, (code, label) in enumerate(FUNDING_STATUSES):
            self._total(
                row + offset, ("funding_status", code), label,
                self.funding_sum(CASH_LABELS, label), value=by_status[code],
            )
        row += len(FUNDING_STATUSES)
        self._total(row, "cash_total", CASH_TOTAL_LABEL, self.funding_sum(CASH_LABELS))
        return row

    def _write_years(self, row, totals_rows):
        """The projection: year 1 = recurring + one-off, then recurring indexed."""
        sheet = self.sheet
        header = self._block_header(row, "Projection pluriannuelle", (
            (0, "Année"), (UNIT_COST, "Dépenses"), (AMOUNT, "Frais de gestion"),
            (ONE_OFF, "Total avec frais"),
        ))
        recurring = _abs(totals_rows["recurring"], AMOUNT)
        one_off = _abs(totals_rows["one_off"], AMOUNT)
        for year in self.totals.years:
            r = header + year.number
            sheet.write_formula(r, 0, f"={_abs(START_YEAR_ROW, 1)}+{year.number - 1}", None, year.year)
            cost = f"=ROUND({recurring}*(1+{self.indexation_rate}/100)^{year.number - 1},2)"
            if year.number == 1:
                cost += f"+{one_off}"
            sheet.write_formula(r, UNIT_COST, cost, self.euro, _number(year.cost))
            sheet.write_formula(
                r, AMOUNT, f"=ROUND({xl_rowcol_to_cell(r, UNIT_COST)}*{self.overhead_rate}/100,2)",
                self.euro, _number(year.overhead),
            )
            sheet.write_formula(
                r, ONE_OFF, f"={xl_rowcol_to_cell(r, UNIT_COST)}+{xl_rowcol_to_cell(r, AMOUNT)}",
                self.euro, _number(year.total_with_overhead),
            )
        last = header + max(len(self.totals.years), 1)
        return [
            f"{xl_rowcol_to_cell(header + 1, col)}:{xl_rowcol_to_cell(last, col)}"
            for col in (UNIT_COST, ONE_OFF)
        ]

    def category_formula(self, label_cell):
        return (
            f"=SUMIF({self.ref(self._range(CATEGORY))},{label_cell},"
            f"{self.ref(self._range(AMOUNT))})"
        )


class ComparisonSheet:
    """Figures as rows, scenarios as columns, then the differences with the first."""

    HEADER_ROW = 3

    def __init__(self, workbook, sheet, formats, comparison, sheets, author, exported_on):
        self.workbook, self.formats, self.comparison, self.sheets = workbook, formats, comparison, sheets
        self.sheet = sheet
        self.count = len(sheets)
        self.number_formats = {
            kind: formats.of(column_kind) for kind, column_kind in SPREADSHEET_KINDS.items()
        }
        self.bold_formats = {
            kind: workbook.add_format({"num_format": KIND_FORMATS[column_kind], "bold": True, "top": 1})
            for kind, column_kind in SPREADSHEET_KINDS.items()
        }
        self.percent = self.number_formats[PERCENT]
        write_text(self.sheet, 0, 0, TITLE, formats.title)
        write_text(self.sheet, 1, 0, (
            f"Exporté le {exported_on:%d/%m/%Y} par {author} — montants annuels en euros ; "
            "écarts calculés par rapport au premier scénario."
        ), formats.subtitle)
        self._write_header()
        self._write_rows()
        self._insert_chart()
        _print_setup(self.sheet, exported_on, self.HEADER_ROW)

    def _difference_columns(self, index):
        """The € and % columns of the difference of scenario `index` (≥ 1) with the first."""
        first = 1 + self.count + 2 * (index - 1)
        return first, first + 1

    def _write_header(self):
        sheet, header = self.sheet, self.formats.header
        sheet.set_column(0, 0, 42)
        sheet.write_string(self.HEADER_ROW, 0, "Poste", header)
        base = self.sheets[0].totals.scenario.name
        for index, scenario_sheet in enumerate(self.sheets):
            sheet.set_column(1 + index, 1 + index, 20)
            write_text(sheet, self.HEADER_ROW, 1 + index, scenario_sheet.totals.scenario.name, header)
            if index:
                euros, percent = self._difference_columns(index)
                sheet.set_column(euros, percent, 16)
                write_text(sheet, self.HEADER_ROW, euros, f"Écart {index + 1} / 1 (€)", header)
                write_text(sheet, self.HEADER_ROW, percent, f"Écart {index + 1} / 1 (%)", header)
        sheet.set_row(self.HEADER_ROW, 45)
        sheet.freeze_panes(self.HEADER_ROW + 1, 1)
        write_text(sheet, 2, 0, f"Scénario de référence (1) : {base}", self.formats.bold)

    def _write_rows(self):
        sheet = self.sheet
        row = self.HEADER_ROW
        self.first_category_row = row + 1
        for comparison_row in self.comparison.rows:
            row += 1
            is_category = comparison_row.category is not None
            kind = comparison_row.kind
            label_format = None if is_category else self.formats.total_label
            write_text(sheet, row, 0, comparison_row.label, label_format)
            value_format = self.number_formats[kind] if is_category else self.bold_formats[kind]
            for index, (scenario_sheet, value) in enumerate(zip(self.sheets, comparison_row.values)):
                if is_category:
                    formula = scenario_sheet.category_formula(_abs(row, 0))
                else:
                    formula = f"={scenario_sheet.ref(scenario_sheet.cells[comparison_row.key])}"
                sheet.write_formula(row, 1 + index, formula, value_format, _cached(value))
            self._write_differences(row, comparison_row)
            if is_category:
                self.last_category_row = row
        self.last_row = row

    def _write_differences(self, row, comparison_row):
        first = xl_rowcol_to_cell(row, 1, col_abs=True)
        kind = comparison_row.kind
        for index, (change, percent) in enumerate(comparison_row.differences, start=1):
            euros_col, percent_col = self._difference_columns(index)
            other = xl_rowcol_to_cell(row, 1 + index)
            if kind == PERCENT:  # coverage: a difference in points, blank without a cost
                formula = f'=IF(OR({first}="",{other}=""),"",{other}-{first})'
            else:
                formula = f"={other}-{first}"
            self.sheet.write_formula(row, euros_col, formula, self.number_formats[kind], _cached(change))
            if kind in (MONEY, QUANTITY):
                self.sheet.write_formula(
                    row, percent_col, f'=IF({first}=0,"",({other}-{first})/{first}*100)',
                    self.percent, _cached(percent),
                )

    def _insert_chart(self):
        if not self.comparison.categories:
            return
        chart = self.workbook.add_chart({"type": "bar"})
        for index, scenario_sheet in enumerate(self.sheets):
            chart.add_series({
                "name": [COMPARISON_SHEET, self.HEADER_ROW, 1 + index],
                "categories": [COMPARISON_SHEET, self.first_category_row, 0, self.last_category_row, 0],
                "values": [COMPARISON_SHEET, self.first_category_row, 1 + index,
                           self.last_category_row, 1 + index],
                "gap": 80,
            })
        chart.set_title({"name": "Montants annuels par catégorie"})
        chart.set_x_axis({"num_format": '#,##0 "€"', "major_gridlines": {"visible": True}})
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 900, "height": 120 + 60 * len(self.comparison.categories)})
        self.sheet.insert_chart(self.last_row + 2, 0, chart)


def write_comparison_workbook(target, comparison, author, exported_on=None):
    """Write the workbook of `comparison` (a models.budget.ScenarioComparison)
    to a path or a binary file object."""
    exported_on = exported_on or datetime.date.today()
    workbook = open_workbook(target, constant_memory=False)
    formats = Formats(workbook)
    set_properties(
        workbook, TITLE, author=author,
        comments="Scénarios : " + " ; ".join(s.name for s in comparison.scenarios),
    )
    add_comparison_sheets(workbook, formats, comparison, author, exported_on)
    workbook.close()
    return target


def add_comparison_sheets(workbook, formats, comparison, author, exported_on):
    """The comparison sheet, then one sheet per scenario: the one builder of the
    scenario workbook, the CLI's and the committee pack's."""
    first_sheet = workbook.add_worksheet(COMPARISON_SHEET)
    sheets = [
        ScenarioSheet(workbook, formats, totals, number, exported_on)
        for number, totals in enumerate(comparison.totals, start=1)
    ]
    ComparisonSheet(workbook, first_sheet, formats, comparison, sheets, author, exported_on)
