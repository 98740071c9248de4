"""Actions on many records at once from the grids (admin_views/bulk.py): on the ticked
rows, or — after a confirmation page giving the count — on every row matching the
grid's search and filters, all pages; one transaction, one audit row per record
changed, editors only, CSRF checked."""
import datetime
import json
import os
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from admin_views.base import MaillageModelView
from models import AuditEntry, Referent, Structure, Training, database
from models.bulk import NO_TERRITORY, UNKNOWN_TERRITORY
from tests.helpers import form_of, make_referent, make_structure, make_territory, page_messages

OLD = datetime.date(2024, 3, 1)
TODAY = datetime.date.today()
BULK_LINK_RE = re.compile(r'<a class="dropdown-item bulk-all" href="([^"]+)">([^<]+)</a>')


def text(response):
    return unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def snapshot(model):
    with database.connection_context():
        return {row.id: (row.version, *(getattr(row, f.name) for f in model._meta.sorted_fields))
                for row in model.select()}


def updates(model):
    with database.connection_context():
        return [(row.actor, row.record_id, json.loads(row.changes)) for row in AuditEntry.select()
                .where((AuditEntry.action == "update") & (AuditEntry.model == model)).order_by(AuditEntry.id)]


def filter_index(app, endpoint, name):
    """The grid's flt…_<index> for the filter named `name` (the first such)."""
    view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", None) == endpoint)
    return next(i for i, flt in enumerate(view._filters) if flt.name == name)


@pytest.fixture
def directory():
    """30 structures: the grid filtered on « Vienne » (and so on RVC Poitiers inside it)
    and searched for « ccas » shows 12 of them. By name, pages of 20: page 1 ends with
    the 5 « CCAS Poitiers » (matching) and 1 « CCAS sans territoire » (not); page 2
    holds 3 « CCAS sans territoire » and the 7 « CCAS Vienne » (matching)."""
    vienne = make_territory("Vienne", kind="departement")
    poitiers = make_territory("RVC Poitiers", parent=vienne)
    loudun = make_territory("RVC Loudun")
    matching = [make_structure(f"CCAS Vienne {n:02}", territory=vienne, date_maj=OLD) for n in range(7)]
    matching += [make_structure(f"CCAS Poitiers {n:02}", territory=poitiers, date_maj=OLD) for n in range(5)]
    others = [make_structure(f"Association Vienne {n:02}", territory=vienne, date_maj=OLD) for n in range(6)]
    others += [make_structure(f"CCAS Loudun {n:02}", territory=loudun, date_maj=OLD) for n in range(8)]
    others += [make_structure(f"CCAS sans territoire {n:02}", date_maj=OLD) for n in range(4)]
    return {"vienne": vienne, "poitiers": poitiers, "loudun": loudun,
            "matching": {s.id for s in matching}, "others": {s.id for s in others}}


def grid_url(app, directory):
    return (f"/admin/structure/?flt0_{filter_index(app, 'structure', 'Territoire')}={directory['vienne'].id}"
            "&search=ccas")


def bulk_link(grid_page, label):
    links = {unescape(name): unescape(href) for href, name in BULK_LINK_RE.findall(grid_page.get_data(as_text=True))}
    return links[f"{label}…"]


