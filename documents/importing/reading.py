"""Reading an uploaded file: its rows as (line number, values), XLSX or CSV.

Formulas are kept as `FormulaCell` (refused later, never evaluated); the CSV
dialect is sniffed, with the count of ';' and ',' on the first line as fallback.
"""
import csv
import io
import zipfile

import openpyxl

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 10_000
CSV_ENCODINGS = ("utf-8-sig", "cp1252")
CSV_DELIMITERS = ";,\t"
# Enough lines for csv.Sniffer to see the quoting, not the whole file.
CSV_SNIFF_CHARACTERS = 64 * 1024
XLSX_MAGIC = b"PK\x03\x04"
# What openpyxl raises on a damaged file, while opening it or reading its rows
# (ParseError, broken XML, is a SyntaxError).
DAMAGED_XLSX_ERRORS = (zipfile.BadZipFile, KeyError, IndexError, ValueError, OSError, SyntaxError)


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message is French."""


class FormulaCell(str):
    """The text of a cell that holds a formula: refused, never evaluated."""


def filled(value):
    return value is not None and str(value).strip() != ""


def read_table(filename, data):
    """(headers, [(line, [values])]) from XLSX or CSV bytes; ImportFileError if unreadable."""
    if not data:
        raise ImportFileError("Le fichier est vide.")
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFileError(
            f"Le fichier dépasse la taille maximale de {MAX_IMPORT_BYTES // (1024 * 1024)} Mo."
        )
    if data.startswith(XLSX_MAGIC):
        rows = _read_xlsx(data)
    elif (filename or "").lower().endswith((".xlsx", ".xls", ".ods")) or b"\0" in data[:4096]:
        raise ImportFileError(
            "Ce fichier n'est pas un tableur lisible : enregistrez-le au format Excel (.xlsx) "
            "ou CSV, puis réessayez."
        )
    else:
        rows = _read_csv(data)
    rows = [(line, values) for line, values in rows if any(filled(v) for v in values)]
    if not rows:
        raise ImportFileError("Le fichier est vide.")
    (_header_line, headers), body = rows[0], rows[1:]
    if len(body) > MAX_IMPORT_ROWS:
        raise ImportFileError(
            f"Le fichier compte {len(body)} lignes : la limite est de {MAX_IMPORT_ROWS}."
        )
    return [str(h).strip() if h is not None else "" for h in headers], body


def _read_xlsx(data):
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            return _xlsx_rows(workbook.worksheets[0])
        finally:
            workbook.close()
    except DAMAGED_XLSX_ERRORS as error:
        raise ImportFileError(
            "Ce fichier Excel est illisible ou endommagé : ouvrez-le et enregistrez-le à "
            "nouveau au format .xlsx."
        ) from error


def _xlsx_rows(sheet):
    rows = []
    for line, cells in enumerate(sheet.iter_rows(), start=1):
        rows.append((line, [
            FormulaCell(cell.value) if cell.data_type == "f" else cell.value for cell in cells
        ]))
        if line > MAX_IMPORT_ROWS + 1:
            break
    return rows


def _decode(data):
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(
        "Encodage du fichier non reconnu : enregistrez-le en CSV UTF-8 ou au format .xlsx."
    )


def csv_dialect(text):
    """The dialect csv.Sniffer finds in the first lines; if it finds none, the
    excel dialect with ';' or ',', whichever the first line holds more of."""
    try:
        return csv.Sniffer().sniff(text[:CSV_SNIFF_CHARACTERS], delimiters=CSV_DELIMITERS)
    except csv.Error:
        first_line = text.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","

        class Fallback(csv.excel):
            pass

        Fallback.delimiter = delimiter
        return Fallback


def _read_csv(data):
    text = _decode(data)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), csv_dialect(text))
        return [
            (reader.line_num, [FormulaCell(v) if v.startswith("=") else v for v in values])
            for values in reader
        ]
    except csv.Error as error:
        raise ImportFileError(f"Ce fichier CSV est mal formé : {error}.") from error
