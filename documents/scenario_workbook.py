"""The committee workbook comparing 2 to 6 scenarios (xlsxwriter, no Flask).

A "Comparaison" sheet laid out like the panel's comparison page, where every
figure is a live formula over one sheet per scenario; each scenario sheet holds
its cost lines (amount = quantity × unit cost when both are known), its totals,
its multi-year projection and its funding lines, with the cash totals per
status (piste / sollicité / acquis) and in all. Cached values are the model's
own figures, so the file reads right even before a spreadsheet recalculates it.
"""
import datetime
import re

from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell

from models.budget import (
    CASH_KINDS, COMPARISON_ROWS, COUNT, FUNDING_KINDS, FUNDING_STATUSES, MONEY, OPERATORS, PERCENT,
    QUANTITY,
)
from models.budget.figures import funding_amount, funding_status, years_of
from .cerfa import add_budget_sheets
from .spreadsheets import (
    KIND_FORMATS, LINE_HEIGHT, SHEET_NAME_FORBIDDEN, SHEET_NAME_MAX, Column, Formats, finish_table, open_workbook, print_setup,
    set_properties, sheet_name, text_lines, write_header, write_text,
)

TITLE = "Comparaison de scénarios budgétaires"
COMPARISON_SHEET = "Comparaison"
CHART_SHEET = "Graphique"
# kind of a figure → kind of a spreadsheet column (documents.spreadsheets.KIND_FORMATS):
# percentages are stored as fractions (0.15) shown with a percent format (15,00 %).
SPREADSHEET_KINDS = {MONEY: "euro", QUANTITY: "number", PERCENT: "fraction", COUNT: "integer"}
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


def _fraction(value):
    """A rate the models give in % (15.00) as the fraction a percent format shows (0.15)."""
    return "" if value is None else _number(value) / 100


def scenario_sheet_names(names):
    """'N. name' cut at a word (with '…') to Excel's 31 characters. Long names
    sharing their first part (« ISCG Doubs 2023–2025 — France Victimes 25
    Besançon » / « … Nord Franche-Comté ») keep what tells them apart: the
    part after the last « — »."""
    result = []
    texts = [SHEET_NAME_FORBIDDEN.sub(" ", name or "").strip().strip("'") or "Scénario"
             for name in names]
    tails = [text.rsplit(" — ", 1)[-1] for text in texts]
    for number, (text, tail) in enumerate(zip(texts, tails), start=1):
        prefix = f"{number}. "
        if len(prefix + text) > SHEET_NAME_MAX and " — " in text and tails.count(tail) == 1:
            text = tail
        if len(prefix + text) > SHEET_NAME_MAX:
            room = SHEET_NAME_MAX - len(prefix) - 1
            cut = text[:room + 1]
            cut = cut[:cut.rfind(" ")] if " " in cut[1:] else cut[:room]
            text = re.sub(r"[\s—–(,;:+-]+$", "", cut) + "…"
        result.append(sheet_name(prefix + text))
    return result


def _abs(row, col):
    return xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)


