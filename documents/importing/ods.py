"""The rows of an ODS file's first sheet (LibreOffice Calc), read by odfpy.

Cells come out as the XLSX reader gives them: numbers (int when whole), dates,
booleans, text (paragraphs joined by line breaks), formulas as `FormulaCell`.
A row or a cell an ODS file declares repeated (`number-rows-repeated`,
`number-columns-repeated`: LibreOffice writes the empty tail of a sheet as one
row repeated a million times) is unrolled only when it holds something, and every
unrolled cell counts toward `max_cells`.
"""
import datetime
import io

from odf import teletype
from odf.namespaces import OFFICENS, TABLENS
from odf.opendocument import load
from odf.table import Table, TableRow

from .reading import FormulaCell


class OdsLimitError(Exception):
    """The sheet holds more cells than allowed."""


def _number(text):
    number = float(text)
    return int(number) if number.is_integer() and abs(number) < 1e15 else number


def _date(text):
    if "T" in text:
        value = datetime.datetime.fromisoformat(text[:19])
        return value.date() if value.time() == datetime.time() else value
    return datetime.date.fromisoformat(text[:10])


def cell_value(cell):
    """The value of one <table:table-cell> (None when empty)."""
    formula = cell.getAttrNS(TABLENS, "formula")
    if formula:
        return FormulaCell(formula)
    kind = cell.getAttrNS(OFFICENS, "value-type")
    if kind in ("float", "percentage", "currency"):
        return _number(cell.getAttrNS(OFFICENS, "value"))
    if kind == "date":
        return _date(cell.getAttrNS(OFFICENS, "date-value"))
    if kind == "boolean":
        return cell.getAttrNS(OFFICENS, "boolean-value") == "true"
    paragraphs = [teletype.extractText(child) for child in cell.childNodes
                  if child.qname[1] == "p"]
    text = "\n".join(paragraphs)
    return text if text != "" else None


def _repeat(element, attribute):
    value = element.getAttrNS(TABLENS, attribute)
    return max(1, int(value)) if value else 1


class _Budget:
    def __init__(self, max_cells):
        self.left = max_cells

    def spend(self, cells):
        self.left -= cells
        if self.left < 0:
            raise OdsLimitError()


def _row_values(row, budget):
    values, empty_run = [], 0
    for cell in row.childNodes:
        if cell.qname[1] not in ("table-cell", "covered-table-cell"):
            continue
        repeat = _repeat(cell, "number-columns-repeated")
        value = cell_value(cell) if cell.qname[1] == "table-cell" else None
        if value is None:
            empty_run += repeat  # unrolled only if a filled cell follows
            continue
        budget.spend(empty_run + repeat)
        values.extend([None] * empty_run + [value] * repeat)
        empty_run = 0
    return values


def ods_rows(data, max_cells, max_lines):
    """[(line, [values])] of the first sheet, stopping after `max_lines` lines;
    OdsLimitError past `max_cells` cells."""
    document = load(io.BytesIO(data))
    tables = document.spreadsheet.getElementsByType(Table)
    if not tables:
        return []
    rows, line, budget = [], 1, _Budget(max_cells)
    for row in tables[0].getElementsByType(TableRow):
        repeat = _repeat(row, "number-rows-repeated")
        values = _row_values(row, budget)
        if values:
            budget.spend(len(values) * (repeat - 1))
            for offset in range(min(repeat, max_lines + 1 - line)):
                rows.append((line + offset, list(values)))
        line += repeat
        if line > max_lines:
            break
    return rows

