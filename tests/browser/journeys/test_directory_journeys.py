"""Journeys through the directory, as a CCAS employee does them in Chromium: log in,
create a structure (a bad SIRET refused in French, then a good one, opening hours typed
in French), add two référent·e·s from its page, find accented names typed without
accents, filter and export a grid and compare the workbook with the screen; as a
viewer, no edit button and a French refusal; log out. Each step: screenshots and an
axe-core report under tests/browser/artifacts/ (conftest.Journey)."""
import re

import openpyxl
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from models import Referent, Structure, database
from tests.browser.journeys.steps import (
    alerts, click_and_wait_for_new_page, grid_cells, log_in_as, log_out, page_errors, present, retype,
    search_grid, submit,
)
from tests.helpers import make_referent, make_structure, make_territory

BAD_SIRET, GOOD_SIRET = "356 000 000 00049", "356 000 000 00048"
FRENCH_HOURS = "du lundi au vendredi 9h-12h et 14h-17h"
OSM_HOURS = "Mo-Fr 09:00-12:00,14:00-17:00"
NNBSP = "\u202f"
FRENCH_READING = f"lun.–ven. 9{NNBSP}h–12{NNBSP}h, 14{NNBSP}h–17{NNBSP}h"


def fill_opening_hours(chrome):
    """Through the French editor on the field (rows of days × time ranges, FORMS' work on
    issue 10) when the page draws it, else the French phrasing typed in the field itself.
    Returns (the OpenStreetMap value expected in the database, its French reading)."""
    rows = chrome.find_elements(By.CSS_SELECTOR, ".hours-editor .hours-row")
    if not rows:
        retype(chrome.find_element(By.ID, "horaires_accueil"), FRENCH_HOURS)
        return OSM_HOURS, FRENCH_READING
    for day in range(5):  # lun. … ven., ticked by their labels
        box = rows[0].find_element(By.CSS_SELECTOR, f"input.hours-day[value='{day}']")
        if not box.is_selected():
            rows[0].find_element(By.CSS_SELECTOR, f"label[for='{box.get_attribute('id')}']").click()
    times = rows[0].find_elements(By.CSS_SELECTOR, "input.hours-time")
    for field, typed in zip(times, ("9", "12", "14 h", "17h")):
        field.send_keys(typed)
    chrome.find_element(By.CSS_SELECTOR, "label[for='horaires_accueil-holidays_closed']").click()
    written = chrome.find_element(By.ID, "horaires_accueil").get_attribute("value")
    assert written == f"{OSM_HOURS}; PH off", written
    return f"{OSM_HOURS}; PH off", f"{FRENCH_READING}{NNBSP}; fermé les jours fériés"


def test_editor_creates_a_structure_and_its_two_referents(chrome, server, journey):
    make_territory("RVC Poitiers")
    chrome.get(f"{server}/login")
    journey.step("connexion")
    log_in_as(chrome, server, "editor@test.fr")
    journey.step("tableau-de-bord")

    # The grid, then « Créer » : the form.
    chrome.get(f"{server}/admin/structure/")
    journey.step("grille-structures", both_sizes=True)
    click_and_wait_for_new_page(chrome, chrome.find_element(By.CSS_SELECTOR, "a[href*='/admin/structure/new/']"))
    journey.step("formulaire-structure", both_sizes=True)
    chrome.find_element(By.ID, "nom").send_keys("Centre social Élodie-Marchand")
    Select(chrome.find_element(By.ID, "typologie")).select_by_value("CS" if chrome.find_elements(
        By.CSS_SELECTOR, "#typologie option[value='CS']") else "ASSO")
    chrome.find_element(By.ID, "commune").send_keys("Poitiers")
    chrome.find_element(By.ID, "telephone").send_keys("05 49 88 96 72")
    chrome.find_element(By.ID, "siret").send_keys(BAD_SIRET)
    hours, hours_in_french = fill_opening_hours(chrome)
    submit(chrome)
    # Refused in French, nothing saved, what was typed kept.
    assert "Ce SIRET n'est pas valide (clé de contrôle incorrecte)." in chrome.page_source
    with database.connection_context():
        assert Structure.select().count() == 0
    assert chrome.find_element(By.ID, "nom").get_attribute("value") == "Centre social Élodie-Marchand"
    journey.step("siret-refuse", both_sizes=True)

    retype(chrome.find_element(By.ID, "siret"), GOOD_SIRET)
    submit(chrome)
    assert alerts(chrome, "success"), page_errors(chrome)
    with database.connection_context():
        structure = Structure.get(Structure.nom == "Centre social Élodie-Marchand")
    assert structure.siret == GOOD_SIRET.replace(" ", "")
    assert structure.horaires_accueil == hours
    journey.step("structure-enregistree")

    # Its page reads the hours in French, and adds référent·e·s.
    chrome.get(f"{server}/admin/structure/details/?id={structure.id}")
    page = chrome.find_element(By.TAG_NAME, "body").text
    assert hours_in_french in page, page
    journey.step("fiche-structure", both_sizes=True)
    for first, last in (("Inès", "Lemoine"), ("Karim", "Haddad")):
        click_and_wait_for_new_page(chrome, chrome.find_element(
            By.XPATH, "//a[normalize-space(.)='Ajouter un·e référent·e']"))
        # The structure is already chosen; saving goes back to the structure's page.
        assert "Centre social Élodie-Marchand" in chrome.find_element(By.CSS_SELECTOR, "#s2id_structure").text
        if first == "Inès":
            journey.step("formulaire-referent", both_sizes=True)
        chrome.find_element(By.ID, "prenom").send_keys(first)
        chrome.find_element(By.ID, "nom").send_keys(last)
        submit(chrome)
        assert alerts(chrome, "success"), page_errors(chrome)
        assert f"/admin/structure/details/?id={structure.id}" in chrome.current_url
    section = chrome.find_element(By.CSS_SELECTOR, "table.linked-referents").text
    assert "Inès Lemoine" in section and "Karim Haddad" in section, section
    with database.connection_context():
        assert sorted(r.nom for r in Referent.select().where(Referent.structure == structure.id)) == [
            "Haddad", "Lemoine"]
    journey.step("fiche-structure-deux-referents")
    log_out(chrome, server)
    journey.step("deconnexion")


