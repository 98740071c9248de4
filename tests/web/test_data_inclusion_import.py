"""`flask --app app import-data-inclusion`: a data·inclusion v1 file made here with the
schema package's own models, imported twice (same result), local edits kept as
conflicts, a bad file refused in French with nothing written."""
import datetime
import json

from data_inclusion.schema import v1

from models import DataInclusionLink, Service, Structure, database
from tests.helpers import make_structure, make_territory

TODAY = datetime.date.today()


def sample_dataset():
    """Two structures of the Vienne and one of the Doubs, three services, as data·inclusion
    publishes them: validated by the schema package before they are written."""
    structures = [
        v1.Structure(source="dora", id="dora--cidff86", nom="CIDFF de la Vienne", date_maj=TODAY,
                     description="Information juridique des femmes et des familles.",
                     siret="73282932000074", commune="Poitiers", code_postal="86000", code_insee="86194",
                     telephone="05 49 88 04 24", courriel="contact@cidff86.fr",
                     horaires_accueil="Mo-Fr 09:00-12:00"),
        v1.Structure(source="dora", id="dora--ccas-loudun", nom="CCAS de Loudun", date_maj=TODAY,
                     description="Centre communal d'action sociale.", commune="Loudun",
                     code_postal="86200", code_insee="86137"),
        v1.Structure(source="dora", id="dora--fv25", nom="France Victimes 25 Besançon", date_maj=TODAY,
                     description="Aide aux victimes.", commune="Besançon", code_postal="25000",
                     code_insee="25056"),
    ]
    services = [
        v1.Service(source="dora", id="dora--s1", structure_id="dora--cidff86", nom="Permanence juridique",
                   description="Informer les femmes sur leurs droits.", date_maj=TODAY,
                   thematiques={v1.Thematique.FAMILLE__SURMONTER_CONFLITS_SEPARATION_VIOLENCE},
                   publics={v1.Public.FEMMES}, modes_accueil={v1.ModeAccueil.EN_PRESENTIEL},
                   modes_mobilisation={v1.ModeMobilisation.TELEPHONER}, zone_eligibilite=["86"],
                   frais=v1.Frais.GRATUIT, telephone="+33549880424"),
        v1.Service(source="dora", id="dora--s2", structure_id="dora--ccas-loudun", nom="Aide alimentaire",
                   description="Colis et bons alimentaires.", date_maj=TODAY,
                   thematiques={v1.Thematique.EQUIPEMENT_ET_ALIMENTATION__ALIMENTATION},
                   zone_eligibilite=["86137"]),
        v1.Service(source="dora", id="dora--s3", structure_id="dora--fv25", nom="Permanence d'aide aux victimes",
                   description="Juristes en commissariat.", date_maj=TODAY, zone_eligibilite=["25"]),
    ]
    return {"structures": [s.model_dump(mode="json", exclude_none=True) for s in structures],
            "services": [s.model_dump(mode="json", exclude_none=True) for s in services]}


