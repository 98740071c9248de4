"""What every Maillage spreadsheet shares: a safe workbook, French formats, headers.

Every workbook is opened with xlsxwriter's automatic conversions off, and every
piece of text goes through `write_text()`, so a value typed by a user can never
become a formula, a link or a number in Excel or LibreOffice.
"""
import datetime
import re
from collections import namedtuple
from itertools import chain, islice
from decimal import Decimal

import xlsxwriter

EURO_FORMAT = "#,##0.00 €"
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
NUMBER_FORMAT = "#,##0.##"
INTEGER_FORMAT = "#,##0"
PERCENT_FORMAT = '0.00 "%"'  # rates are stored as 15.00 for 15 %
FRACTION_PERCENT_FORMAT = "0.00 %"  # fractions: 0.15 shows as 15,00 %
A4 = 9
# Margins in inches (xlsxwriter's unit): about 1,5 cm on the sides, 2 cm top and bottom.
MARGINS = {"left": 0.6, "right": 0.6, "top": 0.75, "bottom": 0.8}
# Sum of column widths (characters) above which a sheet prints in landscape:
# about what A4 portrait holds between those margins at 100 %.
PORTRAIT_MAX_WIDTH = 95
# Widths are measured on the first rows written (a streamed table is not read twice).
WIDTH_SAMPLE_ROWS = 500

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
    "fraction": FRACTION_PERCENT_FORMAT,
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
    """The cell formats of one workbook, created once and shared by its sheets,
    and the document's title and date that every printed page carries."""

    def __init__(self, workbook, title="Maillage", day=None):
        self.workbook = workbook
        self.document_title = title
        self.day = day or datetime.date.today()
        self.header = workbook.add_format({
            "bold": True, "bg_color": "#DDE6F0", "border": 1, "text_wrap": True,
            "valign": "top",
        })
        self.title = workbook.add_format({"bold": True, "font_size": 16})
        self.subtitle = workbook.add_format({"italic": True, "font_color": "#555555"})
        self.bold = workbook.add_format({"bold": True})
        self.bold_top = workbook.add_format({"bold": True, "valign": "top"})
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        # At the top of their cell, as wrapped text is: a row made tall by a long name
        # keeps its Oui/Non, dates and amounts on the name's first line.
        self.by_kind = {
            kind: workbook.add_format({"valign": "top", **({"num_format": number_format} if number_format else {})})
            for kind, number_format in KIND_FORMATS.items()
        }
        # Text is wrapped in its (capped) column: printed whole, never cut.
        self.by_kind["text"] = self.wrap
        self.total_euro = workbook.add_format({"bold": True, "num_format": EURO_FORMAT, "top": 1})
        self.total_integer = workbook.add_format({"bold": True, "num_format": INTEGER_FORMAT, "top": 1})
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


# The classes a typed column writes in one call (anything else goes through write_value).
NUMBER_CLASSES = frozenset((int, float, Decimal))
DATE_CLASSES = frozenset((datetime.date, datetime.datetime))
BOOL_CLASSES = frozenset((bool, int))  # True/False, or a database's 1/0


def cell_calls(sheet):
    """`sheet`'s (write_string, write_number, write_datetime) taking (row, col, value,
    format): xlsxwriter's undecorated methods, which the public ones call once they
    have checked for "A1" notation (a frame, an argument tuple and an int() per cell
    that a loop over numbered cells does not need); the public ones when an
    xlsxwriter has no such method."""
    return tuple(getattr(sheet, "_" + name, None) or getattr(sheet, name)
                 for name in ("write_string", "write_number", "write_datetime"))


def column_width(column, longest=0):
    """A declared width wins; otherwise the longest content seen (header words
    included, as a header wraps), within [MIN_WIDTH, MAX_WIDTH]."""
    if column.width:
        return column.width
    natural = {"date": 12, "datetime": 17, "bool": 8, "euro": 15}.get(column.kind, 10)
    header_word = max((len(word) for word in column.header.split()), default=0)
    return max(MIN_WIDTH, min(MAX_WIDTH, max(natural, header_word + 2, longest + 2)))


