"""The committee-pack archive stays bounded: admins delete packs (recorded in the
history), old packs and those beyond the newest N go when a new one is generated,
and one person may generate a limited number per hour."""
import datetime
from html import unescape

import pytest

from models import AuditEntry, database
from models.committee import CommitteePack


def _pack(author="viewer@test.fr", age=datetime.timedelta(0), name="ancien.xlsx"):
    with database.connection_context():
        return CommitteePack.create(
            author=author, filters="Territoire : tous les territoires", filename=name,
            sha256="0" * 64, size=1, content=b"x", created_at=datetime.datetime.now() - age,
        ).id


def _pack_ids():
    with database.connection_context():
        return sorted(p.id for p in CommitteePack.select(CommitteePack.id))


def _generate(browser):
    return browser.post("/admin/exports/", {"territory": ""})


def test_admins_delete_the_packs_they_tick_and_the_history_says_so(as_role):
    first, second, third = _pack(name="a.xlsx"), _pack(name="b.xlsx"), _pack(name="c.xlsx")
    admin = as_role("admin")
    page = admin.get("/admin/exports/").get_data(as_text=True)
    assert f'name="pack" value="{first}"' in page and "Supprimer les dossiers cochés" in page
    response = admin.post("/admin/exports/dossiers/supprimer/", {"pack": [first, third]},
                          form_url="/admin/exports/", follow_redirects=True)
    assert "2 dossier(s) du comité supprimé(s)." in response.get_data(as_text=True)
    assert _pack_ids() == [second]
    with database.connection_context():
        deleted = AuditEntry.select().where((AuditEntry.model == "CommitteePack") & (AuditEntry.action == "delete"))
        assert sorted((e.record_id, e.actor) for e in deleted) == [(first, "admin@test.fr"), (third, "admin@test.fr")]


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_other_roles_neither_see_nor_use_the_delete_button(as_role, role):
    pack = _pack()
    browser = as_role(role)
    page = browser.get("/admin/exports/").get_data(as_text=True)
    assert 'name="pack"' not in page and "Supprimer les dossiers" not in page
    response = browser.post("/admin/exports/dossiers/supprimer/", {"pack": [pack]}, form_url="/admin/exports/")
    assert response.status_code == 403 and _pack_ids() == [pack]


def test_a_purge_without_ticked_packs_or_with_a_forged_token_deletes_nothing(as_role):
    pack = _pack()
    admin = as_role("admin")
    response = admin.post("/admin/exports/dossiers/supprimer/", {}, form_url="/admin/exports/",
                          follow_redirects=True)
    assert "Cochez les dossiers à supprimer." in response.get_data(as_text=True)
    forged = admin.client.post("/admin/exports/dossiers/supprimer/", data={"pack": [pack], "csrf_token": "x"},
                               follow_redirects=True)
    assert "Le formulaire a expiré" in unescape(forged.get_data(as_text=True))
    assert _pack_ids() == [pack]


def test_packs_past_the_retention_period_go_when_a_new_one_is_generated(app, as_role, monkeypatch):
    monkeypatch.setitem(app.config, "MAILLAGE_PACK_RETENTION_DAYS", 30)
    old = _pack(age=datetime.timedelta(days=31))
    recent = _pack(age=datetime.timedelta(days=29))
    response = _generate(as_role("viewer"))
    assert response.status_code == 302
    ids = _pack_ids()
    assert old not in ids and recent in ids and len(ids) == 2
    with database.connection_context():
        entry = AuditEntry.get((AuditEntry.model == "CommitteePack") & (AuditEntry.action == "delete"))
        assert (entry.record_id, entry.actor) == (old, "système")


def test_only_the_newest_packs_are_kept_beyond_the_maximum_count(app, as_role, monkeypatch):
    monkeypatch.setitem(app.config, "MAILLAGE_PACK_MAX_COUNT", 3)
    packs = [_pack(age=datetime.timedelta(hours=5 - n)) for n in range(4)]  # oldest first
    _generate(as_role("viewer"))
    ids = _pack_ids()
    assert len(ids) == 3 and ids[:2] == packs[2:]  # the two newest kept, with the new one


def test_a_person_may_generate_ten_packs_an_hour(as_role):
    for minutes in range(10):
        _pack(author="viewer@test.fr", age=datetime.timedelta(minutes=50 - minutes))
    _pack(author="viewer@test.fr", age=datetime.timedelta(minutes=61))  # outside the hour
    before = _pack_ids()
    response = _generate(as_role("viewer"))
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 429
    assert "Vous avez déjà généré 10 dossiers du comité dans l'heure (limite\u00a0: 10)" in page
    assert "Réessayez dans 10\u00a0min" in page  # when the pack of 50 min ago leaves the hour
    assert _pack_ids() == before
    assert _generate(as_role("editor")).status_code == 302  # someone else may
    assert len(_pack_ids()) == len(before) + 1


def test_nine_packs_in_the_hour_leave_room_for_a_tenth(as_role):
    for minutes in range(9):
        _pack(author="viewer@test.fr", age=datetime.timedelta(minutes=minutes))
    assert _generate(as_role("viewer")).status_code == 302
    assert len(_pack_ids()) == 10
