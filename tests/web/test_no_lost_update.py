"""No lost update (issue 8): two editors open the same record; the second one to save
from a form opened before the first one's change is refused, nothing written, told
what changed, with their input kept and a way to reload. Inline lines included."""
from html import unescape
from html.parser import HTMLParser

import pytest

from models import CostLine, FundingLine, Scenario, Structure, Training, database
from models.audit import AuditEntry
from models.formatting import format_euros
from tests.helpers import QueryCounter, make_referent, make_scenario, make_structure

REFUSED = "Enregistrement refusé"
SAVED = "La fiche a été enregistrée"


class AdminForm(HTMLParser):
    """The values of the page's edit form, as a browser would post them unchanged."""

    def __init__(self, html):
        super().__init__()
        self.values = {}
        self._in_form, self._select, self._first_option, self._textarea = False, None, None, None
        self.feed(html)

    def _add(self, name, value):
        self.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._in_form = "admin-form" in (attrs.get("class") or "")
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "checkbox"):
            self._add(name, attrs.get("value") or "")
        elif tag == "input" and name and "checked" in attrs:
            self._add(name, attrs.get("value") or "on")
        elif tag == "select" and name:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = attrs.get("value", "")
            if "selected" in attrs:
                self._add(self._select, attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select" and self._select:
            if self._select not in self.values and self._first_option is not None:
                self._add(self._select, self._first_option)  # what a browser sends
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            value = self.values[self._textarea]
            # A browser drops the line break that opens a textarea's content.
            value[-1] += data if value[-1] else data.removeprefix("\r\n").removeprefix("\n")


def open_form(browser, url):
    """What `browser` sees on the edit page `url`: the form's values, to post later."""
    response = browser.get(url)
    assert response.status_code == 200, response.status_code
    values = AdminForm(response.get_data(as_text=True)).values
    assert "version_token" in values and values["version_token"][0], "no version in the form"
    return values


def post_form(browser, url, values, **changes):
    data = {name: list(value) for name, value in values.items()}
    data.update({name: [value] for name, value in changes.items()})
    return browser.client.post(url, data=data)  # with the form's own CSRF token


def assert_saved(browser, response):
    """A save that went through: redirected, its « enregistrée » message read."""
    assert response.status_code == 302, html_of(response)[:2000]
    assert SAVED in html_of(browser.get(response.headers["Location"]))


def html_of(response):
    return unescape(response.get_data(as_text=True))


def read(model, record_id):
    with database.connection_context():
        return model.get_or_none(model.id == record_id)


def assert_refused(response):
    html = html_of(response)
    assert response.status_code == 200, response.status_code
    assert REFUSED in html and SAVED not in html
    assert "Rien n'a été enregistré" in html
    return html


# --- one record ----------------------------------------------------------------
def test_a_stale_structure_form_is_refused_and_says_what_changed(as_role):
    structure = make_structure(commune="Poitiers")
    url = f"/admin/structure/edit/?id={structure.id}"
    alice, bob = as_role("editor"), as_role("editor")
    alice_form, bob_form = open_form(alice, url), open_form(bob, url)

    saved = post_form(alice, url, alice_form, notes="Appeler le lundi matin")
    assert_saved(alice, saved)
    refused = post_form(bob, url, bob_form, commune="Niort")

    html = assert_refused(refused)
    assert "cette fiche a été modifiée par quelqu'un d'autre" in html
    assert "<strong>Notes</strong>\u00a0: «\u00a0Appeler le lundi matin\u00a0»" in html
    assert "Commune</strong>" not in html  # Bob's own change is not theirs
    assert 'value="Niort"' in html  # Bob's input, kept to copy
    assert f'href="{url}"' in html.replace("&amp;", "&") and "Recharger la fiche" in html
    now = read(Structure, structure.id)
    assert (now.commune, now.notes, now.version) == ("Poitiers", "Appeler le lundi matin", 2)
    with database.connection_context():
        assert AuditEntry.select().where(AuditEntry.action == "update").count() == 1

    # « Recharger la fiche », then the same change: both are kept.
    reloaded = open_form(bob, url)
    assert reloaded["notes"] == ["Appeler le lundi matin"]
    assert_saved(bob, post_form(bob, url, reloaded, commune="Niort"))
    now = read(Structure, structure.id)
    assert (now.commune, now.notes, now.version) == ("Niort", "Appeler le lundi matin", 3)


def test_the_same_form_saved_twice_is_refused_the_second_time(as_role):
    """A double submit, or a tab kept open after its own save."""
    structure = make_structure()
    url = f"/admin/structure/edit/?id={structure.id}"
    editor = as_role("editor")
    form = open_form(editor, url)
    assert_saved(editor, post_form(editor, url, form, commune="Niort"))
    html = assert_refused(post_form(editor, url, form, commune="Lusignan"))
    assert "Commune</strong>\u00a0: «\u00a0Niort\u00a0»" in html
    assert read(Structure, structure.id).commune == "Niort"


def test_a_record_deleted_meanwhile_is_not_recreated_and_the_input_is_kept(as_role):
    structure = make_structure()
    url = f"/admin/structure/edit/?id={structure.id}"
    alice, bob = as_role("editor"), as_role("editor")
    bob_form = open_form(bob, url)
    deleted = alice.post("/admin/structure/delete/", {"id": structure.id}, form_url=url)
    assert deleted.status_code == 302 and read(Structure, structure.id) is None

    html = assert_refused(post_form(bob, url, bob_form, commune="Niort"))
    assert "cette fiche a été supprimée par quelqu'un d'autre" in html
    assert 'value="Niort"' in html and "Retour à la liste" in html
    with database.connection_context():
        assert Structure.select().count() == 0


def test_a_malformed_version_is_refused_in_french(as_role):
    structure = make_structure()
    url = f"/admin/structure/edit/?id={structure.id}"
    editor = as_role("editor")
    form = open_form(editor, url)
    for token in ("abc", "99999999999.", "1.xyz", "-1."):
        response = post_form(editor, url, form, version_token=token, commune="Niort")
        assert response.status_code == 200 and SAVED not in html_of(response)
        assert "Formulaire incomplet" in html_of(response)
    assert read(Structure, structure.id).commune is None


# --- inline lines of a scenario ------------------------------------------------
@pytest.fixture
def scenario():
    record = make_scenario("Coordination 2027")
    with database.connection_context():
        CostLine.create(scenario=record, category="Locaux", designation="Loyer", amount=6000)
        CostLine.create(scenario=record, category="Personnel", designation="Accueil", amount=20000)
        FundingLine.create(scenario=record, funder="CAF", amount=5000)
    return record


def lines(scenario):
    with database.connection_context():
        return {line.designation: line.amount for line in
                CostLine.select().where(CostLine.scenario == scenario.id)}


def line_index(form, designation):
    return next(name.split("-")[1] for name, value in form.items()
                if name.startswith("cost_lines-") and name.endswith("-designation") and value == [designation])


def edit_line_in_its_grid(browser, designation, amount):
    with database.connection_context():
        line = CostLine.get(CostLine.designation == designation)
    line_url = f"/admin/costline/edit/?id={line.id}"
    assert_saved(browser, post_form(browser, line_url, open_form(browser, line_url), amount=amount))


def test_a_stale_edit_of_inline_cost_lines_is_refused(as_role, scenario):
    """Case 1: A and B edit the scenario's lines inline; B's form predates A's save."""
    url = f"/admin/scenario/edit/?id={scenario.id}"
    alice, bob = as_role("editor"), as_role("editor")
    alice_form, bob_form = open_form(alice, url), open_form(bob, url)
    loyer = line_index(alice_form, "Loyer")
    assert_saved(alice, post_form(alice, url, alice_form, **{f"cost_lines-{loyer}-amount": "6 500"}))

    html = assert_refused(post_form(bob, url, bob_form, **{f"cost_lines-{loyer}-designation": "Loyer et charges"}))
    assert "Ligne budgétaire « Loyer »\u00a0: modifiée" in html
    assert f"Montant annuel</strong>\u00a0: «\u00a0{format_euros(6500)}\u00a0»" in html
    assert 'value="Loyer et charges"' in html
    assert lines(scenario) == {"Loyer": 6500, "Accueil": 20000}


def test_a_line_changed_in_its_own_grid_is_not_written_back_by_a_stale_scenario_form(as_role, scenario):
    """Case 2: the scenario row is unchanged, one of its lines is not: the stale form
    would write the old amount back."""
    url = f"/admin/scenario/edit/?id={scenario.id}"
    alice, bob = as_role("editor"), as_role("editor")
    bob_form = open_form(bob, url)
    edit_line_in_its_grid(alice, "Accueil", "21 000")

    html = assert_refused(post_form(bob, url, bob_form, description="Version présentée en comité"))
    assert "la ligne budgétaire « Accueil » a été modifiée" in html
    assert f"Montant annuel</strong>\u00a0: «\u00a0{format_euros(21000)}\u00a0»" in html
    assert lines(scenario) == {"Loyer": 6000, "Accueil": 21000}
    assert read(Scenario, scenario.id).description is None  # the scenario's own change rolled back too


def test_a_line_deleted_meanwhile_is_not_brought_back_nor_edited(as_role, scenario):
    """Case 3: A deletes a line; B's stale form still holds it."""
    url = f"/admin/scenario/edit/?id={scenario.id}"
    alice, bob = as_role("editor"), as_role("editor")
    bob_form = open_form(bob, url)
    alice_form = open_form(alice, url)
    loyer = line_index(alice_form, "Loyer")
    assert_saved(alice, post_form(alice, url, alice_form, **{f"del-cost_lines-{loyer}": "on"}))
    assert lines(scenario) == {"Accueil": 20000}

    for change in ({}, {f"cost_lines-{loyer}-amount": "7 000"}):  # brought back as is, or edited
        html = assert_refused(post_form(bob, url, bob_form, **change))
        assert "Ligne budgétaire « Loyer »\u00a0: supprimée" in html
        assert lines(scenario) == {"Accueil": 20000}


def test_a_line_deleted_by_a_stale_form_after_someone_changed_it_is_refused(as_role, scenario):
    url = f"/admin/scenario/edit/?id={scenario.id}"
    alice, bob = as_role("editor"), as_role("editor")
    bob_form = open_form(bob, url)
    edit_line_in_its_grid(alice, "Loyer", "6 800")

    loyer = line_index(bob_form, "Loyer")
    assert_refused(post_form(bob, url, bob_form, **{f"del-cost_lines-{loyer}": "on"}))
    assert lines(scenario) == {"Loyer": 6800, "Accueil": 20000}


def test_a_line_deleted_on_both_sides_stays_deleted(as_role, scenario):
    url = f"/admin/scenario/edit/?id={scenario.id}"
    alice, bob = as_role("editor"), as_role("editor")
    alice_form, bob_form = open_form(alice, url), open_form(bob, url)
    loyer = line_index(alice_form, "Loyer")
    with database.connection_context():
        line = CostLine.get(CostLine.designation == "Loyer")
    assert alice.post("/admin/costline/delete/", {"id": line.id}, form_url="/admin/costline/").status_code == 302
    # Bob's form: the scenario itself unchanged, the same line ticked for deletion.
    assert_saved(bob, post_form(bob, url, bob_form, **{f"del-cost_lines-{loyer}": "on"}))
    assert lines(scenario) == {"Accueil": 20000}


def test_a_line_added_to_a_scenario_deleted_meanwhile_is_not_saved(as_role, scenario):
    """Case 4: B adds a line while A deletes the scenario: no orphan line, no
    scenario brought back, B's new line still in the form."""
    url = f"/admin/scenario/edit/?id={scenario.id}"
    alice, bob = as_role("editor"), as_role("editor")
    bob_form = open_form(bob, url)
    assert alice.post("/admin/scenario/delete/", {"id": scenario.id}, form_url=url).status_code == 302

    new_line = {"cost_lines-9-category": "Formations", "cost_lines-9-designation": "Formation des bénévoles",
                "cost_lines-9-amount": "1 200"}
    html = assert_refused(post_form(bob, url, bob_form, **new_line))
    assert "cette fiche a été supprimée" in html and 'value="Formation des bénévoles"' in html
    with database.connection_context():
        assert Scenario.select().count() == 0 and CostLine.select().count() == 0


def test_a_line_added_by_someone_else_is_kept_and_announced(as_role, scenario):
    """B's stale form does not hold A's new line: B's refusal names it, and the line
    survives B's later save."""
    url = f"/admin/scenario/edit/?id={scenario.id}"
    alice, bob = as_role("editor"), as_role("editor")
    alice_form, bob_form = open_form(alice, url), open_form(bob, url)
    added = {"cost_lines-9-category": "Formations", "cost_lines-9-designation": "Supervision",
             "cost_lines-9-amount": "900"}
    assert_saved(alice, post_form(alice, url, alice_form, **added))

    html = assert_refused(post_form(bob, url, bob_form, name="Coordination 2027 bis"))
    assert "Ligne budgétaire « Supervision »\u00a0: ajoutée" in html
    assert_saved(bob, post_form(bob, url, open_form(bob, url), name="Coordination 2027 bis"))
    assert lines(scenario) == {"Loyer": 6000, "Accueil": 20000, "Supervision": 900}
    assert read(Scenario, scenario.id).name == "Coordination 2027 bis"


def test_a_stale_attendance_edit_is_refused(as_role):
    """Attendance lines are edited in their own grid (the training's sheet has its own
    check: tests/web/test_attendance_screen.py): the same rule."""
    referent = make_referent(make_structure())
    with database.connection_context():
        training = Training.create(date="2027-03-10", theme="Repérer les violences", half_days=1)
        line = training.attendances.model.create(training=training, referent=referent, evaluation=3)
    url = f"/admin/attendance/edit/?id={line.id}"
    alice, bob = as_role("editor"), as_role("editor")
    alice_form, bob_form = open_form(alice, url), open_form(bob, url)
    assert_saved(alice, post_form(alice, url, alice_form, evaluation="5"))
    assert_refused(post_form(bob, url, bob_form, evaluation="1"))
    with database.connection_context():
        assert [a.evaluation for a in training.attendances] == [5]


def test_a_save_costs_a_small_fixed_number_of_queries(as_role, scenario):
    """The check rides on the UPDATE itself (… WHERE id = ? AND version = ?): no
    query is added to a save, and inline lines left as they were cost nothing."""
    url = f"/admin/scenario/edit/?id={scenario.id}"
    editor = as_role("editor")

    def queries_for_save(**changes):
        form = open_form(editor, url)
        with QueryCounter() as counter:
            response = post_form(editor, url, form, **changes)
        assert response.status_code == 302
        return counter.statements

    two_lines = queries_for_save(description="Révision 1")
    with database.connection_context():
        CostLine.create(scenario=scenario, category="Autre", designation="Divers", amount=10)
    three_lines = queries_for_save(description="Révision 2")
    assert len(three_lines) == len(two_lines) <= 10, three_lines
    updates = [sql for sql in two_lines if sql.startswith("UPDATE")]
    assert len(updates) == 1 and '"version" = ' in updates[0].split("WHERE")[1]

    form = open_form(editor, url)
    one_line_changed = queries_for_save(**{f"cost_lines-{line_index(form, 'Divers')}-amount": "20"})
    assert len(one_line_changed) <= len(two_lines) + 2  # the line's UPDATE and its audit row at most
    assert [sql.split(" SET")[0] for sql in one_line_changed if sql.startswith("UPDATE")] == [
        'UPDATE "scenario"', 'UPDATE "cost_line"']
    assert lines(scenario)["Divers"] == 20

