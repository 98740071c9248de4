"""Hostile input, generated (Hypothesis): every create and edit form of every grid
registered on the panel, and the custom endpoints (scenario duplicate, variant and
comparison, imports, committee pack, password change, anonymisation, list actions,
grid edits), get random and malformed values. Never a 500, and after each example
every stored row still passes its model's full_clean(): nothing invalid stored.

The forms are discovered from the Flask-Admin views of the app (a new grid is
fuzzed without touching this file); each example starts from the values the page
shows (so that some saves go through) and replaces or drops some of them."""
import datetime
import io
import re

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from flask_admin.contrib.peewee import ModelView
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from models import (
    ALL_MODELS, Attendance, CostLine, FundingLine, Referent, Scenario, Training, User, database,
)
from models.users import create_or_reset_user
from tests.helpers import (
    PASSWORD, form_of, make_referent, make_scenario, make_structure, make_territory, xlsx_bytes,
)

EXAMPLES = 15
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# --- hostile values ------------------------------------------------------------
HOSTILE_TEXT = [
    "", " ", "   \t ", "x" * 300, "é" * 5000, "a\r\nb", "\x07bell", "\x1b[31mrouge", "\u202eevil\u202c",
    "\u200b", "\u200b\u200c\u200d", "\ufeff", "😀👩‍👩‍👧", "ﷺ", "Ａ", "<script>alert(1)</script>",
    "=HYPERLINK(\"http://x\")", "'; DROP TABLE structure; --", "%s %d {0}", "\\", "\ud7ff",
    "null", "None", "__None",
]
HOSTILE_NUMBER = [
    "-1", "0", "-0", "1e308", "-1e308", "9" * 40, "٣", "١٢٣", "²", "½", "NaN", "inf", "-inf",
    "12,5", "12.5", "1 000,50", "1\u00a0000", "0x10", "1_000", "+5", "--1", "2147483648",
    "-9223372036854775809", "9223372036854775808", "0.0000000001", "1e-400",
]
HOSTILE_DATE = [
    "2026-02-30", "0000-00-00", "0001-01-01", "9999-12-31", "31/12/2026", "2026-13-01", "hier",
    "2026-1-1", "10000-01-01", "-2026-01-01", "2026-01-01T25:00", "٢٠٢٦-٠١-٠١",
]
HOSTILE_ID = ["0", "-1", "999999999", "9" * 30, "abc", "__None", "1.5", "１", "", "1,2"]
HOSTILE = HOSTILE_TEXT + HOSTILE_NUMBER + HOSTILE_DATE + HOSTILE_ID
HUGE = "z" * 30_000  # beyond the free-text limit (models.validation.FREE_TEXT_MAX_LENGTH)

hostile_value = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),  # any code point except surrogates (NUL included: refused with a 400)
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates(min_value=datetime.date(1, 1, 1)).map(lambda d: d.isoformat()),
    st.just(HUGE),
)

# A mutation of a form: fields replaced by hostile values, fields dropped.
def mutations(names):
    names = sorted(names)
    return st.tuples(
        st.dictionaries(st.sampled_from(names), hostile_value, max_size=4),
        st.sets(st.sampled_from(names), max_size=2),
    )


def post_mutated(browser, url, page, changes, dropped, csrf=True):
    """Post the page's form with `changes` applied and `dropped` fields left out."""
    data = {name: list(values) for name, values in page.values.items()}
    for name in dropped:
        data.pop(name, None)
    for name, value in changes.items():
        data[name] = value
    if not csrf:
        data.pop("csrf_token", None)
    return browser.client.post(url, data=data)


# --- checks ------------------------------------------------------------------
def assert_not_server_error(response, where):
    assert response.status_code < 500, (where, response.status_code, response.get_data(as_text=True)[:800])


def assert_everything_stored_is_valid(where, models=None):
    """Every stored row of `models` (default: every model but the audit trail and
    login failures, written by the app itself) passes its full_clean()."""
    with database.connection_context():
        for model in models or [m for m in ALL_MODELS if m.__name__ not in ("AuditEntry", "LoginFailure")]:
            for row in model.select():
                try:
                    row.full_clean()
                except Exception as error:  # noqa: BLE001 - named in the failure
                    raise AssertionError(f"{where}: stored {model.__name__} n° {row._pk} invalid: {error!r}")


def record_count():
    with database.connection_context():
        return {model.__name__: model.select().count() for model in ALL_MODELS}


