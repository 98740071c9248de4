"""The directory for outside use: the short one for front-line staff (main
numbers, one page per territory) and the data·inclusion v1 export for DORA."""
import json
import logging
from collections import OrderedDict, namedtuple

from data_inclusion.schema import v1 as data_inclusion
from peewee import JOIN
from pydantic import ValidationError as PydanticValidationError

from models.db import reading_order
from models.directory import Structure, Territory, within_territory
from models.formatting import format_phone
from models.opening_hours import to_french
from models.services import Service, data_inclusion_service_values, offers_by_structure

from .grid_export import export_stem
from .spreadsheets import (
    Column, Formats, dated_filename, open_workbook, set_properties, sheet_name, write_caption,
    write_table,
)

log = logging.getLogger("maillage.exports")

# Where the structures without a territory are listed, after every territory.
NO_TERRITORY = "Sans territoire"
DATA_INCLUSION_SOURCE = "maillage"
SHORT_COLUMNS = [
    Column("Structure", "text", 30), Column("Ce qu'elle propose", "text", 40),
    Column("Téléphone", "text", 16), Column("Horaires", "text", 32), Column("Commune", "text", 16),
]


def french_hours(opening_hours):
    """'Mo-Fr 09:00-12:00; PH off' → 'lun.–ven. 9 h–12 h ; fermé les jours fériés'."""
    return to_french(opening_hours)  # models/opening_hours.py


def territory_name(structure):
    """The name of a structure's territory (read with it), or NO_TERRITORY."""
    return structure.territory.name if structure.territory_id else NO_TERRITORY


def territory_reading_order():
    """ORDER BY terms: territories in reading order, no territory last."""
    return Territory.id.is_null(), reading_order(Territory.name)


def structures_by_territory():
    """Structures with their territory (one query), by territory in reading order,
    those without one last, then by name in reading order."""
    return (
        Structure.select(Structure, Territory)
        .join(Territory, JOIN.LEFT_OUTER, on=Structure.territory == Territory.id, attr="territory")
        .order_by(*territory_reading_order(), reading_order(Structure.nom))
    )


# The numbers every page starts with, whatever the territory.
NATIONAL_NUMBERS = [
    ("3919", "Violences Femmes Info : écoute, information et orientation des femmes victimes "
             "de violences et de leur entourage (gratuit, anonyme, 7 jours sur 7, 24 h sur 24)"),
    ("17 / 112", "Police secours, gendarmerie ; 112 : numéro d'urgence européen"),
    ("15", "SAMU : urgence médicale"),
    ("18", "Sapeurs-pompiers"),
    ("115", "Samu social : hébergement d'urgence"),
    ("119", "Allô enfance en danger"),
    ("114", "Urgences par SMS (personnes sourdes ou malentendantes, ou qui ne peuvent pas parler)"),
]
TO_COMPLETE = "à compléter"

ShortEntry = namedtuple("ShortEntry", "name offers phone hours commune")
ShortEntry.__doc__ = "One structure of the short directory; phone is None when it has none (à compléter)."
ShortPage = namedtuple("ShortPage", "territory entries checked_from checked_to")
ShortPage.__doc__ = "One territory's page: its structures and the oldest and newest dates they were checked."


def short_directory(territory=None, printed=False):
    """The short directory's pages: one per territory (the one chosen and its
    sub-territories, or all), territories in reading order, active structures
    by name. `printed` leaves out the structures without a phone number (the
    admin's version lists them, their phone « à compléter »). Two queries."""
    condition = Structure.actif == True  # noqa: E712
    if territory is not None:
        condition &= within_territory(Structure.territory, territory)
    structures = list(structures_by_territory().where(condition))
    offers = offers_by_structure(Structure.select(Structure.id).where(condition)) if structures else {}
    pages = OrderedDict()
    for s in structures:
        if printed and not s.telephone:
            continue
        entries = pages.setdefault(territory_name(s), [])
        entries.append((s.date_maj, ShortEntry(
            s.nom, offers.get(s.id, ""),
            format_phone(s.telephone) if s.telephone else None,
            french_hours(s.horaires_accueil), s.commune or "",
        )))
    return [
        ShortPage(name, [entry for _, entry in rows],
                  min((d for d, _ in rows if d), default=None),
                  max((d for d, _ in rows if d), default=None))
        for name, rows in pages.items()
    ]


