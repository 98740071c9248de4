"""What each structure offers, in words, from its own and its services' thematiques:
models.services.offers_by_structure (one query), read by the short directory and the
committee pack."""
import io

import openpyxl

from models import Service, Structure, database
from models.services import offers_by_structure
from tests.helpers import QueryCounter, make_structure

VIOLENCE = "famille--surmonter-conflits-separation-violence"
FOOD = "equipement-et-alimentation--alimentation"
RIGHTS = "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits"


def _offering():
    """A CCAS whose own thematique is food, with two services (rights twice, violence),
    and a structure without any."""
    ccas = make_structure("CCAS de Loudun", commune="Loudun", telephone="05 49 98 00 00", thematiques=[FOOD])
    bare = make_structure("Mairie de Moncontour", typologie="MUNI", telephone="05 49 98 00 01")
    with database.connection_context():
        for nom, thematiques in (("Permanence juridique", [RIGHTS, VIOLENCE]), ("Accès aux droits", [RIGHTS])):
            Service.create(structure=ccas, nom=nom, description="Un service de la structure, décrit ici.",
                           thematiques=thematiques)
    return ccas, bare


def test_offers_name_the_structure_and_its_services_thematiques_once_in_one_query(app):
    ccas, bare = _offering()
    with database.connection_context():
        with QueryCounter() as queries:
            offers = offers_by_structure(Structure.select(Structure.id))
    assert queries.count == 1
    words = offers[ccas.id].split(", ")
    assert words[0] == "Alimentation"  # its own first, then its services'
    assert len(words) == 3 and len(set(words)) == 3  # the rights thematique once, not twice
    assert any("violence" in word for word in words) and any("droits" in word for word in words)
    assert offers[bare.id] == ""
    with database.connection_context():
        assert offers_by_structure([bare.id]) == {bare.id: ""}


def test_short_directory_and_committee_pack_say_what_services_offer(as_role):
    _offering()
    viewer = as_role("viewer")
    page = viewer.get("/admin/exports/annuaire-court/").get_data(as_text=True)
    assert "Alimentation" in page and "violence" in page
    response = viewer.post("/admin/exports/", {"territory": ""})
    workbook = openpyxl.load_workbook(io.BytesIO(viewer.get(response.headers["Location"]).data))
    rows = list(workbook["Structures par bassin de vie"].iter_rows(values_only=True))
    header = next(row for row in rows if "Ce qu'elle propose" in row)
    column = header.index("Ce qu'elle propose")
    offered = {row[header.index("Structure")]: row[column] for row in rows[rows.index(header) + 1:]
               if row[header.index("Structure")]}
    assert offered["CCAS de Loudun"].startswith("Alimentation, ") and "violence" in offered["CCAS de Loudun"]
    assert not offered["Mairie de Moncontour"]