# --- a small dataset: one record of each kind --------------------------------
@pytest.fixture
def dataset():
    territory = make_territory()
    structure = make_structure(territory=territory)
    referent = make_referent(structure, courriel="claire.martin@exemple.fr")
    scenario = make_scenario("Scénario à varier")
    other = make_scenario("Autre scénario")
    with database.connection_context():
        training = Training.create(date=datetime.date(2026, 3, 2), theme="Accueil", territory=territory)
        attendance = Attendance.create(training=training, referent=referent, evaluation=4)
        cost = CostLine.create(scenario=scenario, category=CostLine.category.choices[0][0],
                               designation="Accueillant·e", quantity=1, unit="ETP", unit_cost=40000)
        funding = FundingLine.create(scenario=scenario, funder="Département", amount=10000)
        target = create_or_reset_user("cible@test.fr", PASSWORD, role="viewer")
    return {
        "territory": territory, "structure": structure, "referent": referent, "training": training,
        "attendance": attendance, "scenario": scenario, "other_scenario": other,
        "costline": cost, "fundingline": funding, "user": target,
    }


INLINE_MODELS = {Scenario: (CostLine, FundingLine)}


def model_views(app):
    """Every grid of the panel over a model, as registered on the app."""
    return [view for view in app.extensions["admin"][0]._views if isinstance(view, ModelView)]


def role_for(view):
    levels = {getattr(view, "access_level", "read"), getattr(view, "write_level", "edit")}
    return "admin" if "admin" in levels else "editor"


def form_names(app, view):
    """The fields of the view's create form (create_form()), minus the CSRF token."""
    with app.test_request_context(method="GET"), database.connection_context():
        return {field.name for field in view.create_form()} - {"csrf_token"}


@pytest.mark.parametrize("mode", ["create", "edit"])
def test_every_model_form_survives_hostile_input(app, as_role, dataset, mode):
    browsers = {role: as_role(role) for role in ("editor", "admin")}  # one login each
    fuzzed, gone = [], []
    for view in model_views(app):
        browser = browsers[role_for(view)]
        with database.connection_context():  # an earlier form may have deleted the dataset's
            record = view.model.select().order_by(view.model._meta.primary_key).first()
        if view.model is User:
            record = dataset["user"]  # not one's own account
        if mode == "edit" and record is None:  # every row deleted by an earlier form's inline lines
            gone.append(view.endpoint)
            continue
        base_url = f"/admin/{view.endpoint}/"
        url = f"{base_url}new/" if mode == "create" else f"{base_url}edit/?id={record._pk}"
        first = browser.get(url)
        if first.status_code != 200 or "csrf_token" not in first.get_data(as_text=True):
            # only a grid that never writes (can_create = False on its class) has no form
            assert type(view).can_create is False, (view.endpoint, mode, first.status_code)
            continue  # no such form (the audit grid is read-only)
        names = form_names(app, view) | form_of(first).names - {"csrf_token"}
        fuzzed.append(view.endpoint)

        # Without its CSRF token, nothing is written and the page says why.
        before = record_count()
        refused = post_mutated(browser, url, form_of(first), {}, set(), csrf=False)
        assert refused.status_code in (200, 400), (url, refused.status_code)
        assert "La session a expiré" in refused.get_data(as_text=True), url
        assert record_count() == before, url

        shown = {"page": form_of(first)}

        @FUZZ
        @given(mutation=mutations(names))
        def example(mutation):
            changes, dropped = mutation
            response = post_mutated(browser, url, shown["page"], changes, dropped)
            if response.status_code == 302:  # saved: the next example starts from the new version
                shown["page"] = form_of(browser.get(url))
            where = f"{mode} {view.endpoint} {changes!r:.300} minus {sorted(dropped)}"
            assert_not_server_error(response, where)
            assert_everything_stored_is_valid(where, [view.model, *INLINE_MODELS.get(view.model, ())])

        example()
    expected = {"structure", "referent", "territory", "training", "attendance", "scenario",
                "costline", "fundingline", "user"}
    assert expected - set(gone) <= set(fuzzed), f"forms fuzzed ({mode}): {fuzzed}, no row left: {gone}"


def test_a_form_bigger_than_the_form_memory_limit_is_refused_not_a_500(as_role, dataset):
    """Flask reads at most MAX_FORM_MEMORY_SIZE (500 kB) of form fields: beyond, a 413
    with its French page, and nothing written."""
    browser = as_role("editor")
    before = record_count()
    response = browser.post("/admin/structure/new/", {"nom": "Grande", "typologie": "CCAS",
                                                      "notes": "z" * 300_000, "description": "z" * 300_000})
    assert response.status_code == 413, response.status_code
    assert "Fichier trop volumineux" in response.get_data(as_text=True) or "volumineu" in response.get_data(as_text=True)
    assert record_count() == before


