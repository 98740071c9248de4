"""Committee pack (archived), short directory, data·inclusion export."""
import datetime
import hashlib
import io
import json

import openpyxl
from data_inclusion.schema import v1 as data_inclusion

from models import Attendance, CommitteePack, Meeting, Scenario, Structure, Territory, Training, database
from models.directory import subtree_ids
from seeds.loader import load_seeds
from tests.helpers import make_network, make_referent, make_structure, make_territory


def _seeded_with_training():
    with database.connection_context():
        load_seeds()
        structure = Structure.get(Structure.nom == "CIDFF de la Vienne")
    referent = make_referent(structure, nom="Durand", telephone="05 49 88 04 37")
    make_referent(structure, nom="Petit")
    with database.connection_context():
        training = Training.create(date=datetime.date(2026, 12, 3), theme="Repérage des violences",
                                   half_days=2, territory=structure.territory)
        Attendance.create(training=training, referent=referent, evaluation=5)
    return structure


def _cover(workbook):
    """Label → value of the pack's cover, above its contents list."""
    lines = {}
    for label, value, *_ in workbook["Page de garde"].iter_rows(min_row=4, values_only=True):
        if label == "Sommaire":
            return lines
        lines[label] = value
    return lines


def test_committee_pack_is_generated_archived_and_redownloadable(as_role):
    _seeded_with_training()
    with database.connection_context():
        ids = [str(s.id) for s in Scenario.select().order_by(Scenario.id)[:2]]
    viewer = as_role("viewer")
    response = viewer.post("/admin/exports/", {"territory": "", "scenarios": ids})
    assert response.status_code == 302
    download = viewer.get(response.headers["Location"])
    assert download.status_code == 200
    assert "dossier-comite-" in download.headers["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(download.data))
    assert workbook.sheetnames[:8] == [
        "Page de garde", "Synthèse budgétaire", "Couverture du réseau", "Structures sans référent·e",
        "Structures par bassin de vie", "Référent·e·s", "Formations", "Présences"]
    assert "Comparaison" in workbook.sheetnames
    cover = _cover(workbook)
    assert cover["Territoire"] == "Tous les territoires" and cover["Préparé par"] == "viewer@test.fr"
    assert cover["dont formé·e·s"] == 1
    referents = list(workbook["Référent·e·s"].iter_rows(values_only=True))[:3]
    trained = {row[3]: row[8] for row in referents[1:]}
    assert trained == {"Durand": "Oui", "Petit": "Non"}
    assert referents[1][7] == "05 49 88 04 37"
    trainings = workbook["Formations"]
    assert trainings["H2"].value == 700 and trainings["G2"].value == 1
    assert trainings["H3"].value == "=SUM(H2:H2)"
    with database.connection_context():
        pack = CommitteePack.get()
        assert pack.author == "viewer@test.fr" and "scénarios" in pack.filters
        assert pack.sha256 == hashlib.sha256(download.data).hexdigest()
    page = viewer.get("/admin/exports/").data.decode()
    assert pack.sha256 in page and pack.filename in page
    assert viewer.get(f"/admin/exports/dossiers/{pack.id}/").data == download.data
    assert viewer.get("/admin/exports/dossiers/999999/").status_code == 404


def test_pack_filtered_by_territory_and_bad_choices(as_role):
    structure = _seeded_with_training()
    editor = as_role("editor")
    territory_id = str(structure.territory_id)
    response = editor.post("/admin/exports/", {"territory": territory_id})
    workbook = openpyxl.load_workbook(io.BytesIO(editor.get(response.headers["Location"]).data))
    names = {row[0] for row in workbook["Structures par bassin de vie"].iter_rows(min_row=2, values_only=True)}
    with database.connection_context():
        inside = {t.name for t in Territory.select().where(Territory.id << subtree_ids(structure.territory_id))}
    assert structure.territory.name in names and names <= inside  # the territory and its sub-territories
    assert "Comparaison" not in workbook.sheetnames
    with database.connection_context():
        one_scenario = str(Scenario.select().first().id)
    refused = editor.post("/admin/exports/", {"scenarios": [one_scenario]})
    assert refused.status_code == 400 and "Aucun dossier généré" in refused.data.decode()
    assert editor.post("/admin/exports/", {"territory": "999999"}).status_code == 400
    with database.connection_context():
        assert CommitteePack.select().count() == 1


def test_a_territory_pack_includes_its_sub_territories_and_shows_coverage(as_role):
    territories, structures = make_network()
    with database.connection_context():
        Training.create(date=datetime.date(2026, 11, 5), theme="Accueillir", half_days=1,
                        territory=territories["Bassin Poitiers-Nord"])
        meeting = Meeting(date=datetime.date.today(), kind="cellule_operationnelle",
                          territory=territories["RVC Poitiers"], participants=9, decisions="Relancer la MDS")
        meeting.structures = [structures["MDS Poitiers"], structures["CCAS de Poitiers"]]
        meeting.save()
        Meeting.create(date=datetime.date(2026, 11, 21), kind="comite_pilotage", territory=territories["Ailleurs"])
    editor = as_role("editor")
    response = editor.post("/admin/exports/", {"territory": str(territories["Vienne"].id)})
    workbook = openpyxl.load_workbook(io.BytesIO(editor.get(response.headers["Location"]).data))
    cover = _cover(workbook)
    assert (cover["Structures"], cover["Formations"], cover["Demi-journées de formation"]) == (7, 1, 1)
    themes = [row[1] for row in workbook["Formations"].iter_rows(min_row=2, values_only=True) if row[0]]
    assert themes == ["Accueillir"]  # held in a bassin de vie inside the Vienne
    coverage = [row for row in workbook["Couverture du réseau"].iter_rows(min_row=2, values_only=True)]
    assert [row[0] for row in coverage] == [
        "Vienne", "    RVC Loudun", "    RVC Poitiers", "        Bassin Poitiers-Nord"]
    vienne = coverage[0]
    assert vienne[1:8] == (6, 5, 3, 0.6, 2, 5, 2)
    assert workbook["Couverture du réseau"]["E2"].number_format == "0.00 %"  # 60,00 %, not 0,60 %
    gaps = {row[1] for row in workbook["Structures sans référent·e"].iter_rows(min_row=2, values_only=True)}
    assert gaps == {"MDS Poitiers", "Épicerie solidaire"}  # Centre social is elsewhere
    meetings = list(workbook["Réunions"].iter_rows(min_row=2, values_only=True))
    assert [row[1:6] for row in meetings] == [
        ("Cellule opérationnelle", "RVC Poitiers", 2, 9, "Relancer la MDS")]  # not Ailleurs' comité
    follow_up = {row[0]: row[1:] for row in workbook[f"Suivi {datetime.date.today().year}"].iter_rows(
        min_row=2, values_only=True)}
    assert follow_up["Réunions\u00a0: cellule opérationnelle"][:2] == (1, 0)


def test_export_committee_command(app, tmp_path):
    _seeded_with_training()
    output = tmp_path / "comite.xlsx"
    result = app.test_cli_runner().invoke(args=["export-committee", str(output), "--author", "coordination"])
    assert result.exit_code == 0, result.output
    workbook = openpyxl.load_workbook(output)
    assert workbook.properties.creator == "coordination"
    with database.connection_context():
        assert CommitteePack.get().sha256 == hashlib.sha256(output.read_bytes()).hexdigest()
    failed = app.test_cli_runner().invoke(args=["export-committee", str(output), "--scenarios", "1"])
    assert failed.exit_code == 1 and "Aucun dossier généré" in failed.output


def test_short_directory_xlsx_and_printable_page(as_role):
    loudun = make_territory("Bassin de Loudun", kind="bassin_de_vie")
    make_structure("CCAS de Loudun", commune="Loudun", territory=loudun,
                   telephone="05 49 98 00 00", horaires_accueil="Mo-Fr 09:00-12:00",
                   thematiques=["famille--surmonter-conflits-separation-violence"],
                   date_maj=datetime.date(2026, 3, 2))
    make_structure("Fermée", actif=False, territory=loudun, telephone="05 49 98 00 01")
    make_structure("Sans téléphone", territory=loudun, date_maj=datetime.date(2026, 1, 5))
    make_structure("Sans bassin", typologie="ASSO", telephone="05 49 00 00 00")
    viewer = as_role("viewer")
    workbook = openpyxl.load_workbook(io.BytesIO(viewer.get("/admin/exports/annuaire-court.xlsx").data))
    assert workbook.sheetnames == ["Bassin de Loudun", "Sans territoire"]
    sheet = workbook["Bassin de Loudun"]
    header = int(sheet.print_title_rows.split(":")[0].strip("$"))
    assert [c.value for c in sheet[header]][:3] == ["Structure", "Ce qu'elle propose", "Téléphone"]
    entry = [c.value for c in sheet[header + 1]]
    assert entry[0] == "CCAS de Loudun" and entry[2] == "05 49 98 00 00" and entry[4] == "Loudun"
    assert "CCAS" not in entry[1] and "violence" in entry[1]  # what it offers, not its type
    assert entry[3].startswith("lun.") and "9\u202fh" in entry[3]  # hours in French
    assert sheet.max_row == header + 1  # inactive and phoneless structures left out of the print
    assert sheet.page_setup.orientation == "landscape"
    assert sheet["A2"].value == "Fiches vérifiées le 02/03/2026"  # the data's date, not today's
    numbers = [sheet.cell(row, 1).value for row in range(3, header)]
    assert ["3919", "17 / 112", "15", "18", "115", "119", "114"] == [n for n in numbers if n]
    page = viewer.get("/admin/exports/annuaire-court/").data.decode()
    assert "Numéros utiles — Bassin de Loudun" in page and "3919" in page
    assert "Fermée" not in page
    assert "Sans téléphone" in page and "à compléter" in page  # flagged on screen…
    assert 'class="missing no-print"' in page  # …and left out when printed
    # One page per territory: the print stylesheet is a file (the CSP refuses inline <style>).
    assert "/theme/static/short-directory.css" in page
    assert "page-break-after: always" in viewer.get("/theme/static/short-directory.css").text


def test_data_inclusion_export_follows_the_v1_schema(as_role):
    with database.connection_context():
        load_seeds()
        Structure.create(nom="CIDFF test", typologie="CIDFF", siret="73282932000074",
                         courriel="contact@cidff.fr", site_web="cidff.fr", code_postal="86000",
                         reseaux_porteurs=["cidff"] if "cidff" in dict(Structure.reseaux_porteurs.choices) else [])
        active = Structure.select().where(Structure.actif == True).count()  # noqa: E712
    response = as_role("viewer").get("/admin/exports/data-inclusion.jsonl")
    assert response.status_code == 200
    lines = response.data.decode().splitlines()
    assert len(lines) == active
    records = [data_inclusion.Structure.model_validate(json.loads(line)) for line in lines]
    test = next(r for r in records if r.nom == "CIDFF test")
    assert test.siret == "73282932000074" and str(test.site_web) == "https://cidff.fr/"
    assert all(r.source == "maillage" for r in records)


def test_the_command_keeps_the_archive_within_its_retention(app, tmp_path):
    _seeded_with_training()
    with database.connection_context():
        old = CommitteePack.create(
            author="ancien", filters="Territoire : tous", filename="dossier-comite-ancien.xlsx",
            sha256="0" * 64, size=1, content=b"x",
            created_at=datetime.datetime.now() - datetime.timedelta(days=app.config["MAILLAGE_PACK_RETENTION_DAYS"] + 1),
        )
    result = app.test_cli_runner().invoke(args=["export-committee", str(tmp_path / "comite.xlsx")])
    assert result.exit_code == 0, result.output
    assert "durée de conservation supprimés : 1" in result.output
    with database.connection_context():
        assert CommitteePack.get_or_none(CommitteePack.id == old.id) is None
        assert CommitteePack.select().count() == 1