def test_all_matching_touches_exactly_the_filtered_rows_on_every_page(app, as_role, directory):
    editor = as_role("editor")
    grid = editor.get(grid_url(app, directory))
    assert "Appliquer à toutes les fiches correspondant à la recherche et aux filtres (12)" in text(grid)
    assert len(re.findall(r'name="rowid"', grid.get_data(as_text=True))) == 12
    second_page = editor.get("/admin/structure/?page=1&page_size=20").get_data(as_text=True)
    on_page_2 = {int(pk) for pk in re.findall(r'name="rowid" class="action-checkbox" value="(\d+)"', second_page)}
    assert len(on_page_2) == 10
    assert len(on_page_2 & directory["matching"]) == 7 and len(on_page_2 & directory["others"]) == 3
    others_before = {pk: row for pk, row in snapshot(Structure).items() if pk in directory["others"]}

    link = bulk_link(grid, "Marquer comme vérifié")
    confirmation = editor.get(link)
    assert confirmation.status_code == 200
    page = text(confirmation)
    assert "Cette action va modifier 12 structures. Confirmer\u00a0?" in page
    assert ("Fiches concernées\u00a0: toutes celles qui correspondent à la recherche et aux filtres "
            "(recherche « ccas » ; Territoire vaut Vienne).") in page
    assert snapshot(Structure) == snapshot(Structure) and updates("Structure") == []  # nothing yet

    form = form_of(confirmation)
    done = editor.client.post(link, data={k: v[0] for k, v in form.values.items()})
    assert done.status_code == 302
    # Back to the same filtered grid (Flask-Admin adds its page size).
    returned = urlsplit(done.headers["Location"])
    assert returned.path == "/admin/structure/"
    page_size = str(MaillageModelView.page_size)
    assert {**parse_qs(urlsplit(grid_url(app, directory)).query), "page_size": [page_size]} == parse_qs(returned.query)
    back = editor.get(done.headers["Location"])
    assert "12 structures marquées comme vérifiées." in text(back)

    after = snapshot(Structure)
    assert {after[pk][0] for pk in directory["matching"]} == {2}  # each version bumped
    with database.connection_context():
        assert {s.id for s in Structure.select().where(Structure.date_maj == TODAY)} == directory["matching"]
    assert {pk: row for pk, row in after.items() if pk in directory["others"]} == others_before
    audit = updates("Structure")
    assert sorted(pk for _actor, pk, _changes in audit) == sorted(directory["matching"])
    assert {actor for actor, _pk, _changes in audit} == {"editor@test.fr"}
    assert all(changes == {"date_maj": [OLD.isoformat(), TODAY.isoformat()]} for _a, _pk, changes in audit)


def test_ticked_rows_touch_exactly_those(as_role, directory):
    editor = as_role("editor")
    ticked = sorted(directory["matching"])[:3] + sorted(directory["others"])[:2]
    before = snapshot(Structure)
    response = editor.post("/admin/structure/action/", {
        "action": "deactivate", "rowid": [str(pk) for pk in ticked], "url": "/admin/structure/",
    }, form_url="/admin/structure/")
    assert response.status_code == 302
    assert "5 structures désactivées." in text(editor.get("/admin/structure/"))
    after = snapshot(Structure)
    with database.connection_context():
        assert {s.id for s in Structure.select().where(Structure.actif == False)} == set(ticked)  # noqa: E712
    assert {pk: row for pk, row in after.items() if pk not in ticked} == {
        pk: row for pk, row in before.items() if pk not in ticked}
    assert sorted(pk for _a, pk, _c in updates("Structure")) == sorted(ticked)


def test_ticked_rows_go_to_a_territory_chosen_on_the_confirmation_page(as_role, directory):
    editor = as_role("editor")
    ticked = sorted(directory["others"])[:4]
    response = editor.post("/admin/structure/action/", {
        "action": "assign_territory", "rowid": [str(pk) for pk in ticked], "url": "/admin/structure/?search=ccas",
    }, form_url="/admin/structure/")
    assert response.status_code == 302
    confirmation = editor.get(response.headers["Location"])
    page = text(confirmation)
    assert "Cette action va modifier 4 structures" in page
    assert "les fiches cochées (4)" in page
    # Territories in reading order, the chosen one empty first.
    options = re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', confirmation.get_data(as_text=True))
    assert [label for _v, label in options] == ["— Choisissez un territoire —", "RVC Loudun", "RVC Poitiers", "Vienne"]
    form = {k: v[0] for k, v in form_of(confirmation).values.items()}
    done = editor.client.post(response.headers["Location"], data={**form, "territory": str(directory["poitiers"].id)})
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/structure/?search=ccas")
    assert "structures affectées au territoire « RVC Poitiers »" in text(editor.get("/admin/structure/"))
    with database.connection_context():
        assert {s.id for s in Structure.select().where(Structure.territory == directory["poitiers"])} == (
            set(ticked) | {pk for pk in directory["matching"]
                           if Structure.get_by_id(pk).nom.startswith("CCAS Poitiers")})
    assert sorted(pk for _a, pk, _c in updates("Structure")) == sorted(ticked)


