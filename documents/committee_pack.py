"""The committee pack: one workbook for a comité de pilotage or de suivi, archived.

Every pack generated is kept byte for byte with its time, author, filters and
SHA-256, so "which figures did the committee see on 7 December?" has an answer.
"""
import datetime
import hashlib
import io

from peewee import JOIN, fn

from models.budget import ScenarioComparison
from models.committee import CommitteePack, describe_filters
from models.db import reading_order
from models.directory import (
    REFERENT_ROLES, TYPOLOGY_LABELS, Referent, Structure, Territory, needs_review_condition,
    subtree_ids, within_territory,
)
from models.follow_up import yearly_follow_up
from models.meetings import MEETING_KIND_LABELS, Meeting, MeetingStructure
from models.network import network_coverage, without_referent_expression
from models.formatting import format_phone
from models.opening_hours import to_french
from models.training import Attendance, Training, is_trained_expression

from .directory_export import structures_by_territory, territory_name, territory_reading_order
from .grid_export import export_stem
from .scenario_workbook import add_comparison_sheets
from .spreadsheets import (
    Column, Formats, dated_filename, euro_total_row, open_workbook, set_properties,
    write_table, write_text,
)

PACK_TITLE = "Dossier du comité"
ROLE_LABELS = dict(REFERENT_ROLES)


# --- the sheets --------------------------------------------------------------
def _structures(territory):
    query = structures_by_territory()
    return query.where(within_territory(Structure.territory, territory)) if territory else query


def _structure_rows(territory):
    for s in _structures(territory).iterator():
        yield [
            territory_name(s), s.nom, TYPOLOGY_LABELS.get(s.typologie, s.typologie), s.commune,
            format_phone(s.telephone), s.courriel, to_french(s.horaires_accueil), s.accueille_du_public,
            s.actif, s.date_maj, s.needs_review,
        ]


STRUCTURE_COLUMNS = [
    Column("Bassin de vie / territoire", "text", 24), Column("Structure", "text", 40),
    Column("Typologie", "text", 30), Column("Commune", "text", 18),
    Column("Téléphone", "text", 16), Column("Courriel", "text", 28),
    Column("Horaires d'accueil", "text", 26), Column("Accueille du public", "bool"),
    Column("Active", "bool"), Column("Mise à jour le", "date"), Column("À vérifier", "bool"),
]

REFERENT_COLUMNS = [
    Column("Bassin de vie / territoire", "text", 24), Column("Structure", "text", 36),
    Column("Prénom", "text", 14), Column("Nom", "text", 16), Column("Fonction", "text", 22),
    Column("Rôle", "text", 30), Column("Courriel", "text", 28), Column("Téléphone", "text", 16),
    Column("Formé·e", "bool"), Column("Actif·ve", "bool"),
]


def _referent_rows(territory):
    query = (
        Referent.select(Referent, Structure, Territory, is_trained_expression().alias("trained"))
        .join(Structure, on=Referent.structure == Structure.id, attr="structure")
        .join(Territory, JOIN.LEFT_OUTER, on=Structure.territory == Territory.id, attr="territory")
        .order_by(*territory_reading_order(), reading_order(Structure.nom),
                  reading_order(Referent.nom), reading_order(Referent.prenom))
    )
    if territory:
        query = query.where(within_territory(Structure.territory, territory))
    for r in query.iterator():
        yield [
            territory_name(r.structure), r.structure.nom, r.prenom, r.nom, r.fonction,
            ROLE_LABELS.get(r.role, r.role), r.courriel, format_phone(r.telephone),
            bool(r.trained), r.actif,
        ]


TRAINING_COLUMNS = [
    Column("Date", "date"), Column("Thème", "text", 36), Column("Territoire", "text", 22),
    Column("Lieu", "text", 20), Column("Intervenant·e", "text", 22),
    Column("Demi-journées", "integer"), Column("Présent·e·s", "integer"), Column("Coût", "euro"),
]


def _trainings(territory):
    present = fn.SUM(Attendance.present.cast("integer"))
    query = (
        Training.select(Training, Territory, fn.COALESCE(present, 0).alias("present_count"))
        .join(Territory, JOIN.LEFT_OUTER, on=Training.territory == Territory.id, attr="territory")
        .switch(Training).join(Attendance, JOIN.LEFT_OUTER)
        .group_by(Training.id, Territory.id)
        .order_by(Training.date, reading_order(Training.theme))
    )
    return query.where(within_territory(Training.territory, territory)) if territory else query


def _training_rows(territory):
    for t in _trainings(territory).iterator():
        yield [
            t.date, t.theme, t.territory.name if t.territory_id else "", t.place, t.trainer,
            t.half_days, int(t.present_count or 0), t.cost,
        ]


