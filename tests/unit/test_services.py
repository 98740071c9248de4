"""Service rules (models/services.py): data·inclusion slugs, zone codes, French
messages, the structure's services go with it, and find_services' answers."""
import datetime

import pytest

from models import Service, Structure, ValidationError, database
from models.services import (
    find_services, next_weekday, open_state, resolve_commune, split_codes, thematiques_for_need,
)
from tests.helpers import LONG_AGO, make_referent, make_structure, make_territory

VIOLENCE = "famille--surmonter-conflits-separation-violence"
SHELTER = "logement-hebergement--rechercher-une-solution-dhebergement-temporaire"


def service(structure, nom="Permanence juridique", **fields):
    with database.connection_context():
        return Service.create(structure=structure, nom=nom,
                              description=fields.pop("description", "Un service du réseau."), **fields)


def refused(structure, **fields):
    with database.connection_context(), pytest.raises(ValidationError) as error:
        Service(structure=structure, nom=fields.pop("nom", "Service"),
                description=fields.pop("description", "Un service."), **fields).save()
    return error.value.errors


def test_slugs_are_the_schema_s_and_messages_are_french():
    s = make_structure()
    assert "inconnue(s) du référentiel data·inclusion : sante-mentale" in refused(s, thematiques=["sante-mentale"])["thematiques"]
    assert "Tous publics" in refused(s, publics=["tous-publics", "femmes"])["publics"]
    assert "Code(s) non reconnu(s) : 8" in refused(s, zone_eligibilite="86194, 8")["zone_eligibilite"]
    assert "Horaires non compris" in refused(s, horaires_accueil="lundi 9h")["horaires_accueil"]
    assert "Décrivez le service" in refused(s, description=" ")["description"]
    other = make_structure("CIAS du Loudunais", typologie="CIAS")
    referent = make_referent(other)
    assert "référent·e de la structure" in refused(s, referent=referent)["referent"]


def test_values_are_normalised():
    s = make_structure()
    saved = service(s, zone_eligibilite="86194 ; 86, France", telephone="05 49 00 00 00",
                    horaires_accueil="Mo-Fr 09:00-12:00, 14:00-17:00")
    with database.connection_context():
        saved = Service.get_by_id(saved.id)
    assert saved.zone_eligibilite == ["86", "86194", "france"]
    assert saved.telephone == "+33549000000"
    assert saved.horaires_accueil == "Mo-Fr 09:00-12:00,14:00-17:00"
    in_french = service(s, nom="Accueil", horaires_accueil="du lundi au vendredi 9h-12h et 14h-17h")
    assert in_french.horaires_accueil == "Mo-Fr 09:00-12:00,14:00-17:00"  # typed in French, kept as OSM
    assert split_codes("2a004") == ["2A004"]


def test_a_structure_s_services_go_with_it_and_a_referent_s_are_unlinked():
    s = make_structure()
    referent = make_referent(s)
    kept = make_structure("Autre structure")
    service(s, referent=referent)
    service(kept, nom="Autre service")
    with database.connection_context():
        referent.delete_with_dependents()
        assert Service.get(Service.nom == "Permanence juridique").referent_id is None
        Structure.get_by_id(s.id).delete_with_dependents()
        assert [x.nom for x in Service.select()] == ["Autre service"]


def test_needs_and_moments():
    assert thematiques_for_need("violences-conjugales") == (VIOLENCE,)
    assert SHELTER in thematiques_for_need("logement-hebergement")
    assert thematiques_for_need(SHELTER) == (SHELTER,)
    assert thematiques_for_need("n-importe-quoi") is None
    wednesday = datetime.date(2026, 12, 2)
    assert next_weekday("mercredi", wednesday) == wednesday
    assert next_weekday("lundi", wednesday) == datetime.date(2026, 12, 7)
    assert open_state("We 14:00-17:00", datetime.datetime(2026, 12, 2, 15, 0)) is True
    assert open_state("We 14:00-17:00", datetime.datetime(2026, 12, 2, 10, 0)) is False
    assert open_state("We 14:00-17:00", datetime.date(2026, 12, 2)) is True
    assert open_state("We 14:00-17:00", datetime.date(2026, 12, 3)) is False
    assert open_state(None, wednesday) is None


