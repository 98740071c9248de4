"""What tests share: builders for test data (through the models' own rules), the
logged-in test client, the page-message reader and the seeded scenarios' names.
Tests import these from here only, never from each other or from conftest."""
import datetime
import io
import os
import logging
import re
import uuid
from contextlib import contextmanager
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit, urlunsplit

import openpyxl
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from models import Attendance, Referent, Scenario, Structure, Territory, Training, database
from seeds.loader import read as read_seed

PASSWORD = "mot-de-passe-de-test"
CSRF_RE = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"')
MESSAGE_RE = re.compile(r'<li>([^<]+)</li>|alert-(?:danger|error)[^>]*>\s*(?:<button[^>]*>[^<]*</button>)?\s*([^<]+)')


def page_messages(response):
    """The error messages a page shows: field errors and flashed alerts."""
    html = response.get_data(as_text=True)
    return [unescape(" ".join(m).strip()) for m in MESSAGE_RE.findall(html)]


# The seeded scenarios (seeds/), by name.
SCENARIO_2 = "Scénario 2 — coordination des acteurs locaux"
ASSOCIATIVE = "Scénario 2 — opérateur associatif"
REINFORCED = "Scénario 2 — accueil renforcé (+0,5 ETP accueillant·e)"
BESANCON = "ISCG Doubs 2023–2025 — France Victimes 25 Besançon"
NORD = "ISCG Doubs 2023–2025 — France Victimes Nord Franche-Comté"


class Browser:
    """A test client that logs in and posts forms with their CSRF token."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def csrf_token(self, url):
        page = self.client.get(url)
        match = CSRF_RE.search(page.data)
        assert match, f"no CSRF token on {url} ({page.status_code})"
        return match.group(1).decode()

    def post(self, url, data, form_url=None, **kwargs):
        data = dict(data)
        data.setdefault("csrf_token", self.csrf_token(form_url or url))
        return self.client.post(url, data=data, **kwargs)

    def login(self, email, password=PASSWORD):
        return self.post("/login", {"email": email, "password": password})

    def logout(self):
        return self.post("/logout", {})


def make_structure(nom="CCAS de Poitiers", **fields):
    with database.connection_context():
        return Structure.create(nom=nom, typologie=fields.pop("typologie", "CCAS"), **fields)


def make_referent(structure, nom="Martin", **fields):
    with database.connection_context():
        return Referent.create(prenom=fields.pop("prenom", "Claire"), nom=nom, structure=structure, **fields)


def make_territory(name="RVC Poitiers", **fields):
    with database.connection_context():
        return Territory.create(name=name, kind=fields.pop("kind", "reseau"), **fields)


def make_scenario(name="Test", **fields):
    with database.connection_context():
        return Scenario.create(name=name, **fields)


LONG_AGO = datetime.date.today() - datetime.timedelta(days=400)  # « à vérifier »


def make_network():
    """Vienne ⊃ RVC Poitiers ⊃ Bassin Poitiers-Nord, Vienne ⊃ RVC Loudun; Ailleurs alone.

    RVC Poitiers: CCAS (2 active référent·e·s, one trained), MDS (welcomes, none),
    Gendarmerie (does not welcome the public), Ancienne asso (inactive, 1 active référent·e).
    Bassin Poitiers-Nord: Épicerie (1 référent·e, inactive) ; Mairie (checked 400 days ago, 1).
    RVC Loudun: CIAS (1 trained référent·e, checked 400 days ago).
    Ailleurs: Centre social (none). No territory: Association X (1).
    """
    with database.connection_context(), database.atomic():
        vienne = Territory.create(name="Vienne", kind="departement")
        poitiers = Territory.create(name="RVC Poitiers", kind="reseau", parent=vienne)
        nord = Territory.create(name="Bassin Poitiers-Nord", kind="bassin_de_vie", parent=poitiers)
        loudun = Territory.create(name="RVC Loudun", kind="reseau", parent=vienne)
        ailleurs = Territory.create(name="Ailleurs", kind="bassin_de_vie")

        def structure(nom, territory, **fields):
            return Structure.create(nom=nom, typologie="ASSO", territory=territory, **fields)

        ccas = structure("CCAS de Poitiers", poitiers)
        structure("MDS Poitiers", poitiers)
        structure("Gendarmerie", poitiers, accueille_du_public=False)
        closed = structure("Ancienne asso", poitiers, actif=False)
        epicerie = structure("Épicerie solidaire", nord)
        mairie = structure("Mairie de Migné", nord, date_maj=LONG_AGO)
        cias = structure("CIAS du Loudunais", loudun)
        structure("Centre social", ailleurs)
        loose = structure("Association X", None)

        def referent(nom, structure, **fields):
            return Referent.create(prenom="Alex", nom=nom, structure=structure, **fields)

        trained_one = referent("Durand", ccas)
        referent("Petit", ccas)
        referent("Roux", closed)
        referent("Blanc", epicerie, actif=False)
        mairie_referent = referent("Noir", mairie)
        trained_two = referent("Vert", cias, date_maj=LONG_AGO)
        referent("Gris", loose)
        training = Training.create(date="2026-10-01", theme="Repérer", half_days=2)
        Attendance.create(training=training, referent=trained_one)
        Attendance.create(training=training, referent=trained_two)
        Attendance.create(training=training, referent=mairie_referent, present=False)
        nord.resource_person = mairie_referent
        nord.save()
    return {t.name: t for t in Territory.select()}, {s.nom: s for s in Structure.select()}


def euros(text):
    return Decimal(text)


def seed_counts():
    """(territories, structures, scenarios) the seed files hold: what a first load adds."""
    return tuple(len(read_seed(f"{name}.json")) for name in ("territories", "structures", "scenarios"))


class QueryCounter(logging.Handler):
    """`with QueryCounter() as queries:` counts the SQL statements peewee sends
    in the block (`queries.count`): peewee logs each one on "peewee", at DEBUG."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.statements = []  # their SQL, in order
        self.logger = logging.getLogger("peewee")
        self.previous_level = None

    @property
    def count(self):
        return len(self.statements)

    def emit(self, record):
        if record.name == "peewee":  # the SQL; not the connection pool's messages (peewee.pool)
            self.statements.append(str(record.msg[0]) if isinstance(record.msg, tuple) else str(record.msg))

    def __enter__(self):
        self.previous_level = self.logger.level
        self.logger.addHandler(self)
        self.logger.setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc_info):
        self.logger.removeHandler(self)
        self.logger.setLevel(self.previous_level)


