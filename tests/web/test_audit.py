"""The audit history through the panel and the CLI: every write, login, export and
import leaves a row; the « Historique » page; the admin-only, read-only grid."""
import datetime
import io
import json
import re

import openpyxl
import pytest

from commands import login_name
from models import AuditEntry, CostLine, Structure, Territory, User, database
from models.formatting import format_datetime
from models.audit import MASKED, cli_actor
from tests.helpers import (
    PASSWORD, QueryCounter, confirm_import, grid_column, make_scenario, make_structure, make_territory,
    page_messages, upload_import,
)

STRUCTURE_FORM = {
    "nom": "France Victimes 86", "typologie": "FRANCE_VICTIMES", "siret": "356 000 000 00048",
    "telephone": "05 49 00 00 00", "courriel": "Contact@FranceVictimes86.fr", "code_postal": "86000",
    "commune": "Poitiers", "publics": ["femmes", "familles"],
    "thematiques": ["famille--surmonter-conflits-separation-violence"], "accueille_du_public": "y",
    "actif": "y", "date_maj": "01/11/2026", "places": "12",
}


def entries(**where):
    """The audit rows matching `where`, oldest first."""
    with database.connection_context():
        query = AuditEntry.select().order_by(AuditEntry.id)
        for name, value in where.items():
            query = query.where(getattr(AuditEntry, name) == value)
        return list(query)


def only(**where):
    found = entries(**where)
    assert len(found) == 1, [(e.action, e.model, e.changes) for e in found]
    return found[0]


def test_a_form_edit_records_exactly_the_changed_fields_with_before_and_after(as_role):
    territory = make_territory()
    browser = as_role("editor")
    created = browser.post("/admin/structure/new/", {**STRUCTURE_FORM, "territory": territory.id})
    assert created.status_code == 302, page_messages(created)
    structure_id = only(model="Structure", action="create").record_id
    creation = only(model="Structure", action="create")
    assert creation.actor == "editor@test.fr" and creation.label == "France Victimes 86 (Poitiers)"
    assert creation.changes_dict["siret"] == "35600000000048"
    assert creation.changes_dict["publics"] == ["familles", "femmes"]

    edit_url = f"/admin/structure/edit/?id={structure_id}"
    same = browser.post(edit_url, {**STRUCTURE_FORM, "territory": territory.id})
    assert same.status_code == 302, page_messages(same)
    assert entries(model="Structure", action="update") == []  # saved as it was: nothing to record

    before = datetime.datetime.utcnow().replace(microsecond=0)
    edited = browser.post(edit_url, {
        **STRUCTURE_FORM, "territory": "__None", "commune": "Buxerolles", "places": "15",
        "notes": "Permanence le mardi", "publics": ["familles", "femmes"],
    })
    assert edited.status_code == 302, page_messages(edited)
    update = only(model="Structure", action="update")
    assert update.actor == "editor@test.fr" and update.record_id == structure_id
    assert update.label == "France Victimes 86 (Buxerolles)"
    assert update.changes_dict == {
        "commune": ["Poitiers", "Buxerolles"], "places": [12, 15],
        "notes": [None, "Permanence le mardi"], "territory": [territory.id, None],
    }
    assert before <= update.created_at <= datetime.datetime.utcnow() + datetime.timedelta(seconds=1)

    # The « Historique » of the record: a link on its pages, the rows newest first.
    assert f"/admin/structure/historique/?id={structure_id}" in browser.get(edit_url).get_data(as_text=True)
    details = browser.get(f"/admin/structure/details/?id={structure_id}").get_data(as_text=True)
    assert "Historique de la fiche" in details
    history = as_role("viewer").get(f"/admin/structure/historique/?id={structure_id}")
    page = history.get_data(as_text=True)
    assert history.status_code == 200
    assert page.index("Modification") < page.index("Création")
    assert "<strong>Commune</strong> : Poitiers → Buxerolles" in page
    assert f"<strong>Territoire</strong> : {territory.name} → (vide)" in page
    assert browser.get("/admin/structure/historique/?id=999999").status_code == 404


def test_an_edit_adds_one_insert_and_no_other_query(as_role, monkeypatch):
    structure = make_structure(commune="Poitiers")
    browser = as_role("editor")
    url = f"/admin/structure/edit/?id={structure.id}"
    form = {**STRUCTURE_FORM, "nom": structure.nom}

    def queries_of_an_edit(commune):
        token = browser.csrf_token(url)
        with QueryCounter() as counted:
            response = browser.post(url, {**form, "commune": commune, "csrf_token": token})
        assert response.status_code == 302, page_messages(response)
        return counted.count

    audited = queries_of_an_edit("Buxerolles")
    monkeypatch.setattr(Structure._meta, "audited", False)
    unaudited = queries_of_an_edit("Poitiers")
    assert audited - unaudited == 1, (audited, unaudited)
    assert len(entries(model="Structure", action="update")) == 1


