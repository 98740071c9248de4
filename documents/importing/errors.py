"""The error file of an import: the refused lines, as the file gave them (its
own columns, in its order), plus « Motif » — every error of the line in French —
to fix in a spreadsheet and import again (« Motif » is then an ignored column)."""
from ..spreadsheets import Column, Formats, open_workbook, set_properties, write_table
from .reading import FormulaCell

MOTIF = "Motif"


def motifs(plan):
    """line → « Colonne : message ; … » of every refused line."""
    found = {}
    for error in plan.errors:
        text = f"{error.column} : {error.message}" if error.column else error.message
        found.setdefault(error.line, []).append(text)
    return {line: " ; ".join(texts) for line, texts in found.items()}


def _cell(value):
    """A formula stays visible as its text (never a live formula in our file)."""
    if isinstance(value, FormulaCell):
        return str(value)
    return value


def write_errors(target, plan):
    """The refused lines of `plan` as an XLSX workbook on `target`."""
    workbook = open_workbook(target, constant_memory=False)
    formats = Formats(workbook)
    set_properties(workbook, title=f"Maillage — lignes refusées de « {plan.filename} »")
    sheet = workbook.add_worksheet("Lignes refusées")
    headers = [h or f"Colonne {i + 1}" for i, h in enumerate(plan.headers)]
    width = max([len(headers), *(len(cells) for cells in plan.refused.values())])
    headers += [f"Colonne {i + 1}" for i in range(len(headers), width)]
    columns = [Column(header, "text", max(14, len(header) + 4)) for header in headers]
    columns.append(Column(MOTIF, "text", 60))
    reasons = motifs(plan)
    rows = [
        [_cell(cells[i]) if i < len(cells) else None for i in range(width)] + [reasons[line]]
        for line, cells in sorted(plan.refused.items())
    ]
    write_table(sheet, columns, rows, formats)
    workbook.close()