def test_grid_edits_and_list_actions_survive_hostile_input(app, as_role, dataset):
    """The grids' list actions (delete, duplicate, compare, variant, export of one's
    data…) and inline grid edits (ajax/update) with random names, ids and values."""
    browser = as_role("admin")
    token = browser.csrf_token("/login")
    views = {view.endpoint: view for view in model_views(app)}

    @FUZZ
    @given(
        endpoint=st.sampled_from(sorted(views)),
        action=st.one_of(st.sampled_from(["delete", "duplicate", "compare", "variant",
                                          "access_export", "end_sessions"]), st.text(max_size=10)),
        ids=st.lists(st.one_of(st.sampled_from(HOSTILE_ID), st.integers(-5, 40).map(str)), max_size=4),
        field=st.text(max_size=12),
        value=hostile_value,
    )
    def example(endpoint, action, ids, field, value):
        base = f"/admin/{endpoint}/"
        own = [str(dataset[endpoint].id)] if endpoint in dataset and endpoint != "user" else []
        acted = browser.client.post(f"{base}action/", data={
            "action": action, "rowid": ids + own[:1] * (action == "duplicate"), "csrf_token": token,
        })
        assert_not_server_error(acted, f"action {endpoint} {action} {ids}")
        column = field or "nom"
        edited = browser.client.post(f"{base}ajax/update/", data={
            "list_form_pk": (ids or own or ["1"])[0], column: value, "csrf_token": token,
        })
        assert_not_server_error(edited, f"ajax {endpoint} {column}={value!r:.80}")
        assert_everything_stored_is_valid(f"{endpoint} action {action} / ajax {column}")

    example()


def test_scenario_pages_survive_hostile_input(as_role, dataset):
    """Variant (preview and confirm), comparison (page and XLSX), duplication of a
    scenario whose name is as long as allowed."""
    browser = as_role("editor")
    scenario, other = dataset["scenario"], dataset["other_scenario"]
    variant_url = f"/admin/scenario/variant/?id={scenario.id}"
    names = form_of(browser.get(variant_url)).names - {"csrf_token"}
    assert {"name", "line", "etp", "category", "percent", "operator"} <= names, names

    @FUZZ
    @given(mutation=mutations(names | {"confirm"}), ids=st.lists(
        st.one_of(st.sampled_from(HOSTILE_ID), st.just(str(scenario.id)), st.just(str(other.id))),
        max_size=7), target=st.sampled_from([str(scenario.id), *HOSTILE_ID]))
    def example(mutation, ids, target):
        changes, dropped = mutation
        page = form_of(browser.get(variant_url))
        response = post_mutated(browser, f"/admin/scenario/variant/?id={target}", page, changes, dropped)
        assert_not_server_error(response, f"variant {target} {changes!r:.300}")
        for url in ("/admin/scenario/compare/", "/admin/scenario/compare/xlsx/"):
            compared = browser.get(url, query_string={"ids": ",".join(ids)})
            assert_not_server_error(compared, f"{url} {ids}")
        assert_everything_stored_is_valid(f"variant {changes!r:.300}")

    example()

    # Duplicating a scenario whose name is as long as the field allows.
    long_name = max((n for n in ("é" * 255, "é" * 250, "é" * 200)), key=len)
    with database.connection_context():
        Scenario.update(name=long_name).where(Scenario.id == other.id).execute()
    for _ in range(3):  # a copy of a copy of a copy: each one's name must still fit
        response = browser.post("/admin/scenario/action/", {"action": "duplicate", "rowid": [other.id]},
                                form_url="/admin/scenario/")
        assert_not_server_error(response, "duplicate long name")
    assert_everything_stored_is_valid("duplicate long name")


# What a spreadsheet cell can hold (openpyxl refuses control characters in cells).
cell_value = st.one_of(
    st.sampled_from(HOSTILE).map(lambda v: ILLEGAL_CHARACTERS_RE.sub("", v)),
    st.text(max_size=30).map(lambda v: ILLEGAL_CHARACTERS_RE.sub("", v)),
    st.integers(-(2**70), 2**70), st.floats(allow_nan=True), st.dates(), st.none(), st.booleans(),
)


