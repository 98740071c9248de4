"""RGPD: right of access (XLSX), right to erasure (anonymisation leaves no trace in the
database file), retention command, the « Protection des données » page and the
free-text reminder."""
import datetime
import io
import re
import zipfile

import openpyxl
from peewee import SqliteDatabase

from models import Attendance, CommitteePack, Referent, Territory, Training, database
from models.privacy import FREE_TEXT_REMINDER, is_anonymised
from tests.helpers import make_referent, make_structure, make_territory, page_messages

FIRST, LAST = "Zéphyrine", "Quilleboeuf"
EMAIL = "zephyrine.quilleboeuf@cidff86.fr"
PHONE_TYPED, PHONE_STORED = "05 49 12 34 56", "+33549123456"
NOTES = "Disponible le mardi, bureau Quilleboeuf-Nord"
SECRETS = (LAST, EMAIL, PHONE_STORED, PHONE_TYPED, "zephyrine.quilleboeuf", "Quilleboeuf-Nord")


def _person():
    territory = make_territory("RVC Loudun")
    other_territory = make_territory("RVC Civray")
    structure = make_structure("CIDFF de la Vienne", territory=territory, commune="Poitiers")
    other_structure = make_structure("CCAS de Civray", territory=other_territory)
    person = make_referent(structure, nom=LAST, prenom=FIRST, courriel=EMAIL, telephone=PHONE_TYPED,
                           fonction="Juriste", notes=NOTES, role="personne_ressource")
    colleague = make_referent(other_structure, nom="Durand", prenom="Paul", courriel="paul.durand@ccas.fr")
    with database.connection_context():
        Territory.update(resource_person=person).where(Territory.id == territory.id).execute()
        training = Training.create(date=datetime.date(2026, 3, 10), theme="Repérage des violences",
                                   half_days=2, territory=territory)
        Attendance.create(training=training, referent=person, evaluation=4)
        Attendance.create(training=training, referent=colleague, present=False)
    return person, colleague, territory, other_territory


def _generate_pack(browser, territory_id=""):
    response = browser.post("/admin/exports/", {"territory": territory_id, "scenarios": []})
    assert response.status_code == 302, response.data[:300]


# --- right of access ------------------------------------------------------------------
def test_access_export_holds_the_record_structure_trainings_territories(as_role):
    person, _colleague, _territory, _other = _person()
    editor = as_role("editor")
    details = editor.get(f"/admin/referent/details/?id={person.id}").get_data(as_text=True)
    assert "Exporter ses données" in details and "Anonymiser" in details
    response = editor.get(f"/admin/referent/rgpd/donnees/?id={person.id}")
    assert response.status_code == 200
    assert f"rgpd-acces-referent-{person.id}-" in response.headers["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Fiche", "Structure", "Formations", "Personne ressource", "Historique"]
    record = dict(workbook["Fiche"].iter_rows(min_row=2, values_only=True))
    assert record["Prénom"] == FIRST and record["Nom"] == LAST
    assert record["Courriel professionnel"] == EMAIL
    assert record["Téléphone professionnel"] == PHONE_TYPED
    assert record["Rôle"] == "Personne ressource / relai du bassin de vie"
    assert record["Notes"] == NOTES and record["Actif·ve"] == "Oui"
    assert record["Structure"] == "CIDFF de la Vienne (Poitiers)"
    structure = dict(workbook["Structure"].iter_rows(min_row=2, values_only=True))
    assert structure["Nom"] == "CIDFF de la Vienne" and structure["Typologie"].startswith("Centre")
    trainings = list(workbook["Formations"].iter_rows(min_row=2, values_only=True))
    assert trainings == [("Repérage des violences", datetime.datetime(2026, 3, 10), "Oui", 4)]
    territories = list(workbook["Personne ressource"].iter_rows(min_row=2, values_only=True))
    assert territories == [("RVC Loudun", "Réseau (RVC)")]
    history = list(workbook["Historique"].iter_rows(min_row=2, values_only=True))
    actions = [(row[2], row[3]) for row in history]
    assert ("create", "Referent") in actions and ("create", "Attendance") in actions
    assert any(FIRST in (row[6] or "") for row in history)  # the values recorded at creation
    # Only this person: the colleague at the same training is not in it.
    everything = " ".join(str(c) for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row)
    assert "Durand" not in everything


def test_access_export_as_a_list_action_and_refusals(as_role):
    person, colleague, _territory, _other = _person()
    editor = as_role("editor")
    response = editor.post("/admin/referent/action/", {"action": "access_export", "rowid": [str(person.id)]},
                           form_url="/admin/referent/")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    two = editor.post("/admin/referent/action/", {
        "action": "access_export", "rowid": [str(person.id), str(colleague.id)]}, form_url="/admin/referent/")
    assert two.status_code == 302
    assert "Choisissez une seule fiche" in " ".join(page_messages(editor.get("/admin/referent/")))
    viewer = as_role("viewer")
    assert viewer.get(f"/admin/referent/rgpd/donnees/?id={person.id}").status_code == 403
    assert "Exporter ses données" not in viewer.get(f"/admin/referent/details/?id={person.id}").get_data(as_text=True)
    assert editor.get("/admin/referent/rgpd/donnees/?id=999999").status_code == 404
    assert editor.get("/admin/referent/rgpd/donnees/?id=abc").status_code == 404