def run(app, tmp_path, data, *options, name="dataset.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return app.test_cli_runner().invoke(args=["import-data-inclusion", str(path), *options])


def counts():
    with database.connection_context():
        return Structure.select().count(), Service.select().count(), DataInclusionLink.select().count()


def test_import_twice_gives_the_same_directory(app, tmp_path):
    first = run(app, tmp_path, sample_dataset())
    assert first.exit_code == 0, first.output
    assert "Structures : 3 créé(e)s, 0 mis(es) à jour, 0 inchangé(e)s" in first.output
    assert "Services : 3 créé(e)s" in first.output
    assert counts() == (3, 3, 6)
    second = run(app, tmp_path, sample_dataset())
    assert second.exit_code == 0, second.output
    assert "Structures : 0 créé(e)s, 0 mis(es) à jour, 3 inchangé(e)s" in second.output
    assert "Services : 0 créé(e)s, 0 mis(es) à jour, 3 inchangé(e)s" in second.output
    assert counts() == (3, 3, 6)
    with database.connection_context():
        cidff = Structure.get(Structure.nom == "CIDFF de la Vienne")
        assert cidff.telephone == "+33549880424" and cidff.typologie == "CIDFF"
        service = Service.get(Service.nom == "Permanence juridique")
        assert service.structure_id == cidff.id and service.publics == ["femmes"]
        assert service.zone_eligibilite == ["86"] and service.frais == "gratuit"


def test_departement_keeps_one_and_dry_run_writes_nothing(app, tmp_path):
    preview = run(app, tmp_path, sample_dataset(), "--departement", "86", "--dry-run")
    assert preview.exit_code == 0, preview.output
    assert "Aperçu (rien n'a été enregistré)" in preview.output
    assert "Structures : 2 à créer" in preview.output and "Services : 2 à créer" in preview.output
    assert "écarté(e)s" in preview.output
    assert counts() == (0, 0, 0)
    real = run(app, tmp_path, sample_dataset(), "--departement", "86")
    assert "Structures : 2 créé(e)s" in real.output and counts() == (2, 2, 4)


def test_a_local_edit_is_never_overwritten_and_is_reported(app, tmp_path):
    run(app, tmp_path, sample_dataset())
    with database.connection_context():
        cidff = Structure.get(Structure.nom == "CIDFF de la Vienne")
        cidff.telephone = "05 49 00 00 00"  # edited in Maillage after the import
        cidff.save()
        service = Service.get(Service.nom == "Aide alimentaire")
    data = sample_dataset()
    data["structures"][0]["telephone"] = "+33549111111"  # the source changed it too
    data["structures"][0]["courriel"] = "accueil@cidff86.fr"  # not edited locally: updated
    data["services"][1]["description"] = "Colis, bons et épicerie solidaire."
    result = run(app, tmp_path, data)
    assert result.exit_code == 0, result.output
    assert "conflits : 1" in result.output
    assert "Conflit — Structure « CIDFF de la Vienne », Téléphone : modifié dans Maillage (« +33549000000 »)" in result.output
    with database.connection_context():
        cidff = Structure.get(Structure.id == cidff.id)
        assert cidff.telephone == "+33549000000" and cidff.courriel == "accueil@cidff86.fr"
        assert Service.get(Service.id == service.id).description == "Colis, bons et épicerie solidaire."


def test_matches_an_existing_structure_by_siret_then_by_name(app, tmp_path):
    territory = make_territory("Vienne", kind="departement", departement="86")
    by_siret = make_structure("CIDFF 86", typologie="CIDFF", siret="73282932000074", telephone="0549000000")
    by_name = make_structure("CCAS de LOUDUN", commune="Loudun")
    result = run(app, tmp_path, sample_dataset(), "--territory", str(territory.id))
    assert result.exit_code == 0, result.output
    assert "Structures : 1 créé(e)s, 2 mis(es) à jour" in result.output
    assert "Conflit — Structure « CIDFF 86 », Nom" in result.output  # a name typed here is kept
    with database.connection_context():
        assert Structure.select().count() == 3
        kept = Structure.get(Structure.id == by_siret.id)
        assert kept.nom == "CIDFF 86" and kept.telephone == "+33549000000"  # kept, reported
        assert kept.code_insee == "86194"  # empty here: filled from the file
        assert Structure.get(Structure.id == by_name.id).code_insee == "86137"
        assert Structure.get(Structure.nom == "France Victimes 25 Besançon").territory_id == territory.id


def test_bad_files_are_refused_in_french_and_nothing_is_written(app, tmp_path):
    for content, expected in (
        ("pas du json {", "n'est ni un fichier JSON"),
        ('{"source": "x", "id": "1"}\n{oops', "ligne 2 : JSON illisible"),
        ("[1, 2]", "une liste d'enregistrements data·inclusion est attendue"),
    ):
        result = run(app, tmp_path, content)
        assert result.exit_code != 0
        assert "Erreur : Rien n'a été enregistré." in result.output and expected in result.output, result.output
    assert counts() == (0, 0, 0)


def test_records_the_schema_refuses_are_listed_with_their_line(app, tmp_path):
    data = sample_dataset()
    data["structures"][1]["code_postal"] = "8620"  # not a postal code
    del data["services"][0]["description"]
    result = run(app, tmp_path, data)
    assert result.exit_code == 0, result.output
    assert "Erreur — dataset.json, enregistrement 2 : structure : champ « code_postal » invalide" in result.output
    assert "enregistrement 4 : service : champ « description » obligatoire manquant" in result.output
    # the CCAS's service has no structure any more: left out, not created without one
    assert counts()[:2] == (2, 1)


def test_reads_two_files_json_lines_and_csv(app, tmp_path):
    data = sample_dataset()
    structures = tmp_path / "structures.jsonl"
    structures.write_text("\n".join(json.dumps(s) for s in data["structures"]), encoding="utf-8")
    services = tmp_path / "services.csv"
    services.write_text(
        "source;id;structure_id;nom;description;date_maj;thematiques;zone_eligibilite\n"
        f"dora;dora--s9;dora--ccas-loudun;Domiciliation;Adresse postale pour les démarches.;{TODAY.isoformat()};"
        'difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives;86137\n',
        encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-data-inclusion", str(structures), str(services)])
    assert result.exit_code == 0, result.output
    assert "Structures : 3 créé(e)s" in result.output and "Services : 1 créé(e)s" in result.output
    with database.connection_context():
        assert Service.get(Service.nom == "Domiciliation").zone_eligibilite == ["86137"]
