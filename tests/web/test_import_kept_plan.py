"""The confirmation writes the preview's own plan (kept as plain values, not planned
again) when the directory has not changed since; after any change it writes nothing
and says so in French."""
import html
from pathlib import Path

import pytest

from admin_views import imports
from models import Structure, database
from models.audit import AuditEntry
from tests.helpers import confirm_import, make_structure, make_territory, upload_import

URL = "/admin/structure/import/"
DATA = ("Nom;Typologie;Commune;Téléphone;Territoire\n"
        "CCAS de Loudun;CCAS;Loudun;05 49 98 11 11;RVC Loudun\n"
        "CIDFF de la Vienne;CIDFF;Poitiers;05 49 88 04 37;\n").encode()


@pytest.fixture
def known():
    make_territory("RVC Loudun")
    return make_structure("CCAS de Loudun", commune="Loudun", telephone="05 49 98 00 00")


def _structures():
    with database.connection_context():
        return {s.nom: (s.telephone, s.territory_id, s.version) for s in Structure.select()}


def test_the_confirmation_writes_the_preview_s_plan_without_planning_again(as_role, known, monkeypatch):
    editor = as_role("editor")
    kept = Path(editor.client.application.instance_path) / "imports"
    kept_before = set(kept.glob(f"*{imports.PLAN_SUFFIX}"))  # other tests' previews, never confirmed
    assert "1 à créer, 1 à mettre à jour" in upload_import(editor, URL, DATA, "p.csv").data.decode()
    assert len(set(kept.glob(f"*{imports.PLAN_SUFFIX}")) - kept_before) == 1

    def no_second_plan(*args, **kwargs):
        raise AssertionError("the file was planned again")

    monkeypatch.setattr(imports, "plan_import", no_second_plan)
    done = editor.post(URL + "confirmer/", {}, form_url=URL, follow_redirects=True).data.decode()
    assert "1 fiche(s) créée(s), 1 mise(s) à jour" in html.unescape(done)
    structures = _structures()
    assert structures["CCAS de Loudun"][0] == "+33549981111" and structures["CCAS de Loudun"][2] == 2
    assert structures["CIDFF de la Vienne"] == ("+33549880437", None, 1)
    with database.connection_context():
        update = AuditEntry.get((AuditEntry.action == "update") & (AuditEntry.model == "Structure"))
        assert update.changes_dict["telephone"] == ["+33549980000", "+33549981111"]
        assert update.record_id == known.id
    assert set(kept.glob(f"*{imports.PLAN_SUFFIX}")) <= kept_before  # read once, then gone


def test_a_change_since_the_preview_writes_nothing(as_role, known):
    editor = as_role("editor")
    upload_import(editor, URL, DATA, "p.csv")
    make_structure("Une autre structure", commune="Niort")  # someone else, meanwhile
    page = html.unescape(editor.post(URL + "confirmer/", {}, form_url=URL, follow_redirects=True).data.decode())
    assert "Rien n'a été enregistré" in page and "depuis l'aperçu" in page
    assert set(_structures()) == {"CCAS de Loudun", "Une autre structure"}
    assert _structures()["CCAS de Loudun"][0] == "+33549980000"


def test_an_edit_of_a_known_structure_since_the_preview_writes_nothing(as_role, known):
    editor = as_role("editor")
    upload_import(editor, URL, DATA, "p.csv")
    with database.connection_context():
        theirs = Structure.get_by_id(known.id)
        theirs.notes = "Changé pendant l'aperçu"
        theirs.save()
    response = confirm_import(editor, URL)
    assert response.status_code == 302
    assert set(_structures()) == {"CCAS de Loudun"}
    assert _structures()["CCAS de Loudun"][0] == "+33549980000"


def test_a_siret_taken_since_the_preview_by_a_record_the_stamp_cannot_see_writes_nothing(as_role):
    """The newest structure deleted and another created in its place (SQLite gives it the
    same id, version 1: the stamp is unchanged) with the SIRET a planned line creates:
    the database's unique index refuses the write, the import says so in French."""
    editor = as_role("editor")
    newest = make_structure("Structure supprimée ensuite", commune="Niort")
    data = ("Nom;Typologie;Commune;SIRET\n"
            "Épicerie solidaire;ASSO;Poitiers;73282932000074\n").encode()
    assert "1 à créer" in upload_import(editor, URL, data, "s.csv").data.decode()
    with database.connection_context():
        Structure.delete().where(Structure.id == newest.id).execute()
        Structure.insert(id=newest.id, nom="Arrivée entre-temps", typologie="CCAS", siret="73282932000074",
                         version=newest.version).execute()
    response = editor.post(URL + "confirmer/", {}, form_url=URL, follow_redirects=True)
    page = html.unescape(response.data.decode())
    assert response.status_code == 200 and "Rien n'a été enregistré" in page and "depuis l'aperçu" in page
    assert set(_structures()) == {"Arrivée entre-temps"}


def test_a_new_preview_replaces_what_the_previous_one_kept(as_role, known):
    editor = as_role("editor")
    kept = Path(editor.client.application.instance_path) / "imports"
    before = set(kept.glob("*")) if kept.exists() else set()
    bad = DATA + b"Sans typologie;;Niort;;\n"
    upload_import(editor, URL, bad, "p.csv")  # an upload, its plan and its error file
    first = set(kept.glob("*")) - before
    assert len(first) == 3
    upload_import(editor, URL, DATA, "p.csv")
    second = set(kept.glob("*")) - before
    assert not (first & second) and len(second) == 2  # the new upload and its plan only