@pytest.mark.parametrize("kind", ["structure", "referent"])
def test_imports_survive_hostile_files(as_role, dataset, kind):
    """Uploads of random workbooks (hostile cells under the template's headers),
    random bytes and names, then their confirmation."""
    browser = as_role("editor")
    url = f"/admin/{kind}/import/"
    template = browser.get(f"{url}modele.xlsx")
    assert template.status_code == 200
    headers = [cell.value for cell in openpyxl.load_workbook(io.BytesIO(template.data)).active[1]]

    @FUZZ
    @given(rows=st.lists(st.lists(cell_value, max_size=len(headers)), max_size=4),
           raw=st.one_of(st.none(), st.binary(max_size=200)),
           filename=st.sampled_from(["a.xlsx", "a.csv", "a.txt", "", "\u202egpj.xlsx", "../../a.xlsx"]))
    def example(rows, raw, filename):
        content = raw if raw is not None else xlsx_bytes([headers, *rows])
        uploaded = browser.post(url, {"file": (io.BytesIO(content), filename)},
                                content_type="multipart/form-data")
        assert_not_server_error(uploaded, f"upload {filename} {rows!r:.300}")
        confirmed = browser.post(f"{url}confirmer/", {}, form_url=url)
        assert_not_server_error(confirmed, f"confirm {filename} {rows!r:.300}")
        assert_everything_stored_is_valid(f"import {kind} {rows!r:.300}")

    example()


def test_committee_pack_form_survives_hostile_input(as_role, dataset):
    browser = as_role("viewer")
    scenario_ids = [str(dataset["scenario"].id), str(dataset["other_scenario"].id)]

    @FUZZ
    @given(territory=st.one_of(st.none(), st.just(str(dataset["territory"].id)), hostile_value),
           scenarios=st.lists(st.one_of(st.sampled_from(scenario_ids), st.sampled_from(HOSTILE_ID)),
                              max_size=7))
    def example(territory, scenarios):
        data = {"scenarios": scenarios}
        if territory is not None:
            data["territory"] = territory
        response = browser.post("/admin/exports/", data)
        assert_not_server_error(response, f"pack {territory!r:.80} {scenarios}")
        assert response.status_code in (302, 400), response.status_code

    example()
    assert_everything_stored_is_valid("pack")


def test_password_change_survives_hostile_input(as_role):
    """Random new passwords (the right current one given, so that the policy is what
    refuses them); a new password that passes changes it, once."""
    browser = as_role("editor")
    current = {"password": PASSWORD}

    @FUZZ
    @given(new=st.one_of(hostile_value, st.text(min_size=12, max_size=30)),
           confirm_same=st.booleans(), drop=st.sets(st.sampled_from(["current", "new", "confirm"]), max_size=1))
    def example(new, confirm_same, drop):
        data = {"current": current["password"], "new": new, "confirm": new if confirm_same else new + "x"}
        for name in drop:
            data.pop(name)
        response = browser.post("/admin/compte/", data)
        assert_not_server_error(response, f"password {new!r:.80}")
        assert response.status_code in (302, 400), (response.status_code, new)
        if response.status_code == 302:  # accepted: the next example gives this one
            current["password"] = new
            with database.connection_context():
                assert User.get(User.email == "editor@test.fr").check_password(new)

    example()
    assert_everything_stored_is_valid("password change")


def test_anonymisation_survives_hostile_ids(as_role, dataset):
    browser = as_role("editor")
    referent = dataset["referent"]

    @FUZZ
    @given(target=st.one_of(st.sampled_from(HOSTILE_ID), st.just(str(referent.id))),
           extra=st.dictionaries(st.text(max_size=8), hostile_value, max_size=2))
    def example(target, extra):
        url = f"/admin/referent/rgpd/anonymiser/?id={target}"
        page = browser.get(url)
        assert_not_server_error(page, url)
        token = browser.csrf_token("/login")
        response = browser.client.post(url, data={**extra, "csrf_token": token})
        assert_not_server_error(response, f"anonymise {target} {extra!r:.100}")
        access = browser.get(f"/admin/referent/rgpd/donnees/?id={target}")
        assert_not_server_error(access, f"access export {target}")
        assert_everything_stored_is_valid(f"anonymise {target}")

    example()
    with database.connection_context():
        anonymised = Referent.get_by_id(referent.id).nom != "Martin"
    if not anonymised:  # the real id was not drawn: anonymise it now, with stray fields
        response = browser.post(f"/admin/referent/rgpd/anonymiser/?id={referent.id}",
                                {"notes": HUGE, "nom": "\u202eevil"})
        assert response.status_code == 302, response.status_code
    with database.connection_context():
        assert Referent.get_by_id(referent.id).nom != "Martin"
    assert_everything_stored_is_valid("anonymised")
