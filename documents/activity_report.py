"""The yearly activity report as files: a workbook (XLSX) and a PDF made from the
printable page's template (templates/print/activity_report.html, documents/pdf.py).
The figures are models/activity_report.activity_figures'; each file generated is
archived (models.activity_report.archive_report)."""
import io
from decimal import Decimal

from models.activity_report import REPORT_TITLE, archive_report

from .spreadsheets import Column, Formats, open_workbook, set_properties, sheet_name, write_table

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _percent(part, whole):
    """part / whole in percent, to the hundredth (None when whole is 0)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"))


def summary_rows(figures):
    """(indicator, held, planned later in the year, target) rows: trainings and meetings."""
    follow = figures.follow_up
    rows = [(f"Formations : {follow.sessions.label.lower()}", follow.sessions.held, follow.sessions.planned,
             follow.sessions.target),
            (f"Formations : {follow.half_days.label.lower()}", follow.half_days.held, follow.half_days.planned,
             follow.half_days.target)]
    rows += [(indicator.label, indicator.held, indicator.planned, indicator.target)
             for indicator in follow.meetings.values()]
    rows += [("Référent·e·s présent·e·s (personnes distinctes)", follow.attendees, None, None),
             ("Présences / inscriptions", follow.present, None, follow.registered)]
    return rows


def money_rows(figures):
    follow = figures.follow_up
    scenario = follow.budget_scenario.name if follow.budget_scenario else ""
    return [("Coût des formations tenues", follow.training_cost, ""),
            ("Budget « Formations » du scénario en vigueur", follow.training_budget,
             scenario or follow.budget_note or ""),
            ("Reste", follow.budget_left, "")]


def coverage_rows(figures):
    for row in figures.coverage_rows or []:
        yield ("    " * (row.depth - (figures.coverage_rows[0].depth)) + row.name, row.structures, row.welcoming,
               row.covered, _percent(row.covered, row.welcoming), row.without_referent, row.referents,
               row.trained)
    if figures.territory is None:
        total = figures.coverage
        yield ("Tout le réseau (structures sans territoire comprises)", total.structures, total.welcoming,
               total.covered, _percent(total.covered, total.welcoming), total.without_referent,
               total.referents, total.trained)


SUMMARY_COLUMNS = [Column("Indicateur", "text", 60), Column("Réalisé", "integer"),
                   Column("Prévu plus tard dans l'année", "integer"), Column("Objectif / sur", "integer")]
MONEY_COLUMNS = [Column("Poste", "text", 48), Column("Montant", "euro"), Column("Source", "text", 50)]
TRAINING_COLUMNS = [Column("Date", "date"), Column("Thème", "text", 40), Column("Territoire", "text", 24),
                    Column("Lieu", "text", 24), Column("Demi-journées", "integer"),
                    Column("Présent·e·s", "integer"), Column("Coût", "euro"),
                    Column("Cofinancé FSE+", "bool")]
TYPOLOGY_COLUMNS = [Column("Type de structure", "text", 40), Column("Personnes présentes", "integer"),
                    Column("Demi-journées suivies", "integer")]
MEETING_COLUMNS = [Column("Territoire", "text", 30), Column("Type de réunion", "text", 40),
                   Column("Réunions tenues", "integer")]
COVERAGE_COLUMNS = [Column("Territoire", "text", 36), Column("Structures actives", "integer"),
                    Column("Accueillant du public", "integer"), Column("Avec référent·e", "integer"),
                    Column("Taux de couverture (%)", "number"), Column("Sans référent·e", "integer"),
                    Column("Référent·e·s actif·ve·s", "integer"), Column("Formé·e·s", "integer")]
MOVEMENT_COLUMNS = [Column("Mouvement de l'année (journal)", "text", 48), Column("Référent·e·s", "integer")]


def movement_rows(figures):
    movements = figures.movements
    return [("Désigné·e·s (fiches créées)", movements.created), ("Désactivé·e·s", movements.deactivated),
            ("Réactivé·e·s", movements.reactivated), ("Solde", movements.net)]


def write_report_workbook(target, figures, author=None):
    """The report as an XLSX workbook on `target` (a path or a binary file)."""
    workbook = open_workbook(target, constant_memory=False)
    set_properties(workbook, figures.title, author=author, comments=figures.filters_text,
                   custom={"Filtres": figures.filters_text, "Données au": f"{figures.today:%d/%m/%Y}"})
    formats = Formats(workbook)
    sheets = [
        ("Synthèse", SUMMARY_COLUMNS, summary_rows(figures)),
        ("Budget", MONEY_COLUMNS, money_rows(figures)),
        ("Formations", TRAINING_COLUMNS, [
            (t.date, t.theme, t.territory.name if t.territory_id else "", t.place, t.half_days,
             int(t.present_count or 0), t.cost, bool(t.eu_cofunded)) for t in figures.trainings]),
        ("Participants par typologie", TYPOLOGY_COLUMNS,
         [(row.label, row.people, row.half_days) for row in figures.typologies]),
        ("Réunions", MEETING_COLUMNS,
         [(m.territory_name or "Sans territoire", m.kind_label, m.count) for m in figures.meetings]),
        ("Couverture", COVERAGE_COLUMNS, list(coverage_rows(figures))),
        ("Mouvements", MOVEMENT_COLUMNS, movement_rows(figures)),
    ]
    for name, columns, rows in sheets:
        sheet = workbook.add_worksheet(sheet_name(name))
        sheet.write_string(0, 0, f"{figures.title} — {name}", formats.title)
        sheet.write_string(1, 0, f"{figures.filters_text} ; données au {figures.today:%d/%m/%Y}", formats.subtitle)
        write_table(sheet, columns, rows, formats, 3)
    workbook.close()


def report_workbook_bytes(figures, author=None):
    output = io.BytesIO()
    write_report_workbook(output, figures, author)
    return output.getvalue()


def generate_report(figures, extension, author, render_pdf=None):
    """Make the report as `extension` ("xlsx" or "pdf": then `render_pdf(figures)`
    gives its bytes) and archive it; return the ActivityReport."""
    if extension == "xlsx":
        content = report_workbook_bytes(figures, author)
    elif extension == "pdf":
        content = render_pdf(figures)
    else:
        raise ValueError(f"{REPORT_TITLE} : format .{extension} inconnu (.xlsx ou .pdf).")
    return archive_report(content, figures.filename(extension), figures.year, figures.territory, author,
                          figures.filters_text)