COVERAGE_COLUMNS = [
    Column("Territoire", "text", 30), Column("Structures actives", "integer"),
    Column("Accueillant du public", "integer"), Column("Avec référent·e", "integer"),
    Column("Taux de couverture", "percent"), Column("Sans référent·e", "integer"),
    Column("Référent·e·s actif·ve·s", "integer"), Column("Formé·e·s", "integer"),
    Column("Personne ressource", "text", 22), Column("Fiches à vérifier", "integer"),
]


def _coverage_rows(territory):
    """The network's figures, one row per territory (indented under its parent),
    sub-territories included; the pack's territory and those inside it only."""
    total, rows = network_coverage()
    if territory:
        inside = subtree_ids(territory)
        rows = [row for row in rows if row.territory.id in inside]
    else:
        rows = [*rows, total]
    top = min((row.depth for row in rows if row.territory), default=0)
    for row in rows:
        indent = "    " * (row.depth - top) if row.territory else ""
        yield [
            indent + row.name, row.structures, row.welcoming, row.covered, row.coverage_rate,
            row.without_referent, row.referents, row.trained, row.resource_person or "",
            row.structures_to_review + row.referents_to_review,
        ]


GAP_COLUMNS = [
    Column("Bassin de vie / territoire", "text", 24), Column("Structure", "text", 40),
    Column("Typologie", "text", 30), Column("Commune", "text", 18), Column("Téléphone", "text", 16),
    Column("Courriel", "text", 28),
]


def _gap_rows(territory):
    for s in _structures(territory).where(without_referent_expression()).iterator():
        yield [territory_name(s), s.nom, TYPOLOGY_LABELS.get(s.typologie, s.typologie), s.commune,
               format_phone(s.telephone), s.courriel]


ATTENDANCE_COLUMNS = [
    Column("Date", "date"), Column("Formation", "text", 36), Column("Référent·e", "text", 24),
    Column("Structure", "text", 36), Column("Présent·e", "bool"), Column("Évaluation (1 à 5)", "integer"),
]


def _attendance_rows(territory):
    query = (
        Attendance.select(Attendance, Training, Referent, Structure)
        .join(Training, on=Attendance.training == Training.id, attr="training")
        .switch(Attendance).join(Referent, on=Attendance.referent == Referent.id, attr="referent")
        .join(Structure, on=Referent.structure == Structure.id, attr="structure")
        .order_by(Training.date, reading_order(Training.theme), reading_order(Referent.nom),
                  reading_order(Referent.prenom))
    )
    if territory:
        query = query.where(within_territory(Training.territory, territory))
    for a in query.iterator():
        yield [
            a.training.date, a.training.theme, str(a.referent), a.referent.structure.nom,
            a.present, a.evaluation,
        ]


MEETING_COLUMNS = [
    Column("Date", "date"), Column("Type de réunion", "text", 34), Column("Territoire", "text", 22),
    Column("Structures représentées", "integer"), Column("Participant·e·s", "integer"),
    Column("Décisions, suites", "text", 50), Column("Prochaine réunion", "date"),
]


def _meeting_rows(territory):
    represented = (MeetingStructure.select(fn.COUNT(MeetingStructure.id))
                   .where(MeetingStructure.meeting == Meeting.id))
    query = (Meeting.select(Meeting.date, Meeting.kind, Territory.name, represented.alias("represented"),
                            Meeting.participants, Meeting.decisions, Meeting.next_meeting_date)
             .join(Territory, JOIN.LEFT_OUTER, on=(Meeting.territory == Territory.id))
             .order_by(Meeting.date, Meeting.id))
    if territory:
        query = query.where(within_territory(Meeting.territory, territory))
    for day, kind, place, represented_count, participants, decisions, next_date in query.tuples().iterator():
        yield [day, MEETING_KIND_LABELS.get(kind, kind), place or "", represented_count, participants,
               decisions, next_date]


FOLLOW_UP_COLUMNS = [
    Column("Indicateur", "text", 40), Column("Réalisé", "number"), Column("Prévu d'ici la fin de l'année", "integer"),
    Column("Objectif", "integer"),
]


def _follow_up_rows(territory, year):
    figures = yearly_follow_up(year, territory)
    for indicator in figures.indicators.values():
        if indicator.held or indicator.planned or indicator.target is not None:
            yield [indicator.label, indicator.held, indicator.planned, indicator.target]
    yield ["Référent·e·s venu·e·s en formation", figures.attendees, None, None]
    yield ["Taux de présence (%)", figures.attendance_rate, None, None]
    yield ["Évaluation moyenne (sur 5)", figures.evaluation_average, None, None]
    yield ["Coût des formations (€)", figures.training_cost, None, None]
    if figures.training_budget is not None:
        yield ["Budget « Formations » du scénario en vigueur (€)", figures.training_budget, None, None]


