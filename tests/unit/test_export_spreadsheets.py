"""The shared spreadsheet helpers: safe text, typed cells, header row."""
import datetime
import io
import zipfile
from decimal import Decimal

import openpyxl

from documents.spreadsheets import (
    Column, Formats, dated_filename, euro_total_row, neutralise, open_workbook,
    set_properties, sheet_name, write_table,
)

PAYLOADS = ["=1+1", "+33 1", "-2+3", "@SUM(A1)", "\tx", "\rx", "\nx",
            '=HYPERLINK("http://evil","x")', "https://example.org"]


def test_neutralise_quotes_every_trigger_and_nothing_else():
    assert [neutralise(p)[0] for p in PAYLOADS[:7]] == ["'"] * 7
    assert neutralise("Poitiers") == "Poitiers"
    assert neutralise("") == ""


def test_sheet_name_is_accepted_by_excel():
    assert sheet_name("Structures / bassins [2026]?") == "Structures   bassins  2026"
    assert len(sheet_name("x" * 50)) == 31
    assert sheet_name("") == "Feuille"


def test_dated_filename():
    assert dated_filename("structures", day=datetime.date(2026, 11, 23)) == "structures-2026-11-23.xlsx"


def _build(rows, columns):
    buffer = io.BytesIO()
    workbook = open_workbook(buffer)
    formats = Formats(workbook)
    set_properties(workbook, "Essai", author="a@b.fr", custom={"Filtres": "aucun"})
    sheet = workbook.add_worksheet("Essai")
    count = write_table(sheet, columns, rows, formats)
    euro_total_row(sheet, count + 1, 0, [2], 1, count, formats)
    workbook.close()
    return buffer.getvalue(), count


def test_table_keeps_types_and_never_writes_user_formulas():
    columns = [Column("Texte"), Column("Date", "date"), Column("Montant", "euro"),
               Column("Actif", "bool"), Column("Places", "integer")]
    rows = [[payload, datetime.date(2026, 11, 23), Decimal("95310.00"), True, 6]
            for payload in PAYLOADS]
    data, count = _build(iter(rows), columns)
    assert count == len(PAYLOADS)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
        assert sheet_xml.count("<f>") == 1 and "<f>SUM(C2:C10)</f>" in sheet_xml
        assert "<hyperlink" not in sheet_xml
        assert '<pane ySplit="1"' in sheet_xml and "<autoFilter ref=\"A1:E10\"" in sheet_xml
        assert "Filtres" in archive.read("docProps/custom.xml").decode()
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet["A2"].value == "'=1+1"
    assert sheet["A10"].value == "https://example.org"
    assert sheet["B2"].value == datetime.datetime(2026, 11, 23)
    assert sheet["B2"].number_format == "dd/mm/yyyy"
    assert sheet["C2"].value == 95310 and sheet["C2"].number_format == "#,##0.00 €"
    assert sheet["D2"].value == "Oui"
    assert sheet["E2"].value == 6