def test_an_unknown_territory_is_refused_in_french_and_nothing_changes(app, as_role, directory):
    editor = as_role("editor")
    grid = editor.get(grid_url(app, directory))
    link = bulk_link(grid, "Affecter à un territoire")
    confirmation = editor.get(link)
    assert "Cette action va modifier 12 structures" in text(confirmation)
    form = {k: v[0] for k, v in form_of(confirmation).values.items()}
    before = snapshot(Structure)
    for unknown, message in (("999999", UNKNOWN_TERRITORY), ("abc", UNKNOWN_TERRITORY), ("", NO_TERRITORY)):
        refused = editor.client.post(link, data={**form, "territory": unknown})
        assert refused.status_code == 422
        assert page_messages(refused) == [message]
        assert "Cette action va modifier 12 structures" in text(refused)  # the page again, to choose
    assert snapshot(Structure) == before
    assert updates("Structure") == []


def test_a_record_refused_rolls_back_every_change_and_is_named(app, as_role, directory):
    broken = sorted(directory["matching"])[-1]  # on the grid's second page
    with database.connection_context():
        Structure.update(courriel="pas-un-courriel").where(Structure.id == broken).execute()
        name = str(Structure.get_by_id(broken))
    before = snapshot(Structure)
    editor = as_role("editor")
    link = bulk_link(editor.get(grid_url(app, directory)), "Désactiver")
    confirmation = editor.get(link)
    form = {k: v[0] for k, v in form_of(confirmation).values.items()}
    refused = editor.client.post(link, data=form)
    assert refused.status_code == 422
    message = " ".join(page_messages(refused))
    assert f"Rien n'a été modifié\u00a0: la fiche « {name} » (structure n°\u00a0{broken})" in message
    assert "Courriel" in message
    assert snapshot(Structure) == before
    assert updates("Structure") == []


def test_rows_changed_since_the_confirmation_are_said_and_nothing_is_applied(app, as_role, directory):
    editor = as_role("editor")
    link = bulk_link(editor.get(grid_url(app, directory)), "Marquer comme vérifié")
    confirmation = editor.get(link)
    form = {k: v[0] for k, v in form_of(confirmation).values.items()}
    make_structure("CCAS Vienne nouveau", territory=directory["vienne"], date_maj=OLD)  # someone adds one
    before = snapshot(Structure)
    again = editor.client.post(link, data=form)
    assert again.status_code == 409
    page = text(again)
    assert "Les fiches concernées ont changé depuis l'affichage de cette page" in page
    assert "Cette action va modifier 13 structures" in page
    assert snapshot(Structure) == before
    # Confirmed again: applied to the 13.
    done = editor.client.post(link, data={k: v[0] for k, v in form_of(again).values.items()})
    assert done.status_code == 302
    assert "13 structures marquées comme vérifiées." in text(editor.get(done.headers["Location"]))


def test_rows_already_in_that_state_are_not_counted_nor_touched(app, as_role, directory):
    already = sorted(directory["matching"])[:2]
    with database.connection_context():
        Structure.update(date_maj=TODAY).where(Structure.id << already).execute()
    editor = as_role("editor")
    confirmation = editor.get(bulk_link(editor.get(grid_url(app, directory)), "Marquer comme vérifié"))
    page = text(confirmation)
    assert "Cette action va modifier 10 structures" in page
    assert "Les 2 autres fiches correspondantes, déjà vérifiées aujourd'hui, resteront inchangées." in page


def test_viewers_see_no_action_and_their_posts_are_refused(app, as_role, directory):
    viewer = as_role("viewer")
    grid = viewer.get(grid_url(app, directory))
    assert grid.status_code == 200
    assert "bulk-all" not in grid.get_data(as_text=True) and "Marquer comme vérifié" not in text(grid)
    before = snapshot(Structure)
    link = f"/admin/structure/bulk/?action=mark_checked&search=ccas"
    assert viewer.get(link).status_code == 403
    assert viewer.client.post(link, data={"csrf_token": viewer.csrf_token("/admin/structure/")}).status_code == 403
    response = viewer.post("/admin/structure/action/", {"action": "mark_checked", "rowid": [
        str(pk) for pk in directory["matching"]]}, form_url="/admin/structure/")
    assert response.status_code == 403
    assert "Votre rôle ne permet pas" in text(response)
    assert snapshot(Structure) == before
    assert updates("Structure") == []