def checked_text(page):
    """'Fiches vérifiées entre le 05/01/2026 et le 20/11/2026' (the data's date, not the print's)."""
    if page.checked_to is None:
        return "Date de vérification des fiches inconnue"
    if page.checked_from == page.checked_to:
        return f"Fiches vérifiées le {page.checked_to:%d/%m/%Y}"
    return f"Fiches vérifiées entre le {page.checked_from:%d/%m/%Y} et le {page.checked_to:%d/%m/%Y}"


SHORT_DIRECTORY_TITLE = "Annuaire court — numéros utiles"
NATIONAL_COLUMNS = [Column("Numéro national", "text", 16), Column("Pour quoi", "text", 100)]


def short_directory_filename(territory=None):
    return dated_filename("annuaire-court", qualifiers=[export_stem(territory.name)] if territory else ())


def write_short_directory(target, author=None, territory=None):
    """One printable sheet per territory: the national numbers on top, then the
    structures with a phone; A4 landscape, one page wide, header repeated."""
    workbook = open_workbook(target, constant_memory=False)
    formats = Formats(workbook, title=SHORT_DIRECTORY_TITLE
                      + (f" — {territory.name}" if territory else ""))
    set_properties(workbook, title=f"Maillage — {SHORT_DIRECTORY_TITLE}", author=author,
                   custom={"Territoire": territory.name if territory else "tous les territoires"})
    big = workbook.add_format({"bold": True, "font_size": 13, "valign": "top"})
    used = set()
    pages = short_directory(territory, printed=True) or [ShortPage(
        territory.name if territory else "Annuaire", [], None, None)]
    for page in pages:
        name = sheet_name(page.territory)
        while name.lower() in used:  # two territories cut to the same 31 characters
            name = sheet_name(f"{name[:27]} {len(used)}")
        used.add(name.lower())
        sheet = workbook.add_worksheet(name)
        row = write_caption(sheet, formats, f"Numéros utiles — {page.territory}", [checked_text(page)])
        row += 1
        for number, what in NATIONAL_NUMBERS:
            sheet.write_string(row, 0, number, big)
            sheet.merge_range(row, 1, row, len(SHORT_COLUMNS) - 1, what, formats.wrap)
            row += 1
        rows = ([e.name, e.offers, e.phone, e.hours, e.commune] for e in page.entries)
        write_table(sheet, SHORT_COLUMNS, rows, formats, header_row=row + 1,
                    empty_text="Aucune structure active avec un numéro de téléphone.")
    workbook.close()


# data·inclusion v1 fields Maillage keeps under the same name and meaning.
DATA_INCLUSION_FIELDS = (
    "nom", "date_maj", "description", "siret", "commune", "code_postal", "code_insee",
    "adresse", "complement_adresse", "telephone", "courriel", "site_web", "horaires_accueil",
)


def data_inclusion_record(structure):
    """One structure as a data·inclusion v1 Structure (validated by the schema)."""
    return data_inclusion.Structure(
        source=DATA_INCLUSION_SOURCE,
        id=str(structure.id),
        reseaux_porteurs=set(structure.reseaux_porteurs) or None,
        **{name: getattr(structure, name) for name in DATA_INCLUSION_FIELDS},
    )


def data_inclusion_lines():
    """JSON lines of the active structures, in the v1 field names; one query."""
    query = Structure.select().where(Structure.actif == True).order_by(Structure.id)  # noqa: E712
    for structure in query.iterator():
        try:
            record = data_inclusion_record(structure)
        except PydanticValidationError as error:
            # A record saved before today's rules: left out, named in the log,
            # rather than a download cut in the middle.
            log.warning("data·inclusion : structure n° %s « %s » omise (%s)",
                        structure.id, structure.nom, error.errors()[0]["loc"])
            continue
        yield json.dumps(record.model_dump(mode="json", exclude_none=True), ensure_ascii=False) + "\n"


def data_inclusion_service_lines():
    """JSON lines of the services of the active structures, as v1 `Service` records,
    the file beside the structures' (data·inclusion publishes the two); one query."""
    query = (Service.select(Service, Structure).join(Structure)
             .where(Structure.actif == True).order_by(Service.id))  # noqa: E712
    for service in query.iterator():
        try:
            record = data_inclusion.Service(
                source=DATA_INCLUSION_SOURCE, id=f"service-{service.id}", structure_id=str(service.structure_id),
                **data_inclusion_service_values(service))
        except PydanticValidationError as error:
            log.warning("data·inclusion : service n° %s « %s » omis (%s)",
                        service.id, service.nom, error.errors()[0]["loc"])
            continue
        yield json.dumps(record.model_dump(mode="json", exclude_none=True), ensure_ascii=False) + "\n"