def _place():
    """Vienne (86) ⊃ RVC Loudun; a CIDFF serving the whole 86, a CCAS in Loudun serving
    its commune, a CHRS in the RVC with no zone, a Doubs service, an inactive structure."""
    vienne = make_territory("Vienne", kind="departement", departement="86")
    loudun = make_territory("RVC Loudun", parent=vienne)
    cidff = make_structure("CIDFF de la Vienne", typologie="CIDFF", commune="Poitiers", code_insee="86194",
                           territory=vienne, horaires_accueil="Mo-Fr 09:00-12:00")
    ccas = make_structure("CCAS de Loudun", commune="Loudun", code_insee="86137", territory=loudun)
    chrs = make_structure("CHRS du Loudunais", typologie="CHRS", commune="Loudun", territory=loudun)
    doubs = make_structure("France Victimes 25", typologie="FRANCE_VICTIMES", commune="Besançon", code_insee="25056")
    closed = make_structure("Ancienne asso", typologie="ASSO", commune="Loudun", code_insee="86137", actif=False)
    make_referent(cidff, nom="Durand", role="violences")
    make_referent(cidff, nom="Inactif", role="violences", actif=False)
    make_referent(cidff, nom="Coord", role="coordination")
    found = {
        "juridique": service(cidff, thematiques=[VIOLENCE], publics=["femmes"], zone_eligibilite=["86"]),
        "alimentaire": service(ccas, nom="Aide alimentaire", thematiques=["equipement-et-alimentation--alimentation"],
                               zone_eligibilite=["86137"], horaires_accueil="We 14:00-17:00"),
        "hebergement": service(chrs, nom="Hébergement d'urgence", thematiques=[SHELTER], publics=["tous-publics"]),
        "doubs": service(doubs, nom="Aide aux victimes", thematiques=[VIOLENCE], zone_eligibilite=["25"],
                         date_maj=LONG_AGO),
        "fermee": service(closed, nom="Permanence fermée", thematiques=[VIOLENCE], zone_eligibilite=["86"]),
    }
    return vienne, loudun, found


def names(found):
    return sorted(s.nom for s in found.rows)


def test_find_services_by_commune_territory_public_and_moment():
    vienne, loudun, _ = _place()
    with database.connection_context():
        loudun_commune = resolve_commune("loudun")
        assert loudun_commune == ("Loudun", "86137")
        assert names(find_services(commune=loudun_commune)) == [
            "Aide alimentaire", "Hébergement d'urgence", "Permanence juridique"]
        assert names(find_services(need="violences-conjugales", commune=loudun_commune)) == ["Permanence juridique"]
        assert names(find_services(need="violences-conjugales", commune=resolve_commune("25056"))) == ["Aide aux victimes"]
        # a territory: its structures (sub-territories included) and what serves its département
        assert names(find_services(territory=loudun.id)) == [
            "Aide alimentaire", "Hébergement d'urgence", "Permanence juridique"]
        assert names(find_services(territory=vienne.id, public="jeunes")) == [
            "Aide alimentaire", "Hébergement d'urgence"]  # no public given, or tous-publics
        wednesday = next_weekday("mercredi")
        answer = find_services(commune=loudun_commune, open_at=datetime.datetime.combine(wednesday, datetime.time(15)))
        assert names(answer) == ["Aide alimentaire"] and answer.unknown_hours == 1  # the CHRS has none
        found = find_services(need="violences-conjugales", territory=vienne.id)
        assert [r.nom for r in found.rows[0].referents] == ["Durand"]  # active, violences/précarité


def test_find_services_takes_four_queries_whatever_the_count(app):
    from tests.helpers import QueryCounter
    _vienne, loudun, _ = _place()
    with database.connection_context():
        with QueryCounter() as counter:
            find_services(need="violences-conjugales", territory=loudun.id, public="femmes")
        assert counter.count <= 4