# --- right to erasure -------------------------------------------------------------------
def _database_texts():
    """Every text of every table, blobs unzipped (committee packs are XLSX files)."""
    texts = []
    db = database.obj
    for table in db.get_tables():
        for row in db.execute_sql(f'SELECT * FROM "{table}"'):
            for value in row:
                if isinstance(value, (bytes, bytearray, memoryview)):
                    value = bytes(value)
                    if value[:2] == b"PK":
                        with zipfile.ZipFile(io.BytesIO(value)) as archive:
                            texts.extend(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
                    texts.append(value.decode("utf-8", "replace"))
                elif value is not None:
                    texts.append(str(value))
    return "\n".join(texts)


def _database_file_bytes():
    """The storage as it is on disk, free space included: on SQLite the database
    file and its WAL; on PostgreSQL (a superuser role) the files of every table,
    TOAST table and index after a checkpoint (pg_wal and backups are not read)."""
    db = database.obj
    if not db.database.endswith(".db"):
        db.execute_sql("CHECKPOINT")
        paths = [row[0] for row in db.execute_sql(
            "SELECT pg_relation_filepath(c.oid) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i', 't') "
            "UNION SELECT pg_relation_filepath(t.oid) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace JOIN pg_class t ON t.oid = c.reltoastrelid "
            "WHERE n.nspname = current_schema()")]
        return b"".join(bytes(db.execute_sql("SELECT pg_read_binary_file(%s)", (path,)).fetchone()[0])
                        for path in paths if path)
    data = b""
    for suffix in ("", "-wal", "-journal"):
        try:
            with open(db.database + suffix, "rb") as handle:
                data += handle.read()
        except FileNotFoundError:
            continue
    return data


def _found(secrets, text, data):
    return [s for s in secrets if s in text or s.encode() in data]


def test_anonymise_keeps_statistics_and_leaves_no_trace_in_the_database(as_role, monkeypatch):
    if isinstance(database.obj, SqliteDatabase):
        # As python.org's SQLite (Windows PCs): deleted bytes are not zeroed unless asked.
        # (Debian's is built with SECURE_DELETE on, which would hide a missing VACUUM.)
        monkeypatch.setattr(database.obj, "_pragmas", [*database.obj._pragmas, ("secure_delete", 0)])
    person, colleague, territory, other_territory = _person()
    editor = as_role("editor")
    _generate_pack(editor)  # all territories: holds the person
    _generate_pack(editor, str(other_territory.id))  # Civray only: does not
    with database.connection_context():
        assert CommitteePack.select().count() == 2
        # The check can fail: before erasure, the person is everywhere.
        assert _found(SECRETS, _database_texts(), _database_file_bytes())
    confirmation = editor.get(f"/admin/referent/rgpd/anonymiser/?id={person.id}").get_data(as_text=True)
    assert "définitive" in confirmation and "1 dossier(s) du comité" in confirmation
    assert "RVC Loudun" in confirmation
    response = editor.post(f"/admin/referent/rgpd/anonymiser/?id={person.id}", {})
    assert response.status_code == 302
    with database.connection_context():
        record = Referent.get_by_id(person.id)
        assert is_anonymised(record) and str(record) == f"Personne anonymisée n° {person.id}"
        assert (record.courriel, record.telephone, record.notes, record.fonction) == (None, None, None, None)
        assert record.actif is False
        assert Attendance.select().where(Attendance.referent == person.id).count() == 1  # statistics survive
        assert Territory.get_by_id(territory.id).resource_person_id is None
        remaining = [p.filters for p in CommitteePack.select()]
        assert remaining == ["Territoire : RVC Civray"]
        assert Referent.get_by_id(colleague.id).nom == "Durand"
        assert _found(SECRETS, _database_texts(), _database_file_bytes()) == []
        assert "Durand" in _database_texts()  # the scan does see what is still there
    page = editor.get(f"/admin/referent/details/?id={person.id}").get_data(as_text=True)
    assert "La fiche a été anonymisée" in page and "Anonymiser</a>" not in page


def test_anonymise_needs_an_editor_a_token_and_a_known_record(as_role):
    person, _colleague, _territory, _other = _person()
    viewer = as_role("viewer")
    assert viewer.get(f"/admin/referent/rgpd/anonymiser/?id={person.id}").status_code == 403
    editor = as_role("editor")
    forged = editor.client.post(f"/admin/referent/rgpd/anonymiser/?id={person.id}", data={})
    assert forged.status_code == 302
    with database.connection_context():
        assert Referent.get_by_id(person.id).nom == LAST
    assert editor.get("/admin/referent/rgpd/anonymiser/?id=999999").status_code == 404


# --- retention ---------------------------------------------------------------------------
def test_purge_inactive_lists_then_anonymises(app, monkeypatch):
    person, colleague, _territory, _other = _person()
    old = make_referent(colleague.structure, nom="Ancien", prenom="Jean", actif=False,
                        date_maj=datetime.date(2020, 1, 15))
    with database.connection_context():
        # The trained person's record is old too, but a training in the period keeps it.
        Referent.update(date_maj=datetime.date(2021, 1, 1)).where(Referent.id == person.id).execute()
    runner = app.test_cli_runner()
    monkeypatch.setenv("MAILLAGE_RETENTION_MONTHS", "24")
    dry = runner.invoke(args=["purge-inactive", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Base utilisée : " in dry.output
    assert "depuis 24 mois" in dry.output and f"n° {old.id} : Jean Ancien" in dry.output
    assert LAST not in dry.output and "rien n'est modifié" in dry.output
    with database.connection_context():
        assert Referent.get_by_id(old.id).nom == "Ancien"
    done = runner.invoke(args=["purge-inactive", "--months", "24"])
    assert done.exit_code == 0, done.output
    assert "1 fiche(s) anonymisée(s)" in done.output
    with database.connection_context():
        assert is_anonymised(Referent.get_by_id(old.id))
        assert Referent.get_by_id(person.id).nom == LAST
    again = runner.invoke(args=["purge-inactive", "--dry-run"])
    assert "0 référent·e(s)" in again.output  # an anonymised record is not listed again
    bad = runner.invoke(args=["purge-inactive", "--months", "0"])
    assert bad.exit_code != 0 and "Erreur : Durée de conservation invalide" in bad.output


# --- the page and the reminder --------------------------------------------------------------
def test_privacy_page_for_every_role(as_role, app, monkeypatch):
    monkeypatch.setenv("MAILLAGE_DPO_CONTACT", "dpo@ccas-poitiers.fr")
    monkeypatch.setenv("MAILLAGE_RETENTION_MONTHS", "48")
    for role in ("admin", "editor", "viewer"):
        page = as_role(role).get("/admin/protection-des-donnees/")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "Protection des données" in html and "intérêt public" in html
        assert "dpo@ccas-poitiers.fr" in html and "48&nbsp;mois" in html
        assert "victimes" in html
    assert "/admin/protection-des-donnees/" in as_role("viewer").get("/admin/").get_data(as_text=True)


def test_every_free_text_field_carries_the_reminder(as_role):
    editor = as_role("editor")
    reminder = FREE_TEXT_REMINDER.replace("'", "&#39;")
    for url, fields in (
        ("/admin/structure/new/", ("notes", "description")),
        ("/admin/referent/new/", ("notes",)),
        ("/admin/territory/new/", ("notes",)),
        ("/admin/training/new/", ("notes",)),
        ("/admin/scenario/new/", ("description", "notes")),
    ):
        html = editor.get(url).get_data(as_text=True)
        assert html.count(reminder) + html.count(FREE_TEXT_REMINDER) >= len(fields), url
    # Not on one-line fields: the structure form reminds exactly its text areas (its own
    # notes and description, and the description of a service added inline).
    html = editor.get("/admin/structure/new/").get_data(as_text=True)
    text_areas = html.count("<textarea") + html.count("&lt;textarea")  # the inline line's template is escaped
    assert html.count(reminder) + html.count(FREE_TEXT_REMINDER) == text_areas == 3


def test_a_form_opened_before_the_erasure_cannot_bring_the_person_back(as_role):
    person, _colleague, territory, _other = _person()
    editor = as_role("editor")
    form = editor.get(f"/admin/referent/edit/?id={person.id}").get_data(as_text=True)
    token = re.search(r'name="version_token" type="hidden" value="([^"]*)"', form).group(1)
    territory_form = editor.get(f"/admin/territory/edit/?id={territory.id}").get_data(as_text=True)
    territory_token = re.search(r'name="version_token" type="hidden" value="([^"]*)"', territory_form).group(1)
    editor.post(f"/admin/referent/rgpd/anonymiser/?id={person.id}", {})
    stale = editor.post(f"/admin/referent/edit/?id={person.id}", {
        "version_token": token, "prenom": FIRST, "nom": LAST, "courriel": EMAIL,
        "structure": str(person.structure_id), "role": "violences", "date_maj": "01/12/2026",
    }, form_url=f"/admin/referent/edit/?id={person.id}")
    assert stale.status_code == 200  # refused, shown again
    editor.post(f"/admin/territory/edit/?id={territory.id}", {
        "version_token": territory_token, "name": "RVC Loudun", "kind": "reseau",
        "resource_person": str(person.id),
    }, form_url=f"/admin/territory/edit/?id={territory.id}")
    with database.connection_context():
        assert is_anonymised(Referent.get_by_id(person.id))
        assert Territory.get_by_id(territory.id).resource_person_id is None