def grid_column(page, column):
    """The cells of one grid column (its field name), top to bottom, as shown."""
    return [unescape(cell) for cell in re.findall(
        rf'<td class="col-{column}">\s*(.*?)\s*</td>', page, re.DOTALL,
    )]


# --- imports (/admin/<kind>/import/) -------------------------------------------
def exported_table(sheet):
    """A grid export's header and data rows (under the title and filters lines, above a total)."""
    first, last = sheet.auto_filter.ref.split(":")
    first_row, last_row = int(first.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")), int(last.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    return [list(row) for row in sheet.iter_rows(min_row=first_row, max_row=last_row, values_only=True)]


def xlsx_bytes(rows):
    """A workbook whose first sheet holds `rows`, as the bytes of an .xlsx file."""
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ods_bytes(rows):
    """A LibreOffice Calc file (.ods) whose first sheet holds `rows`, written by odfpy:
    numbers, dates and booleans typed as LibreOffice types them, text as text."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="Feuille1")
    for row in rows:
        table_row = TableRow()
        for value in row:
            if value is None or value == "":
                cell = TableCell()
            elif isinstance(value, bool):
                cell = TableCell(valuetype="boolean", booleanvalue=str(value).lower())
            elif isinstance(value, (int, float)):
                cell = TableCell(valuetype="float", value=value)
            elif isinstance(value, datetime.date):
                cell = TableCell(valuetype="date", datevalue=value.isoformat())
            else:
                cell = TableCell(valuetype="string")
            if cell.getAttribute("valuetype"):
                cell.addElement(P(text=str(value)))
            table_row.addElement(cell)
        table.addElement(table_row)
    document.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def upload_import(browser, url, data, filename):
    """Upload a file to an import page: the preview."""
    return browser.post(url, {"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def confirm_import(browser, url, **kwargs):
    return browser.post(url + "confirmer/", {}, form_url=url, **kwargs)


# --- in a real browser (tests/browser) ---------------------------------------
def log_in(chrome, server, email="editor@test.fr"):
    chrome.get(f"{server}/admin/structure/")
    assert "/login" in chrome.current_url
    chrome.find_element(By.NAME, "email").send_keys(email)
    chrome.find_element(By.NAME, "password").send_keys(PASSWORD)
    chrome.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    # The click returns before the redirect has loaded: wait for the page it leads to.
    WebDriverWait(chrome, 10).until(expected_conditions.url_to_be(f"{server}/admin/structure/"))


def page_in(chrome):
    """The identity of the page shown: its root element, which a new page replaces."""
    return chrome.find_element(By.TAG_NAME, "html").id


def wait_for_new_page(chrome, old_page, seconds=15):
    """Until a page other than `old_page` is shown and loaded. Compares element ids
    rather than asking the old element whether it is stale: mid-navigation,
    ChromeDriver can answer that question with an inspector error instead."""
    WebDriverWait(chrome, seconds).until(
        lambda driver: page_in(driver) != old_page
        and driver.execute_script("return document.readyState") == "complete")


def save_and_wait(chrome):
    """Submit the form and wait for the next page's success message."""
    chrome.find_element(By.CSS_SELECTOR, "input[type=submit].btn-primary").click()
    WebDriverWait(chrome, 10).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".alert-success"))
    )
    return chrome.page_source