class ScenarioSheet:
    """One scenario's sheet; `cells` maps each figure's key to its absolute cell."""

    def __init__(self, workbook, formats, totals, name, exported_on):
        self.totals = totals
        self.formats = formats
        self.name = name
        self.sheet = workbook.add_worksheet(self.name)
        self.cells = {}
        self.euro = formats.of("euro")
        self.percent = formats.of("fraction")
        self._write_parameters()
        self._write_lines()
        self._write_totals()
        # Blocks with different columns follow one another (lines, totals, funding,
        # projection): no header repeated over them, the whole sheet on one page.
        print_setup(self.sheet, formats, landscape=True, fit_height=1)

    def ref(self, cell):
        return f"{quote_sheetname(self.name)}!{cell}"

    def _range(self, col):
        return f"{_abs(self.first_line, col)}:{_abs(self.last_line, col)}"

    def _write_parameters(self):
        scenario, sheet = self.totals.scenario, self.sheet
        write_text(sheet, 0, 0, scenario.name, self.formats.title)
        parameters = [
            (1, "Opérateur", dict(OPERATORS).get(scenario.operator), None),
            (OVERHEAD_RATE_ROW, "Frais de gestion", _fraction(self.totals.overhead_rate), self.percent),
            (INDEXATION_ROW, "Indexation annuelle", _fraction(self.totals.indexation_rate), self.percent),
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
        sheet.write_string(LINES_HEADER_ROW - 1, 0, "Lignes budgétaires", self.formats.bold)
        # An empty scenario sums over one blank row: every formula still gives 0.
        self.first_line, self.last_line = LINES_HEADER_ROW + 1, max(row, LINES_HEADER_ROW + 1)

    def _total(self, row, key, label, formula, kind=MONEY, value=None):
        """A bold total on `row`: `label`, then `formula` cached as `value`
        (by default the attribute `key` of the totals)."""
        total_format = self.formats.total_euro if kind == MONEY else self.formats.bold
        if value is None:
            value = getattr(self.totals, key)
        cached = _cached(value)
        if kind == PERCENT:
            total_format, cached = self.percent, _fraction(value)
        self.sheet.write_string(row, DESIGNATION, label, self.formats.total_label)
        self.sheet.write_formula(row, AMOUNT, formula, total_format, cached)
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
            "overhead": f"=ROUND({cell['year_one']}*{self.overhead_rate},2)",
            "total_with_overhead": f"={cell['year_one']}+{cell['overhead']}",
            "etp": f'=SUMIF({self._range(UNIT)},"ETP",{self._range(QUANTITY_COL)})',
            "acquired": self.funding_sum(CASH_LABELS, STATUS_LABELS["acquis"]),
            "coverage": (
                f'=IF({cell["total_with_overhead"]}=0,"",'
                f'ROUND({cell["acquired"]}/{cell["total_with_overhead"]},4))'
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
        header = self._block_header(row, f"Financements (montants de {self.totals.first_year})", (
            (0, "Nature"), (DESIGNATION, "Financeur"), (QUANTITY_COL, "Statut"),
            (AMOUNT, "Montant annuel"),
        ))
        row = header
        year = self.totals.first_year  # a line's own amount that year, if any (issue 11)
        for line in self.totals.funding_lines:
            row += 1
            status = funding_status(line, year)
            write_text(sheet, row, 0, KIND_LABELS.get(line.kind, line.kind))
            write_text(sheet, row, DESIGNATION, line.funder)
            write_text(sheet, row, QUANTITY_COL, STATUS_LABELS.get(status, status))
            if line.amount is not None or year in years_of(line):
                sheet.write_number(row, AMOUNT, _number(funding_amount(line, year)), self.euro)
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
            cost = f"=ROUND({recurring}*(1+{self.indexation_rate})^{year.number - 1},2)"
            if year.number == 1:
                cost += f"+{one_off}"
            sheet.write_formula(r, UNIT_COST, cost, self.euro, _number(year.cost))
            sheet.write_formula(
                r, AMOUNT, f"=ROUND({xl_rowcol_to_cell(r, UNIT_COST)}*{self.overhead_rate},2)",
                self.euro, _number(year.overhead),
            )
            sheet.write_formula(
                r, ONE_OFF, f"={xl_rowcol_to_cell(r, UNIT_COST)}+{xl_rowcol_to_cell(r, AMOUNT)}",
                self.euro, _number(year.total_with_overhead),
            )
        last = header + max(len(self.totals.years), 1)
        # Year → its "total avec frais" cell: the comparison's year-by-year columns.
        self.year_cells = {
            year.year: _abs(header + year.number, ONE_OFF) for year in self.totals.years
        }
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
    """Figures as rows, scenarios as columns, then the differences with the first,
    then each calendar year's total; the chart on a sheet of its own."""

    HEADER_ROW = 4
    YEAR_ROWS = (("start", "Année de début"), ("end", "Année de fin"))

    def __init__(self, workbook, sheet, formats, comparison, sheets, author, exported_on):
        self.workbook, self.formats, self.comparison, self.sheets = workbook, formats, comparison, sheets
        self.sheet = sheet
        self.name = COMPARISON_SHEET
        self.count = len(sheets)
        self.number_formats = {
            kind: formats.of(column_kind) for kind, column_kind in SPREADSHEET_KINDS.items()
        }
        self.bold_formats = {
            kind: workbook.add_format({"num_format": KIND_FORMATS[column_kind], "bold": True, "top": 1})
            for kind, column_kind in SPREADSHEET_KINDS.items()
        }
        self.percent = self.number_formats[PERCENT]
        self.plain_year = workbook.add_format({"num_format": "0"})
        write_text(self.sheet, 0, 0, TITLE, formats.title)
        write_text(self.sheet, 1, 0, (
            f"Exporté le {exported_on:%d/%m/%Y} par {author} — montants annuels en euros ; "
            "différences calculées par rapport au scénario de référence (1)."
        ), formats.subtitle)
        self._write_header()
        self._write_rows()
        self._write_calendar()
        self.chart_sheet = self._insert_chart()
        print_setup(self.sheet, formats, landscape=True, header_row=self.HEADER_ROW, fit_height=1)

    def _difference_columns(self, index):
        """The € and % columns of the difference of scenario `index` (≥ 1) with the first."""
        first = 1 + self.count + 2 * (index - 1)
        return first, first + 1

    def _write_header(self):
        sheet, header = self.sheet, self.formats.header
        group = self.workbook.add_format({"bold": True, "align": "center", "text_wrap": True,
                                          "valign": "bottom", "bottom": 1})
        sheet.set_column(0, 0, 40)
        sheet.write_string(self.HEADER_ROW, 0, "Poste", header)
        base = self.sheets[0].totals.scenario.name
        for index, scenario_sheet in enumerate(self.sheets):
            sheet.set_column(1 + index, 1 + index, 18)
            write_text(sheet, self.HEADER_ROW, 1 + index,
                       f"{index + 1}. {scenario_sheet.totals.scenario.name}", header)
            if index:
                euros, percent = self._difference_columns(index)
                sheet.set_column(euros, percent, 15)
                sheet.merge_range(self.HEADER_ROW - 1, euros, self.HEADER_ROW - 1, percent, "", group)
                write_text(sheet, self.HEADER_ROW - 1, euros,
                           f"{index + 1}. {scenario_sheet.totals.scenario.name}", group)
                write_text(sheet, self.HEADER_ROW, euros, f"Différence avec {base} (€)", header)
                write_text(sheet, self.HEADER_ROW, percent, f"Différence avec {base} (%)", header)
        sheet.set_row(self.HEADER_ROW - 1, 45)
        sheet.set_row(self.HEADER_ROW, 75)
        sheet.freeze_panes(self.HEADER_ROW + 1, 1)
        write_text(sheet, 2, 0, f"Scénario de référence (1) : {base}", self.formats.bold)

    def _write_rows(self):
        sheet = self.sheet
        row = self.HEADER_ROW
        for key, label in self.YEAR_ROWS:
            row += 1
            write_text(sheet, row, 0, label)
            for index, scenario_sheet in enumerate(self.sheets):
                start = scenario_sheet.ref(_abs(START_YEAR_ROW, 1))
                duration = scenario_sheet.ref(_abs(DURATION_ROW, 1))
                scenario = scenario_sheet.totals.scenario
                if key == "start":
                    formula, value = f"={start}", scenario.start_year
                else:
                    formula = f"={start}+{duration}-1"
                    value = scenario.start_year + scenario.duration_years - 1
                sheet.write_formula(row, 1 + index, formula, self.plain_year, value)
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
                cached = _fraction(value) if kind == PERCENT else _cached(value)
                sheet.write_formula(row, 1 + index, formula, value_format, cached)
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
                cached = _fraction(change)
            else:
                formula = f"={other}-{first}"
                cached = _cached(change)
            self.sheet.write_formula(row, euros_col, formula, self.number_formats[kind], cached)
            if kind in (MONEY, QUANTITY):
                self.sheet.write_formula(
                    row, percent_col, f'=IF({first}=0,"",({other}-{first})/{first})',
                    self.percent, _fraction(percent),
                )

    def _write_calendar(self):
        """Each calendar year of any scenario as a column: the total with overhead
        that year (blank when the scenario does not run then)."""
        years = sorted({year for s in self.sheets for year in s.year_cells})
        if not years:
            return
        sheet, header = self.sheet, self.formats.header
        row = self.last_row + 2
        write_text(sheet, row, 0, "Total avec frais, année par année", self.formats.bold)
        row += 1
        sheet.write_string(row, 0, "Scénario", header)
        for col, year in enumerate(years, start=1):
            sheet.write_string(row, col, str(year), header)
        for scenario_sheet in self.sheets:
            row += 1
            write_text(sheet, row, 0, scenario_sheet.name)
            for year in scenario_sheet.totals.years:
                col = 1 + years.index(year.year)
                sheet.write_formula(row, col, f"={scenario_sheet.ref(scenario_sheet.year_cells[year.year])}",
                                    self.number_formats[MONEY], _number(year.total_with_overhead))
        self.last_row = row

    def _insert_chart(self):
        """A column chart on a sheet of its own: one A4 landscape page, the
        legend in the scenarios' order."""
        if not self.comparison.categories:
            return None
        chart = self.workbook.add_chart({"type": "column"})
        for index, scenario_sheet in enumerate(self.sheets):
            chart.add_series({
                "name": f"{index + 1}. {scenario_sheet.totals.scenario.name}",
                "categories": [COMPARISON_SHEET, self.first_category_row, 0, self.last_category_row, 0],
                "values": [COMPARISON_SHEET, self.first_category_row, 1 + index,
                           self.last_category_row, 1 + index],
                "gap": 80,
            })
        chart.set_title({"name": "Montants annuels par catégorie (€)"})
        chart.set_y_axis({"num_format": '#,##0 "€"', "major_gridlines": {"visible": True}})
        chart.set_x_axis({"num_font": {"rotation": -30}})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 1000, "height": 600})
        sheet = self.workbook.add_worksheet(CHART_SHEET)
        write_text(sheet, 0, 0, TITLE, self.formats.title)
        sheet.insert_chart(2, 0, chart)
        print_setup(sheet, self.formats, landscape=True, fit_height=1)
        # The print area covers the chart (about 64 px a column, 20 px a row).
        sheet.print_area(0, 0, 2 + 600 // 20 + 1, 1000 // 64)
        return sheet


def write_comparison_workbook(target, comparison, author, exported_on=None):
    """Write the workbook of `comparison` (a models.budget.ScenarioComparison)
    to a path or a binary file object."""
    exported_on = exported_on or datetime.date.today()
    workbook = open_workbook(target, constant_memory=False)
    formats = Formats(workbook, title=TITLE, day=exported_on)
    set_properties(
        workbook, TITLE, author=author,
        comments="Scénarios : " + " ; ".join(s.name for s in comparison.scenarios),
    )
    add_comparison_sheets(workbook, formats, comparison, author, exported_on)
    add_budget_sheets(workbook, formats, comparison.totals, exported_on)  # documents/cerfa.py
    workbook.close()
    return target


def add_comparison_sheets(workbook, formats, comparison, author, exported_on):
    """The comparison sheet (and its chart), then one sheet per scenario: the
    one builder of the scenario workbook, the CLI's and the committee pack's.
    Return (the ComparisonSheet, the ScenarioSheets)."""
    first_sheet = workbook.add_worksheet(COMPARISON_SHEET)
    names = scenario_sheet_names([totals.scenario.name for totals in comparison.totals])
    sheets = [
        ScenarioSheet(workbook, formats, totals, name, exported_on)
        for name, totals in zip(names, comparison.totals)
    ]
    comparison_sheet = ComparisonSheet(workbook, first_sheet, formats, comparison, sheets, author,
                                       exported_on)
    return comparison_sheet, sheets


# The budget summary of a committee pack: one row per scenario, these figures.
SUMMARY_COLUMNS = [
    ("year_one", "Dépenses année 1", MONEY), ("overhead", "Frais de gestion", MONEY),
    ("total_with_overhead", "Total avec frais", MONEY), ("acquired", "Financements acquis", MONEY),
    ("coverage", "Taux de couverture", PERCENT), ("gap", "Reste à financer", MONEY),
    ("multi_year_total_with_overhead", "Total avec frais sur la durée", MONEY),
]


def add_budget_summary(sheet, formats, scenario_sheets):
    """One page: each scenario's years and key figures, live formulas over its sheet."""
    write_text(sheet, 0, 0, "Synthèse budgétaire des scénarios", formats.title)
    write_text(sheet, 1, 0, "Montants en euros ; le détail est sur la feuille de chaque scénario.",
               formats.subtitle)
    header_row = 3
    headers = ["Scénario", "Opérateur", "Années"] + [label for _, label, _ in SUMMARY_COLUMNS]
    widths = [42, 14, 12] + [15] * len(SUMMARY_COLUMNS)
    for col, (text, width) in enumerate(zip(headers, widths)):
        sheet.set_column(col, col, width)
        sheet.write_string(header_row, col, text, formats.header)
    sheet.set_row(header_row, LINE_HEIGHT * max(text_lines(t, w) for t, w in zip(headers, widths)))
    kinds = {MONEY: formats.of("euro"), PERCENT: formats.of("fraction")}
    row = header_row
    for scenario_sheet in scenario_sheets:
        row += 1
        totals, scenario = scenario_sheet.totals, scenario_sheet.totals.scenario
        name = f"{scenario_sheet.name.split('.')[0]}. {scenario.name}"
        write_text(sheet, row, 0, name, formats.wrap)
        sheet.set_row(row, LINE_HEIGHT * text_lines(name, widths[0]))
        write_text(sheet, row, 1, dict(OPERATORS).get(scenario.operator, scenario.operator), formats.wrap)
        end = scenario.start_year + scenario.duration_years - 1
        write_text(sheet, row, 2, f"{scenario.start_year}–{end}" if end != scenario.start_year
                   else str(scenario.start_year))
        for col, (key, _label, kind) in enumerate(SUMMARY_COLUMNS, start=3):
            value = getattr(totals, key)
            cached = _fraction(value) if kind == PERCENT else _cached(value)
            sheet.write_formula(row, col, f"={scenario_sheet.ref(scenario_sheet.cells[key])}",
                                kinds[kind], cached)
    sheet.freeze_panes(header_row + 1, 1)
    print_setup(sheet, formats, landscape=True, header_row=header_row, fit_height=1)
