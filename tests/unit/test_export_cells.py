"""The export's hot loop (documents.spreadsheets.write_rows, through xlsxwriter's
undecorated cell calls) writes the same cells as the public calls: text as text
(neutralised, wrapped), each kind's values typed in its format, anything else as
write_value would; a row grows only when its text wraps. And row_values (the grid
export's tuple → values) converts only what is there."""
import datetime
import io
import zipfile
from decimal import Decimal

import openpyxl

from documents.grid_export import row_values
from documents.spreadsheets import (
    LINE_HEIGHT, Column, Formats, cell_calls, open_workbook, write_rows,
)

COLUMNS = [Column("Nom"), Column("Actif", "bool"), Column("Montant", "euro"), Column("Places", "integer"),
           Column("Date", "date"), Column("Le", "datetime")]
WIDTHS = [12, 8, 15, 10, 12, 17]


def _written(rows):
    buffer = io.BytesIO()
    workbook = open_workbook(buffer)
    formats = Formats(workbook)
    sheet = workbook.add_worksheet("Essai")
    last = write_rows(sheet, COLUMNS, rows, formats, WIDTHS, 0)
    workbook.close()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    return last, openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active, xml


def test_cells_are_typed_in_their_formats_and_text_never_runs():
    day, moment = datetime.date(2026, 12, 2), datetime.datetime(2026, 12, 2, 9, 30)
    last, sheet, xml = _written([
        ["=1+1", True, Decimal("95310.50"), 6, day, moment],
        ["Court", 0, 12.5, 7, None, None],           # a database's 0 is Non
        [None, None, "à voir", "", "2026-12-02", day],  # other values: as write_value writes them
        [42, "oui", True, None, None, None],
    ])
    assert last == 4
    assert sheet["A2"].value == "'=1+1" and sheet["A2"].alignment.wrap_text
    assert "<f>" not in xml and 't="inlineStr"' in xml
    assert [sheet.cell(2, col).value for col in range(2, 5)] == ["Oui", 95310.5, 6]
    assert sheet["C2"].number_format == "#,##0.00 €" and sheet["D2"].number_format == "#,##0"
    assert sheet["E2"].value == datetime.datetime(2026, 12, 2) and sheet["E2"].number_format == "dd/mm/yyyy"
    assert sheet["F2"].value == moment and sheet["F2"].number_format == "dd/mm/yyyy hh:mm"
    assert [sheet.cell(3, col).value for col in range(1, 5)] == ["Court", "Non", 12.5, 7]
    assert sheet["E3"].value is None and sheet["F3"].value is None
    assert [sheet.cell(4, col).value for col in range(1, 6)] == [None, None, "à voir", None, "2026-12-02"]
    assert sheet["F4"].value == datetime.datetime(2026, 12, 2)
    assert sheet["A5"].value == "42" and sheet["B5"].value == "oui" and sheet["C5"].value == "Oui"


def test_only_a_row_whose_text_wraps_is_taller():
    long_name = "Centre communal d'action sociale de Châtellerault " * 2
    _last, sheet, _xml = _written([["Court", True, None, None, None, None],
                                   [long_name, True, None, None, None, None],
                                   ["Ligne 1\nligne 2\nligne 3", None, None, None, None, None]])
    assert sheet.row_dimensions[2].height is None  # rows are written under row 1
    assert sheet.row_dimensions[3].height >= 9 * LINE_HEIGHT  # ~100 characters in a 12-wide column
    assert sheet.row_dimensions[4].height >= 3 * LINE_HEIGHT
    assert sheet["A3"].value == long_name


def test_cell_calls_are_the_undecorated_writers_when_xlsxwriter_has_them():
    workbook = open_workbook(io.BytesIO())
    sheet = workbook.add_worksheet("Essai")
    assert [call.__name__ for call in cell_calls(sheet)] == ["_write_string", "_write_number", "_write_datetime"]
    workbook.close()


def test_row_values_converts_only_what_is_there():
    values = row_values([2, 0, 1], [(1, str.upper)], [(2, lambda row: f"{row[3]} ({row[4]})")])
    assert values(("rvc", 7, "Durand", "CCAS", "Loudun")) == ["Durand", "RVC", "CCAS (Loudun)"]
    # No joined record (its key, column 1 here, is NULL) and no value: None stays None.
    assert values((None, None, "Martin", None, None)) == ["Martin", None, None]
    assert row_values([0], [], [])(("seul",)) == ["seul"]