def test_inline_cost_lines_edited_and_deleted_are_recorded(as_role):
    scenario = make_scenario(name="Scénario audité")
    with database.connection_context():
        kept = CostLine.create(scenario=scenario, category="Locaux", designation="Local", amount=100)
        dropped = CostLine.create(scenario=scenario, category="Locaux", designation="Ménage", amount=40)
    browser = as_role("editor")
    response = browser.post(f"/admin/scenario/edit/?id={scenario.id}", {
        "name": "Scénario audité", "operator": "collectivite", "start_year": scenario.start_year,
        "duration_years": scenario.duration_years, "status": "brouillon",
        "cost_lines-0-id": kept.id, "cost_lines-0-category": "Locaux",
        "cost_lines-0-designation": "Local", "cost_lines-0-amount": "250,00",
        "cost_lines-1-id": dropped.id, "cost_lines-1-category": "Locaux",
        "cost_lines-1-designation": "Ménage", "cost_lines-1-amount": "40", "del-cost_lines-1": "y",
    })
    assert response.status_code == 302, page_messages(response)
    update = only(model="CostLine", action="update")
    assert (update.record_id, update.actor, update.label) == (kept.id, "editor@test.fr", "Local")
    assert update.changes_dict == {"amount": ["100.00", "250.00"]}
    deletion = only(model="CostLine", action="delete")
    assert (deletion.record_id, deletion.label) == (dropped.id, "Ménage")
    assert deletion.changes_dict["amount"] == "40.00" and deletion.changes_dict["scenario"] == scenario.id


def test_a_list_action_delete_records_each_record_and_the_unlinked_ones(as_role):
    north, south = make_territory("Bassin Nord"), make_territory("Bassin Sud")
    structure = make_structure(territory=north)
    browser = as_role("editor")
    response = browser.post("/admin/territory/action/", {
        "action": "delete", "rowid": [north.id, south.id],
    }, form_url="/admin/territory/")
    assert response.status_code == 302
    with database.connection_context():
        assert Territory.select().count() == 0
    deleted = entries(model="Territory", action="delete")
    assert {(e.record_id, e.label, e.actor) for e in deleted} == {
        (north.id, "Bassin Nord", "editor@test.fr"), (south.id, "Bassin Sud", "editor@test.fr")}
    unlinked = only(model="Structure", action="update")
    assert unlinked.record_id == structure.id and unlinked.changes_dict == {"territory": [north.id, None]}


def test_an_import_is_recorded_with_its_file_and_counts_and_each_record(as_role):
    make_structure("CCAS de Loudun", commune="Loudun")
    header = "Nom;Typologie;SIRET;Adresse;Code postal;Commune;Téléphone;Courriel;Territoire;Accueille du public"
    data = "\n".join([header, "CIDFF de la Vienne;CIDFF;;;86000;Poitiers;;;;",
                      "CCAS de Loudun;CCAS;;;86200;Loudun;;;;"]).encode()
    editor = as_role("editor")
    assert upload_import(editor, "/admin/structure/import/", data, "partenaires.csv").status_code == 200
    assert confirm_import(editor, "/admin/structure/import/").status_code == 302
    event = only(action="import")
    assert (event.model, event.actor) == ("Structure", "editor@test.fr")
    assert event.detail == ("Fichier « partenaires.csv » : 1 fiche(s) créée(s), 1 mise(s) à jour, "
                            "0 inchangée(s)")
    created = only(model="Structure", action="create", actor="editor@test.fr")
    assert created.label == "CIDFF de la Vienne (Poitiers)"
    assert only(model="Structure", action="update").changes_dict["code_postal"] == [None, "86200"]


def test_a_command_is_recorded_with_the_command_line_actor(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "cli@test.fr", "--role", "editor",
                                 "--password", "Une-phrase-de-passe-assez-longue-86"])
    assert result.exit_code == 0, result.output
    created = only(model="User", action="create", label="cli@test.fr")
    assert created.actor == cli_actor(login_name()) == f"ligne de commande ({login_name()})"
    assert created.changes_dict["password_hash"] == MASKED
    assert "argon2" not in created.changes

    path = tmp_path / "partenaires.csv"
    path.write_bytes("Nom;Typologie;Commune\nCIDFF de la Vienne;CIDFF;Poitiers\n".encode())
    assert runner.invoke(args=["import-structures", str(path)]).exit_code == 0
    assert only(action="import").actor == cli_actor(login_name())
    assert only(model="Structure", action="create").actor == cli_actor(login_name())
    # Outside the command, writes are the system's again.
    make_territory()
    assert only(model="Territory", action="create").actor == "système"


def test_logins_failures_and_logouts_are_recorded(browser):
    with database.connection_context():
        editor = User.get(User.email == "editor@test.fr")
    assert browser.login("editor@test.fr", "pas-le-bon-mot-de-passe").status_code == 200
    failure = only(action="login_failed")
    assert (failure.actor, failure.model, failure.record_id) == ("editor@test.fr", "User", None)
    assert failure.detail.startswith("Adresse : ")
    assert browser.login("personne@test.fr", "pas-le-bon-mot-de-passe").status_code == 200
    assert len(entries(action="login_failed")) == 2
    assert browser.login("editor@test.fr", PASSWORD).status_code == 302
    login = only(action="login")
    assert (login.actor, login.record_id) == ("editor@test.fr", editor.id)
    assert entries(action="update", model="User") == []  # last_login is not an edit
    browser.logout()
    assert only(action="logout").actor == "editor@test.fr"


