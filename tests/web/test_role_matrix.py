"""Every URL rule of the app × every role, generated from app.url_map: a view added
tomorrow is covered without touching this file.

- anonymous: sent to /login (or 401/403/405), never a 200, never a 500;
- viewer: no write goes through (every POST but the committee pack, one's own
  account and logout changes nothing), create and edit pages refused in French;
- editor: no user accounts, no audit grid;
- admin: everything answers below 500.
Static files (the favicon too) and /login are exempt by rule."""
import datetime
import re

import pytest

from documents.committee_pack import generate_pack
from models import (
    Attendance, AuditEntry, CostLine, FundingLine, LoginFailure, Training, User, database,
)
from models import ALL_MODELS
from models.committee import resolve_filters
from tests.helpers import make_referent, make_scenario, make_structure, make_territory, page_messages

EXEMPT = re.compile(r"(^|\.)static$|^theme\.(stylesheet|favicon)$|^auth\.login$")
# Logged-in users' own business, allowed to every role: the committee pack (an
# export, archived), their own password, the end of their sessions, logging out.
OWN_BUSINESS = {"exports.index", "account.index", "account.end_sessions", "auth.logout"}
SESSION_ENDING = {"account.end_sessions", "auth.logout"}
ADMIN_ONLY = ("user.", "auditentry.")
# Written by the app itself whatever the outcome (who did what, failed logins).
UNWATCHED = {AuditEntry, LoginFailure}
WRITE_PATTERN = re.compile(r"create|edit|delete|action|ajax_update|import|confirm|anonymise|variant")


@pytest.fixture
def samples():
    """One record of each kind; endpoint prefix → id."""
    territory = make_territory()
    structure = make_structure(territory=territory)
    referent = make_referent(structure)
    scenario, other = make_scenario("Scénario A"), make_scenario("Scénario B")
    with database.connection_context():
        training = Training.create(date=datetime.date(2026, 3, 2), theme="Accueil")
        attendance = Attendance.create(training=training, referent=referent)
        cost = CostLine.create(scenario=scenario, category=CostLine.category.choices[0][0],
                               designation="Accueillant·e", quantity=1, unit="ETP", unit_cost=40000)
        funding = FundingLine.create(scenario=scenario, funder="Département", amount=10000)
        pack = generate_pack(resolve_filters(None, []), author="admin@test.fr")
        audit = AuditEntry.select().first()
        user = User.get(User.email == "viewer@test.fr")
    return {
        "territory": territory.id, "structure": structure.id, "referent": referent.id,
        "training": training.id, "attendance": attendance.id, "scenario": scenario.id,
        "costline": cost.id, "fundingline": funding.id, "user": user.id,
        "auditentry": audit.id if audit else 1, "pack": pack.id, "scenarios": f"{scenario.id},{other.id}",
    }


def requests_for(app, samples):
    """(endpoint, method, url, data) for every rule and method of the app."""
    built = []
    for rule in app.url_map.iter_rules():
        if EXEMPT.search(rule.endpoint):
            continue
        prefix = rule.endpoint.split(".")[0]
        values = {}
        for name in rule.arguments:
            values[name] = {"export_type": "xlsx", "pack_id": samples["pack"]}.get(name, 1)
        url = rule.rule
        for name, value in values.items():
            url = re.sub(rf"<(?:\w+:)?{name}>", str(value), url)
        record = samples.get(prefix.removesuffix("_import"))
        query = f"?ids={samples['scenarios']}" if "compare" in rule.endpoint else (
            f"?id={record}" if record else "")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"id": record or 1, "rowid": [record or 1], "action": "delete",
                    "list_form_pk": record or 1, "nom": "Écrit", "name": "Écrit", "email": "x@test.fr"}
            built.append((rule.endpoint, method, url + query, data))
    # The session-ending ones last: the role's session goes on until then.
    return sorted(built, key=lambda r: r[0] in SESSION_ENDING)


def snapshot():
    """Every stored row the panel can write, as it is."""
    with database.connection_context():
        return {
            model.__name__: sorted(
                tuple(sorted((k, bytes(v) if isinstance(v, memoryview) else str(v))  # a PostgreSQL blob
                             for k, v in row.items() if k not in ("last_login",)))
                for row in model.select().dicts()
            )
            for model in ALL_MODELS if model not in UNWATCHED
        }


def send(browser, method, url, data, token):
    if method == "GET":
        return browser.client.get(url)
    return browser.client.post(url, data={**data, "csrf_token": token})


@pytest.mark.parametrize("role", ["anonymous", "viewer", "editor", "admin"])
def test_every_rule_answers_each_role_as_it_should(app, as_role, browser, samples, role):
    client = browser if role == "anonymous" else as_role(role)
    token = client.csrf_token("/login")
    problems, covered = [], 0
    for endpoint, method, url, data in requests_for(app, samples):
        before = snapshot() if role == "viewer" and method == "POST" else None
        response = send(client, method, url, data, token)
        covered += 1
        status, where = response.status_code, f"{role} {method} {url}"
        location = response.headers.get("Location", "")
        if status >= 500:
            problems.append(f"{where}: {status}")
            continue
        if role == "anonymous":
            if status == 200 or (status == 302 and "/login" not in location):
                problems.append(f"{where}: {status} {location}")
        elif role == "viewer":
            if method == "POST" and endpoint not in OWN_BUSINESS and snapshot() != before:
                problems.append(f"{where}: a viewer's write went through ({status})")
            if method == "GET" and re.search(r"create_view|edit_view|variant|anonymise|import\.index",
                                             endpoint):
                if status == 200:
                    problems.append(f"{where}: a write page opened for a viewer")
                elif status == 302:
                    messages = page_messages(client.get(location))
                    if not any("éditeur" in m or "rôle" in m for m in messages):
                        problems.append(f"{where}: refused without a French message ({messages})")
                elif status != 403:
                    problems.append(f"{where}: {status}")
        elif role == "editor" and endpoint.startswith(ADMIN_ONLY):
            if status not in (403, 405):
                problems.append(f"{where}: {status} (admin only)")
    rules = len({e for e, *_ in requests_for(app, samples)})
    assert not problems, (f"{covered} requests ({rules} rules × role {role}); problems:\n"
                          + "\n".join(problems))
    assert rules >= 100, f"only {rules} rules found in app.url_map"
    print(f"{role}: {covered} requests over {rules} rules")


def test_every_write_endpoint_is_in_the_matrix(app):
    """The matrix reaches create, edit, delete, action, import, anonymise and variant
    endpoints of the app (the viewer's POSTs check each of them)."""
    posts = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    writes = {e for e in posts if WRITE_PATTERN.search(e)}
    assert len(writes) >= 40, sorted(writes)
    assert {"referent.anonymise_view", "scenario.variant_view", "structure_import.confirm",
            "user.create_view"} <= writes
