"""The workbook to fill for an import: the expected headers, an example row,
and the lists of accepted values (codes and labels)."""
from models.db import in_label_order
from models.directory import REFERENT_ROLES, TYPOLOGIES, Structure, Territory

from ..spreadsheets import Column, Formats, open_workbook, set_properties, write_table, write_value
from .specs import SPECS


def code_lists(spec):
    """Title → [(code, label)] of the values a column accepts, territories in reading order."""
    lists = {"Typologie": TYPOLOGIES, "Rôle": REFERENT_ROLES,
             "Territoire": [(t.name, t.name) for t in in_label_order(Territory)]}
    if spec.model is Structure:
        lists["Publics"] = Structure.publics.choices
        lists["Thématiques"] = Structure.thematiques.choices
    return lists


def write_template(target, kind):
    """The workbook to fill: the expected headers, an example row, the code lists."""
    spec = SPECS[kind]
    workbook = open_workbook(target, constant_memory=False)
    formats = Formats(workbook)
    set_properties(workbook, title=f"Maillage — modèle d'import ({kind})")
    sheet = workbook.add_worksheet("Import")
    columns = [Column(header, "text", max(14, len(header) + 4)) for _f, header, _a in spec.columns]
    write_table(sheet, columns, [spec.example], formats)
    lists = workbook.add_worksheet("Valeurs possibles")
    col = 0
    for title, choices in code_lists(spec).items():
        lists.set_column(col, col + 1, 30)
        lists.write_string(0, col, f"{title} (code)", formats.header)
        lists.write_string(0, col + 1, "Libellé", formats.header)
        for row, (code, label) in enumerate(choices, start=1):
            write_value(lists, row, col, code)
            write_value(lists, row, col + 1, label)
        col += 3
    workbook.close()
