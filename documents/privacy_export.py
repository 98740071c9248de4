"""Right of access: everything Maillage holds about one référent·e, as one workbook
(one sheet per section of models.privacy.subject_access)."""
import datetime

from models.privacy import subject_access

from .spreadsheets import (
    Formats, column_width, Column, dated_filename, open_workbook, set_properties, sheet_name,
    write_header, write_text, write_value,
)

TITLE = "Données détenues sur une personne (droit d'accès, RGPD art. 15)"


def _kind(value):
    if isinstance(value, datetime.datetime):
        return "datetime"
    if isinstance(value, datetime.date):
        return "date"
    return "text"


def _write_section(workbook, formats, section):
    sheet = workbook.add_worksheet(sheet_name(section.title))
    columns = [Column(header, "text", 40 if index == len(section.headers) - 1 else None)
               for index, header in enumerate(section.headers)]
    write_header(sheet, columns, formats)
    for col, column in enumerate(columns):
        sheet.set_column(col, col, max(column_width(column), 22))
    for row_index, values in enumerate(section.rows, start=1):
        for col, value in enumerate(values):
            kind = _kind(value)
            if kind == "text" and not isinstance(value, (bool, int, float)):
                write_text(sheet, row_index, col, value, formats.wrap)
            else:
                write_value(sheet, row_index, col, value, formats.of(kind))
    if not section.rows:
        write_text(sheet, 1, 0, "Aucune donnée.")
    sheet.autofilter(0, 0, max(len(section.rows), 1), len(columns) - 1)


def write_subject_access(target, referent, author):
    """Write the workbook of everything held about `referent` to a path or binary file."""
    workbook = open_workbook(target, constant_memory=False)
    formats = Formats(workbook)
    set_properties(workbook, title=f"Maillage — {TITLE}", author=author,
                   custom={"Fiche": f"référent·e n° {referent.id}", "Préparé par": author})
    for section in subject_access(referent):
        _write_section(workbook, formats, section)
    workbook.close()


def subject_access_filename(referent):
    return dated_filename(f"rgpd-acces-referent-{referent.id}")
