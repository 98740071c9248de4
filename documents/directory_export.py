"""The directory for outside use: the short one for front-line staff (main
numbers, one page per territory) and the data·inclusion v1 export for DORA."""
import json
import logging
from collections import OrderedDict

from data_inclusion.schema import v1 as data_inclusion
from peewee import JOIN
from pydantic import ValidationError as PydanticValidationError

from models.db import reading_order
from models.directory import TYPOLOGY_LABELS, Structure, Territory
from models.formatting import format_phone
from models.opening_hours import to_french
from models.services import Service, data_inclusion_service_values

from .spreadsheets import Column, Formats, open_workbook, set_properties, sheet_name, write_table

log = logging.getLogger("maillage.exports")

# Where the structures without a territory are listed, after every territory.
NO_TERRITORY = "Sans territoire"
DATA_INCLUSION_SOURCE = "maillage"
SHORT_COLUMNS = [
    Column("Structure", "text", 38), Column("Service", "text", 30),
    Column("Téléphone", "text", 16), Column("Horaires", "text", 30), Column("Commune", "text", 18),
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


def short_directory():
    """Territory name → rows (structure, service, phone, hours, commune) of the
    active structures, territories in reading order, one query."""
    query = structures_by_territory().where(Structure.actif == True)  # noqa: E712
    pages = OrderedDict()
    for s in query.iterator():
        pages.setdefault(territory_name(s), []).append([
            s.nom, TYPOLOGY_LABELS.get(s.typologie, s.typologie), format_phone(s.telephone),
            french_hours(s.horaires_accueil), s.commune,
        ])
    return pages


def write_short_directory(target, author=None):
    """One printable sheet per territory: landscape, one page wide, header repeated."""
    workbook = open_workbook(target, constant_memory=False)
    formats = Formats(workbook)
    set_properties(workbook, title="Maillage — annuaire court (numéros principaux)", author=author)
    used = set()
    for territory, rows in short_directory().items():
        name = sheet_name(territory)
        while name.lower() in used:  # two territories cut to the same 31 characters
            name = sheet_name(f"{name[:27]} {len(used)}")
        used.add(name.lower())
        sheet = workbook.add_worksheet(name)
        sheet.write_string(0, 0, f"Numéros principaux — {territory}", formats.title)
        write_table(sheet, SHORT_COLUMNS, rows, formats, header_row=2)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(2)
        sheet.set_footer("&LMaillage — annuaire court&RPage &P / &N")
    if not used:
        sheet = workbook.add_worksheet("Annuaire")
        sheet.write_string(0, 0, "Aucune structure active.", formats.title)
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