def _write_cover(sheet, formats, filters, author, counts):
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 60)
    sheet.write_string(0, 0, f"{PACK_TITLE} — Maillage", formats.title)
    sheet.write_string(1, 0, "Réseau local contre les violences et la précarité", formats.subtitle)
    lines = [
        ("Date", datetime.date.today()),
        ("Territoire", filters.territory.name if filters.territory else "Tous les territoires"),
        ("Scénarios comparés", ", ".join(s.name for s in filters.scenarios) or "Aucun"),
        ("Préparé par", author),
    ] + counts
    for row, (label, value) in enumerate(lines, start=3):
        sheet.write_string(row, 0, label, formats.bold)
        if isinstance(value, datetime.date):
            sheet.write_datetime(row, 1, value, formats.of("date"))
        elif isinstance(value, int):
            sheet.write_number(row, 1, value, formats.of("integer"))
        else:
            write_text(sheet, row, 1, value)


def _counts(territory):
    structures = _structures(territory)
    referents = Referent.select().join(Structure).where(Referent.actif == True)  # noqa: E712
    if territory:
        referents = referents.where(within_territory(Structure.territory, territory))
    trainings = Training.select()
    if territory:
        trainings = trainings.where(within_territory(Training.territory, territory))
    return [
        ("Structures", structures.count()),
        ("Structures à vérifier", structures.where(needs_review_condition(Structure.date_maj)).count()),
        ("Référent·e·s actif·ve·s", referents.count()),
        ("dont formé·e·s", referents.where(is_trained_expression()).count()),
        ("Formations", trainings.count()),
        ("Demi-journées de formation", int(trainings.select(fn.COALESCE(fn.SUM(Training.half_days), 0)).scalar())),
    ]


def write_pack(target, filters, author):
    """Write the committee workbook to a path or a binary file."""
    workbook = open_workbook(target, constant_memory=False)
    formats = Formats(workbook)
    set_properties(workbook, title=f"Maillage — {PACK_TITLE}", author=author,
                   comments=describe_filters(filters),
                   custom={"Filtres": describe_filters(filters), "Préparé par": author})
    cover = workbook.add_worksheet("Page de garde")
    _write_cover(cover, formats, filters, author, _counts(filters.territory))
    for title, columns, rows in (
        ("Couverture du réseau", COVERAGE_COLUMNS, _coverage_rows(filters.territory)),
        ("Structures sans référent·e", GAP_COLUMNS, _gap_rows(filters.territory)),
        ("Structures par bassin de vie", STRUCTURE_COLUMNS, _structure_rows(filters.territory)),
        ("Référent·e·s", REFERENT_COLUMNS, _referent_rows(filters.territory)),
    ):
        sheet = workbook.add_worksheet(title)
        write_table(sheet, columns, rows, formats)
    sheet = workbook.add_worksheet("Formations")
    count = write_table(sheet, TRAINING_COLUMNS, _training_rows(filters.territory), formats)
    euro_total_row(sheet, count + 1, 0, [len(TRAINING_COLUMNS) - 1], 1, count, formats)
    sheet = workbook.add_worksheet("Présences")
    write_table(sheet, ATTENDANCE_COLUMNS, _attendance_rows(filters.territory), formats)
    sheet = workbook.add_worksheet("Réunions")
    write_table(sheet, MEETING_COLUMNS, _meeting_rows(filters.territory), formats)
    year = datetime.date.today().year
    sheet = workbook.add_worksheet(f"Suivi {year}")
    write_table(sheet, FOLLOW_UP_COLUMNS, _follow_up_rows(filters.territory, year), formats)
    if filters.scenarios:
        add_comparison_sheets(workbook, formats, ScenarioComparison(filters.scenarios), author,
                              datetime.date.today())
    workbook.close()


def generate_pack(filters, author):
    """Write the pack, archive it, and return the CommitteePack row."""
    buffer = io.BytesIO()
    write_pack(buffer, filters, author)
    content = buffer.getvalue()
    stem = "dossier-comite"
    if filters.territory:
        stem += "-" + export_stem(filters.territory.name)
    return CommitteePack.create(
        author=author, filters=describe_filters(filters)[:255],
        filename=dated_filename(stem), sha256=hashlib.sha256(content).hexdigest(),
        size=len(content), content=content,
    )