LINE_HEIGHT = 15  # points: one line of 11-point text


def longest_texts(columns, rows):
    """The longest line of text of each column over `rows` (a sample)."""
    longest = [0] * len(columns)
    text_columns = [col for col, column in enumerate(columns) if column.kind == "text"]
    for values in rows:
        for col in text_columns:
            value = values[col]
            if value:
                length = max(map(len, str(value).split("\n")))
                if length > longest[col]:
                    longest[col] = length
    return longest


def text_lines(text, width):
    """About how many lines `text` takes wrapped at words in a column `width` wide."""
    usable = max(int(width * 1.1) - 1, 4)
    lines = 0
    for paragraph in text.split("\n"):
        lines += max(1, -(-len(paragraph) // usable))
    return lines


def set_widths(sheet, columns, longest=None):
    """Column widths from the declared width or the content; return them."""
    widths = []
    for col, column in enumerate(columns):
        width = column_width(column, longest[col] if longest else 0)
        sheet.set_column(col, col, width)
        widths.append(width)
    return widths


def footer_text(text):
    """Text for a header/footer section: '&' doubled (it starts a code), bounded."""
    if len(text) > 60:
        text = text[:59].rstrip() + "…"
    return text.replace("&", "&&")


def print_setup(sheet, formats, width=None, header_row=None, landscape=None, fit_height=0):
    """Every printed sheet: A4, landscape when wider than portrait holds, one page
    wide (and `fit_height` pages tall when given), header rows repeated on each
    page, margins, and a footer « title — page x sur y — date »."""
    sheet.set_paper(A4)
    if landscape or (landscape is None and width and width > PORTRAIT_MAX_WIDTH):
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.fit_to_pages(1, fit_height)
    sheet.set_margins(**MARGINS)
    sheet.center_horizontally()
    if header_row is not None:
        sheet.repeat_rows(header_row)
    sheet.set_footer(
        f"&L&8{footer_text(formats.document_title)}&C&8Page &P sur &N"
        f"&R&8 {formats.day:%d/%m/%Y}",  # a space: '&8' then digits would read as a font size
        {"margin": 0.3},
    )


def write_header(sheet, columns, formats, row=0, widths=None):
    """Header row (as tall as its wrapped words need), frozen under it, with an
    autofilter; `finish_table()` widens the autofilter to the data."""
    lines = 1
    for col, column in enumerate(columns):
        sheet.write_string(row, col, column.header, formats.header)
        if widths:
            lines = max(lines, text_lines(column.header, widths[col]))
    if lines > 1:
        sheet.set_row(row, LINE_HEIGHT * lines)
    sheet.freeze_panes(row + 1, 0)
    sheet.autofilter(row, 0, row, max(len(columns) - 1, 0))


def start_table(sheet, columns, formats, head, header_row=0):
    """Widths from the first rows `head` (a sample), the header; return the widths."""
    widths = set_widths(sheet, columns, longest_texts(columns, head))
    write_header(sheet, columns, formats, header_row, widths)
    return widths


def write_rows(sheet, columns, rows, formats, widths, row_index):
    """Write `rows` (sequences of values in column order) under `row_index`; return
    the last row written. Every export's hot loop, so each cell costs one class check
    and one xlsxwriter call (cell_calls): text is neutralised and wrapped, a number or
    a date of the column's kind is written as such, a bool as Oui/Non, anything else
    through write_value. A row whose text wraps gets the height its lines need
    (xlsxwriter writes none, and LibreOffice does not grow a row for its wrapped text
    when it opens a file: a long name would print cut); the others keep the default."""
    write_string, write_number, write_datetime = cell_calls(sheet)
    set_row, wrap, yes_no = sheet.set_row, formats.of("text"), formats.of("bool")
    texts, booleans, typed = [], [], []
    for col, (column, width) in enumerate(zip(columns, widths)):
        if column.kind == "text":
            texts.append((col, max(int(width * 1.1) - 1, 4), width))
        elif column.kind == "bool":
            booleans.append(col)
        elif column.kind in ("date", "datetime"):
            typed.append((col, DATE_CLASSES, write_datetime, formats.of(column.kind)))
        else:
            typed.append((col, NUMBER_CLASSES, write_number, formats.of(column.kind)))
    for values in rows:
        row_index += 1
        lines = 1
        for col, limit, width in texts:
            text = values[col]
            if text is None:
                continue
            if text.__class__ is not str:
                text = str(text)
            if len(text) > limit:
                lines = max(lines, text_lines(text, width))
            elif not text:
                continue
            write_string(row_index, col, QUOTE_PREFIX + text if text.startswith(FORMULA_TRIGGERS) else text,
                         wrap)
        for col in booleans:
            value = values[col]
            if value.__class__ in BOOL_CLASSES:
                write_string(row_index, col, "Oui" if value else "Non", yes_no)
            elif value is not None:
                write_value(sheet, row_index, col, value, yes_no)
        for col, classes, write, cell_format in typed:
            value = values[col]
            if value.__class__ in classes:
                write(row_index, col, value, cell_format)
            elif value is not None:
                write_value(sheet, row_index, col, value, cell_format)
        if lines > 1:
            set_row(row_index, LINE_HEIGHT * lines)
    return row_index


def finish_table(sheet, columns, header_row, last_row, formats=None, widths=None):
    """Set the autofilter over the header and every data row written and, given
    the formats, the sheet's print settings (widths: the columns' widths)."""
    sheet.autofilter(header_row, 0, max(header_row, last_row), max(len(columns) - 1, 0))
    if widths is None:
        widths = set_widths(sheet, columns)
    if formats is not None:
        print_setup(sheet, formats, sum(widths), header_row)
    return widths


def write_caption(sheet, formats, title, lines=(), row=0):
    """A sheet's title, then lines of context (filters, date of the data) under it;
    return the next free row."""
    write_text(sheet, row, 0, title, formats.title)
    for row, line in enumerate(lines, start=row + 1):
        write_text(sheet, row, 0, line, formats.subtitle)
    return row + 1


def write_table(sheet, columns, rows, formats, header_row=0, empty_text="Aucune ligne."):
    """Header + rows (iterables of values in column order); return the rows written.

    Streams: `rows` may be a generator over a database cursor (only its first
    WIDTH_SAMPLE_ROWS rows are held, to size the columns). The sheet is set up
    for printing (see print_setup); an empty table says so.
    """
    rows = iter(rows)
    head = [list(values) for values in islice(rows, WIDTH_SAMPLE_ROWS)]
    widths = start_table(sheet, columns, formats, head, header_row)
    row_index = write_rows(sheet, columns, chain(head, rows), formats, widths, header_row)
    count = row_index - header_row
    finish_table(sheet, columns, header_row, row_index, formats, widths)
    if not count and empty_text:
        sheet.write_string(header_row + 1, 0, empty_text, formats.subtitle)
    return count


def euro_total_row(sheet, row, label_col, total_cols, first_data_row, last_data_row, formats,
                   label="Total", cell_formats=None):
    """A live SUM formula under euro columns (rows are 0-based, inclusive);
    `cell_formats` (column → format) for columns that are not euros."""
    sheet.write_string(row, label_col, label, formats.total_label)
    for col in total_cols:
        letter = xlsxwriter.utility.xl_col_to_name(col)
        if last_data_row < first_data_row:
            formula = "=0"
        else:
            formula = f"=SUM({letter}{first_data_row + 1}:{letter}{last_data_row + 1})"
        sheet.write_formula(row, col, formula, (cell_formats or {}).get(col, formats.total_euro))


def dated_filename(stem, extension="xlsx", day=None, qualifiers=()):
    """'structures' → 'structures-2026-11-23.xlsx'; with qualifiers (the filters
    applied, as slugs): 'structures-rvc-poitiers-2026-11-23.xlsx'."""
    day = day or datetime.date.today()
    parts = [stem, *(q for q in qualifiers if q)]
    return f"{'-'.join(parts)[:100].rstrip('-')}-{day.isoformat()}.{extension}"