def make_directory():
    """Accented names in two territories: what the searches and the filter look for."""
    chatellerault = make_territory("RVC Châtellerault")
    poitiers = make_territory("RVC Poitiers")
    epicerie = make_structure("Épicerie solidaire", typologie="ASSO", commune="Poitiers", territory=poitiers)
    commissariat = make_structure("Commissariat de police de Châtellerault", typologie="POLICE",
                                  commune="Châtellerault", territory=chatellerault)
    ccas = make_structure("CCAS de Poitiers", typologie="CCAS", commune="Poitiers", territory=poitiers,
                          telephone="05 49 00 00 00")
    make_structure("CCAS de Châtellerault", typologie="CCAS", commune="Châtellerault",
                   territory=chatellerault, telephone="05 49 88 96 72")
    make_referent(epicerie, "Durand", prenom="Élodie")
    make_referent(ccas, "Lefèvre", prenom="Hélène")
    make_referent(commissariat, "Martin", prenom="Claire")


def test_search_without_accents_finds_accented_names(chrome, server, journey):
    make_directory()
    log_in_as(chrome, server, "editor@test.fr")
    # Accents and capitals typed or not, the same people and places are found.
    chrome.get(f"{server}/admin/referent/")
    search_grid(chrome, "elodie")
    journey.step("recherche-elodie", both_sizes=True)
    assert grid_cells(chrome, "prenom") == ["Élodie"], grid_cells(chrome, "prenom")
    chrome.get(f"{server}/admin/structure/")
    search_grid(chrome, "epicerie")
    assert grid_cells(chrome, "nom") == ["Épicerie solidaire"]
    search_grid(chrome, "chatellerault")
    assert sorted(grid_cells(chrome, "nom")) == ["CCAS de Châtellerault", "Commissariat de police de Châtellerault"]
    journey.step("recherche-chatellerault")


def test_filter_and_export_a_grid(chrome, server, journey, downloads):
    make_directory()
    log_in_as(chrome, server, "editor@test.fr")
    # A filter chosen from the menu (« Typologie » = CCAS), then « Exporter ».
    chrome.get(f"{server}/admin/structure/")
    chrome.find_element(By.XPATH, "//a[contains(., 'Ajouter un filtre')]").click()
    chrome.find_element(By.XPATH, "//a[contains(@class, 'filter') and normalize-space(.)='Typologie']").click()
    value = present(chrome, "select.filter-val, input.filter-val")
    if value.tag_name == "select":  # drawn by select2 over the list: choose as it does
        chrome.execute_script(
            "var select = $(arguments[0]); select.val(select.find('option').filter(function () {"
            " return this.value === 'CCAS'; }).val()).trigger('change');", value)
    else:
        value.send_keys("CCAS")
    submit(chrome, "#filter_form button[type=submit]")
    shown = grid_cells(chrome, "nom")
    assert shown == ["CCAS de Châtellerault", "CCAS de Poitiers"], shown
    journey.step("grille-filtree", both_sizes=True)

    before = {path.name for path in downloads.iterdir()}
    chrome.find_element(By.XPATH, "//a[contains(@href, '/export/xlsx/')]").click()
    path = journey.download(downloads, r"^structures.*\.xlsx$", before)
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    top = next(number for number, row in enumerate(rows) if "Nom" in row)  # under any title lines
    header, lines = list(rows[top]), [row for row in rows[top + 1:] if row[rows[top].index("Nom")]]
    name, telephone = header.index("Nom"), header.index("Téléphone")
    assert [row[name] for row in lines] == shown  # the same rows, in the same order, as the screen
    on_screen = dict(zip(grid_cells(chrome, "nom"), grid_cells(chrome, "telephone")))
    assert {row[name]: row[telephone] or "" for row in lines} == on_screen


def test_a_viewer_reads_but_cannot_create(chrome, server, journey):
    structure = make_structure("CCAS de Poitiers", commune="Poitiers")
    log_in_as(chrome, server, "viewer@test.fr")
    chrome.get(f"{server}/admin/structure/")
    journey.step("lecteur-grille")
    assert chrome.find_elements(By.CSS_SELECTOR, "a[href*='/edit/']") == []
    assert chrome.find_elements(By.CSS_SELECTOR, "a[href*='/new/']") == []
    chrome.get(f"{server}/admin/structure/details/?id={structure.id}")
    assert chrome.find_elements(By.CSS_SELECTOR, "a[href*='/edit/']") == []
    assert "Ajouter un·e référent·e" not in chrome.page_source
    journey.step("lecteur-fiche")

    chrome.get(f"{server}/admin/structure/new/")
    refusal = " ".join(alerts(chrome, "danger"))
    assert re.search(r"pas le droit de créer une fiche|pas de les créer", refusal), refusal
    assert "/new/" not in chrome.current_url
    journey.step("lecteur-creation-refusee")
    with database.connection_context():
        assert Structure.select().count() == 1
    log_out(chrome, server)
