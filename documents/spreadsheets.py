"""What every Maillage spreadsheet shares: a safe workbook, French formats, headers.

Every workbook is opened with xlsxwriter's automatic conversions off, and every
piece of text goes through `write_text()`, so a value typed by a user can never
become a formula, a link or a number in Excel or LibreOffice.
"""
import datetime
import re
from collections import namedtuple
from decimal import Decimal
from functools import partial

import xlsxwriter

EURO_FORMAT = "#,##0.00 €"
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
NUMBER_FORMAT = "#,##0.##"
INTEGER_FORMAT = "#,##0"
PERCENT_FORMAT = '0.00 "%"'  # rates are stored as 15.00 for 15 %

# A cell starting with one of these is read as a formula by some spreadsheet
# (or when the file is saved again as CSV): OWASP "CSV injection".
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
QUOTE_PREFIX = "'"

SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31
MIN_WIDTH, MAX_WIDTH = 8, 60

WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}

# kind of a column → the number format of its cells (None: plain text).
KIND_FORMATS = {
    "text": None,
    "bool": None,
    "euro": EURO_FORMAT,
    "number": NUMBER_FORMAT,
    "integer": INTEGER_FORMAT,
    "percent": PERCENT_FORMAT,
    "date": DATE_FORMAT,
    "datetime": DATETIME_FORMAT,
}

Column = namedtuple("Column", "header kind width", defaults=("text", None))
Column.__doc__ = "One column of a sheet: its French header, its kind (a KIND_FORMATS key) and width."


def neutralise(text):
    """'=1+1' → \"'=1+1\": text that a spreadsheet would run is quoted."""
    return QUOTE_PREFIX + text if text.startswith(FORMULA_TRIGGERS) else text


def open_workbook(target, constant_memory=True):
    """An xlsxwriter Workbook on a path or a binary file object, conversions off.

    With constant_memory, rows must be written top to bottom, one sheet at a time.
    """
    options = dict(WORKBOOK_OPTIONS, constant_memory=constant_memory)
    options["default_date_format"] = DATE_FORMAT
    return xlsxwriter.Workbook(target, options)


def sheet_name(text):
    """A name Excel accepts: no []:*?/\\, at most 31 characters, never empty."""
    name = SHEET_NAME_FORBIDDEN.sub(" ", text or "").strip().strip("'")
    # Excel refuses a name that starts or ends with an apostrophe.
    return name[:SHEET_NAME_MAX].rstrip().rstrip("'") or "Feuille"


def set_properties(workbook, title, author=None, comments=None, custom=None):
    """Document properties (Fichier > Propriétés): title, author, when, and
    any extra key → text shown as custom properties (filters applied…)."""
    now = datetime.datetime.now()
    workbook.set_properties({
        "title": title,
        "author": author or "",
        "company": "Maillage",
        "comments": comments or "",
        "created": now,
    })
    workbook.set_custom_property("Exporté le", now.strftime("%d/%m/%Y %H:%M"))
    for name, value in (custom or {}).items():
        workbook.set_custom_property(name, str(value)[:255] or "—")


class Formats:
    """The cell formats of one workbook, created once and shared by its sheets."""

    def __init__(self, workbook):
        self.workbook = workbook
        self.header = workbook.add_format({
            "bold": True, "bg_color": "#DDE6F0", "border": 1, "text_wrap": True,
            "valign": "top",
        })
        self.title = workbook.add_format({"bold": True, "font_size": 16})
        self.subtitle = workbook.add_format({"italic": True, "font_color": "#555555"})
        self.bold = workbook.add_format({"bold": True})
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.by_kind = {
            kind: workbook.add_format({"num_format": number_format}) if number_format else None
            for kind, number_format in KIND_FORMATS.items()
        }
        self.total_euro = workbook.add_format({"bold": True, "num_format": EURO_FORMAT, "top": 1})
        self.total_label = workbook.add_format({"bold": True, "top": 1})

    def of(self, kind):
        return self.by_kind[kind]


def write_text(sheet, row, col, value, cell_format=None):
    """Always a string cell, neutralised: never a formula, a link or a number."""
    if value is None or value == "":
        return
    sheet.write_string(row, col, neutralise(str(value)), cell_format)


def write_value(sheet, row, col, value, cell_format=None):
    """A typed cell: numbers stay numbers, dates stay dates, booleans are Oui/Non,
    anything else is safe text."""
    if value is None or value == "":
        return
    if isinstance(value, bool):
        sheet.write_string(row, col, "Oui" if value else "Non", cell_format)
    elif isinstance(value, (int, float, Decimal)):
        sheet.write_number(row, col, value, cell_format)
    elif isinstance(value, (datetime.date, datetime.datetime)):
        sheet.write_datetime(row, col, value, cell_format)
    else:
        write_text(sheet, row, col, value, cell_format)


def cell_writer(kind, formats):
    """A fast `write(sheet, row, col, value)` for one column, chosen once per column."""
    if kind == "text":
        return write_text
    if kind == "bool":
        return write_value
    return partial(write_value, cell_format=formats.of(kind))


def column_width(column):
    if column.width:
        return column.width
    natural = {"date": 12, "datetime": 17, "bool": 8, "euro": 15}.get(column.kind, 14)
    return max(MIN_WIDTH, min(MAX_WIDTH, max(natural, len(column.header) + 2)))


def write_header(sheet, columns, formats, row=0):
    """Header row, frozen under it, with an autofilter and column widths.

    The autofilter is widened to the data by `finish_table()`.
    """
    for col, column in enumerate(columns):
        sheet.set_column(col, col, column_width(column))
        sheet.write_string(row, col, column.header, formats.header)
    sheet.freeze_panes(row + 1, 0)
    sheet.autofilter(row, 0, row, max(len(columns) - 1, 0))


def finish_table(sheet, columns, header_row, last_row):
    """Set the autofilter over the header and every data row written."""
    sheet.autofilter(header_row, 0, max(header_row, last_row), max(len(columns) - 1, 0))


def write_table(sheet, columns, rows, formats, header_row=0):
    """Header + rows (iterables of values in column order); return the rows written.

    Streams: `rows` may be a generator over a database cursor.
    """
    write_header(sheet, columns, formats, header_row)
    writers = [cell_writer(column.kind, formats) for column in columns]
    row_index = header_row
    for values in rows:
        row_index += 1
        for col, (write, value) in enumerate(zip(writers, values)):
            write(sheet, row_index, col, value)
    finish_table(sheet, columns, header_row, row_index)
    return row_index - header_row


def euro_total_row(sheet, row, label_col, total_cols, first_data_row, last_data_row, formats,
                   label="Total"):
    """A live SUM formula under euro columns (rows are 0-based, inclusive)."""
    sheet.write_string(row, label_col, label, formats.total_label)
    for col in total_cols:
        letter = xlsxwriter.utility.xl_col_to_name(col)
        if last_data_row < first_data_row:
            formula = "=0"
        else:
            formula = f"=SUM({letter}{first_data_row + 1}:{letter}{last_data_row + 1})"
        sheet.write_formula(row, col, formula, formats.total_euro)


def dated_filename(stem, extension="xlsx", day=None):
    """'structures' → 'structures-2026-11-23.xlsx'."""
    day = day or datetime.date.today()
    return f"{stem}-{day.isoformat()}.{extension}"