def test_exports_and_committee_packs_are_recorded(as_role):
    make_structure(commune="Poitiers")
    viewer = as_role("viewer")
    assert viewer.get("/admin/structure/export/xlsx/?search=Poitiers").status_code == 200
    export = only(action="export", model="Structure")
    assert export.actor == "viewer@test.fr"
    assert "1 ligne(s)" in export.detail and "Poitiers" in export.detail
    assert viewer.get("/admin/exports/annuaire-court.xlsx").status_code == 200
    assert viewer.get("/admin/exports/data-inclusion.jsonl").get_data()
    assert {e.detail.split(" :")[0].split(" (")[0] for e in entries(action="export")} == {
        "Grille « Structures »", "Annuaire court", "Export data·inclusion"}
    response = viewer.post("/admin/exports/", {"territory": ""})
    assert response.status_code == 302
    pack = only(action="committee_pack")
    assert (pack.model, pack.actor) == ("CommitteePack", "viewer@test.fr")
    assert pack.changes_dict["content"] == MASKED and "Territoire : tous" in pack.detail
    viewer.get(response.headers["Location"])
    assert only(action="export", model="CommitteePack").record_id == pack.record_id


WRITE_REQUESTS = [
    ("get", "/admin/auditentry/new/"), ("post", "/admin/auditentry/new/"),
    ("get", "/admin/auditentry/edit/?id={id}"), ("post", "/admin/auditentry/edit/?id={id}"),
    ("post", "/admin/auditentry/delete/"), ("post", "/admin/auditentry/action/"),
    ("post", "/admin/auditentry/ajax/update/"),
]


@pytest.mark.parametrize("role", ["admin", "editor"])
def test_no_one_edits_or_deletes_audit_rows_from_the_panel(as_role, role):
    make_territory()
    row = only(action="create", model="Territory")
    browser = as_role(role)
    form = {"id": row.id, "action": "delete", "rowid": [row.id], "actor": "moi", "list_form_pk": row.id,
            "detail": "effacé", "csrf_token": browser.csrf_token("/admin/territory/new/")}
    for method, url in WRITE_REQUESTS:
        url = url.format(id=row.id)
        response = getattr(browser.client, method)(url, data=form if method == "post" else None)
        assert response.status_code in (403, 405), (method, url, response.status_code)
    with database.connection_context():
        assert AuditEntry.select().where(AuditEntry.id == row.id).get().detail is None
        assert AuditEntry.select().where(AuditEntry.actor == "moi").count() == 0


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_only_admins_see_the_audit_grid(as_role, role):
    browser = as_role(role)
    assert browser.get("/admin/auditentry/").status_code == 403
    assert browser.get("/admin/auditentry/export/xlsx/").status_code == 403
    assert "/admin/auditentry/" not in browser.get("/admin/").get_data(as_text=True)


def test_the_audit_grid_filters_and_exports_for_admins(as_role):
    territory = make_territory("Bassin audité")
    with database.connection_context():
        territory.notes = "Nouvelle note"
        territory.save()
    admin = as_role("admin")
    home = admin.get("/admin/").get_data(as_text=True)
    assert "/admin/auditentry/" in home
    page = admin.get("/admin/auditentry/?search=Bassin").get_data(as_text=True)
    assert "Bassin audité" in page and "Modification" in page
    update = only(action="update", model="Territory")
    # The kind of record in French, the time as a clock in Paris showed it.
    models = grid_column(page, "model")
    assert "Territoire" in models and "Territory" not in models
    assert format_datetime(update.created_at, utc=True) in page
    details = admin.get(f"/admin/auditentry/details/?id={update.id}").get_data(as_text=True)
    assert "<strong>Notes</strong> : (vide) → Nouvelle note" in details
    today = datetime.datetime.utcnow().strftime("%d/%m/%Y")
    for day_filter in (f"flt0_16={today}", f"flt0_17={today}+au+{today}"):
        filtered = admin.get(f"/admin/auditentry/?{day_filter}").get_data(as_text=True)
        assert "Bassin audité" in filtered, day_filter
    yesterday = (datetime.datetime.utcnow() - datetime.timedelta(days=1)).strftime("%d/%m/%Y")
    assert "Bassin audité" not in admin.get(f"/admin/auditentry/?flt0_16={yesterday}").get_data(as_text=True)
    exported = admin.get("/admin/auditentry/export/xlsx/?search=Bassin")
    assert exported.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(exported.data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    text = json.dumps(rows, default=str, ensure_ascii=False)
    assert "Bassin audité" in text and "Modification" in text
    assert "Notes : (vide) → Nouvelle note" in text  # the changes, readable
    assert only(action="export", model="AuditEntry").actor == "admin@test.fr"