def test_a_post_without_its_csrf_token_is_refused(app, as_role, directory):
    editor = as_role("editor")
    link = bulk_link(editor.get(grid_url(app, directory)), "Marquer comme vérifié")
    form = {k: v[0] for k, v in form_of(editor.get(link)).values.items()}
    form.pop("csrf_token")
    before = snapshot(Structure)
    refused = editor.client.post(link, data=form)
    assert refused.status_code == 400
    assert "La session a expiré" in text(refused)
    assert editor.client.post("/admin/structure/action/", data={
        "action": "mark_checked", "rowid": [str(pk) for pk in directory["matching"]]}).status_code == 302
    assert snapshot(Structure) == before
    assert updates("Structure") == []


def test_referents_and_trainings_offer_their_own_actions(app, as_role):
    structure = make_structure()
    referents = [make_referent(structure, f"Nom {n}", date_maj=OLD) for n in range(3)]
    territory = make_territory()
    with database.connection_context():
        trainings = [Training.create(date=OLD, theme=f"Module {n}") for n in range(2)]
    editor = as_role("editor")
    referent_grid = editor.get("/admin/referent/")
    assert [label for _h, label in BULK_LINK_RE.findall(referent_grid.get_data(as_text=True))] == [
        "Marquer comme vérifié…", "Désactiver…"]
    training_grid = editor.get("/admin/training/")
    assert [label for _h, label in BULK_LINK_RE.findall(training_grid.get_data(as_text=True))] == [
        "Affecter à un territoire…"]
    link = bulk_link(referent_grid, "Désactiver")
    done = editor.client.post(link, data={k: v[0] for k, v in form_of(editor.get(link)).values.items()})
    assert "3 référent·e·s désactivé·e·s." in text(editor.get(done.headers["Location"]))
    link = unescape(BULK_LINK_RE.findall(training_grid.get_data(as_text=True))[0][0])
    form = {k: v[0] for k, v in form_of(editor.get(link)).values.items()}
    done = editor.client.post(link, data={**form, "territory": str(territory.id)})
    assert "2 formations affectées au territoire « RVC Poitiers »." in text(editor.get(done.headers["Location"]))
    with database.connection_context():
        assert not any(Referent.get_by_id(r.id).actif for r in referents)
        assert {Training.get_by_id(t.id).territory_id for t in trainings} == {territory.id}
    # An action a grid does not declare is refused.
    assert editor.get("/admin/training/bulk/?action=deactivate").status_code == 302


HOSTILE = ["", "0", "-1", "9" * 30, "abc", "1,2", "１", "\u202e", "<script>", "x" * 3000,
           "https://ailleurs.example/", "//ailleurs.example", "1" + ",1" * 2000]


FUZZ = settings(max_examples=int(os.environ.get("MAILLAGE_FUZZ_EXAMPLES", "60")), deadline=None,
                database=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
hostile = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=20))


def test_hostile_addresses_and_posts_never_give_a_500_nor_leave_an_invalid_row(as_role):
    """/bulk/ with random actions, ids, filters, search, return addresses, territories
    and fingerprints: a French page or a redirect here, never a 500; rows stay valid."""
    territory = make_territory()
    make_referent(make_structure(territory=territory, date_maj=OLD))
    with database.connection_context():
        Training.create(date=OLD, theme="Module")
    editor = as_role("editor")
    token = editor.csrf_token("/admin/structure/")

    @FUZZ
    @given(
        endpoint=st.sampled_from(["structure", "referent", "training", "territory"]),
        action=st.one_of(st.sampled_from(["mark_checked", "assign_territory", "deactivate", "delete"]),
                         st.text(max_size=8)),
        arguments=st.dictionaries(
            st.sampled_from(["ids", "search", "flt0_1", "flt1_0", "page_size", "url", "sort"]), hostile, max_size=4),
        posted=st.dictionaries(st.sampled_from(["territory", "fingerprint"]), hostile, max_size=2),
    )
    def example(endpoint, action, arguments, posted):
        link = f"/admin/{endpoint}/bulk/"
        query = {**arguments, "action": action}
        shown = editor.client.get(link, query_string=query)
        assert shown.status_code < 500, (link, query)
        done = editor.client.post(link, query_string=query, data={"csrf_token": token, **posted})
        assert done.status_code < 500, (link, query, posted)
        assert not done.headers.get("Location", "").startswith(("http", "//"))  # never sent elsewhere
        with database.connection_context():
            for model in (Structure, Referent, Training):
                for record in model.select():
                    record.full_clean()

    example()