# --- PostgreSQL databases of their own (start-up and backup tests) -----------
def needed(message):
    """What a test needs is missing: under CI (CI set) the test fails, never skips;
    on a developer's machine it is skipped with `message`."""
    import pytest

    if os.environ.get("CI"):
        pytest.fail(f"Required under CI: {message}")
    pytest.skip(message)


def postgres_server_url():
    """MAILLAGE_TEST_POSTGRES_URL, the server where tests make their own databases."""
    url = os.environ.get("MAILLAGE_TEST_POSTGRES_URL")
    if not url:
        needed("MAILLAGE_TEST_POSTGRES_URL (a PostgreSQL server for the tests' own databases)")
    return url


# LibreOffice's setting that recomputes every formula of an XLSX when it opens it.
RECALCULATE_ON_LOAD = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def libreoffice_convert(path, to, tmp_path, recalculate=False, timeout=240):
    """LibreOffice (headless, a profile of its own) converts `path` to `to` ("pdf",
    "xlsx"), recomputing every formula first if asked; returns the new file."""
    import shutil
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        needed("LibreOffice (apt-get install libreoffice-calc-nogui)")
    profile = tmp_path / "lo-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    if recalculate:
        (profile / "user" / "registrymodifications.xcu").write_text(RECALCULATE_ON_LOAD)
    out = tmp_path / f"converted-{to}"
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", to,
         "--outdir", str(out), str(path)],
        check=True, capture_output=True, timeout=timeout,
    )
    return out / f"{path.stem}.{to}"


@contextmanager
def fresh_postgres_database(server_url):
    """A new, empty PostgreSQL database on the server of `server_url` (an URL whose
    role may CREATE DATABASE), dropped afterwards: yields its URL."""
    import psycopg2

    name = f"maillage_tmp_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(server_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


# --- a page's form, as a browser would submit it (fuzzing, load script) ------
class PostForms(HTMLParser):
    """The page's POST forms, each as name → [values] a browser would submit (text
    inputs, hidden fields, ticked boxes, selected options, text areas)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._form, self._select, self._textarea = None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._form = {"action": attrs.get("action") or "", "values": {}, "names": set()}
            self.forms.append(self._form)
        if self._form is None:
            return
        values, names, name = self._form["values"], self._form["names"], attrs.get("name")
        if tag == "input" and name:
            names.add(name)
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            values.setdefault(name, []).append(attrs.get("value") or ("y" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            names.add(name)
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            values.setdefault(self._select, []).append(attrs.get("value", ""))
        elif tag == "textarea" and name:
            names.add(name)
            self._textarea = name
            values[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self._form["values"][self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._form = None


class PageForm:
    def __init__(self, values, names):
        self.values, self.names = values, names


def form_of(response):
    """(A test client's response, or a page's HTML.) The page's main POST form: the one with the most fields (not the logout button)."""
    parser = PostForms()
    parser.feed(response if isinstance(response, str) else response.get_data(as_text=True))
    forms = [f for f in parser.forms if "logout" not in f["action"]]
    best = max(forms, key=lambda f: len(f["names"]), default={"values": {}, "names": set()})
    return PageForm(best["values"], best["names"])


def make_attendance_network():
    """For the attendance sheet: Vienne ⊃ RVC Poitiers ⊃ Bassin de Poitiers-Sud; Doubs
    beside. A training of the RVC Poitiers lists Ahmed Benali and Claire Martin (CCAS de
    Poitiers; Paul Ancien there is inactive) and Hélène Dupré (CIDFF, the bassin); not
    Jules Verne (CCAS de Châtellerault, the Vienne itself) nor Émile Zola (Doubs)."""
    vienne = make_territory("Vienne", kind="departement")
    poitiers = make_territory("RVC Poitiers", parent=vienne)
    sud = make_territory("Bassin de Poitiers-Sud", kind="bassin_de_vie", parent=poitiers)
    doubs = make_territory("Doubs", kind="departement")
    ccas = make_structure("CCAS de Poitiers", territory=poitiers, commune="Poitiers")
    cidff = make_structure("CIDFF de la Vienne", territory=sud, typologie="CIDFF", commune="Ligugé")
    chatellerault = make_structure("CCAS de Châtellerault", territory=vienne, commune="Châtellerault")
    besancon = make_structure("France Victimes 25", territory=doubs, typologie="FRANCE_VICTIMES",
                              commune="Besançon")
    people = {
        "claire": make_referent(ccas, "Martin", prenom="Claire"),
        "ahmed": make_referent(ccas, "Benali", prenom="Ahmed"),
        "inactive": make_referent(ccas, "Ancien", prenom="Paul", actif=False),
        "helene": make_referent(cidff, "Dupré", prenom="Hélène"),
        "jules": make_referent(chatellerault, "Verne", prenom="Jules"),
        "emile": make_referent(besancon, "Zola", prenom="Émile"),
    }
    with database.connection_context():
        training = Training.create(date=datetime.date(2027, 3, 9), theme="Repérer les violences",
                                   territory=poitiers)
    return {"vienne": vienne, "poitiers": poitiers, "sud": sud, "doubs": doubs,
            "training": training, **people}
