"""The budget planner's journey in Chromium: duplicate a scenario from the grid, make a
variant (+0,5 ETP d'accueil) through its preview, compare the two and download the
comparison workbook, read back with openpyxl. Screenshots and axe-core at each step."""
from decimal import Decimal

import openpyxl
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select

from models import CostLine, Scenario, database
from tests.browser.journeys.steps import (
    alerts, click_and_wait_for_new_page, log_in_as, log_out, page_errors, retype, submit, wait,
)
from tests.helpers import make_scenario, page_in, wait_for_new_page

NAME = "Scénario 2 — coordination des acteurs locaux"
VARIANT = "Scénario 2 — accueil renforcé"


def make_budget():
    scenario = make_scenario(NAME)
    with database.connection_context():
        for category, designation, quantity, unit, unit_cost in (
            ("Personnel", "Coordinateur·trice", "1", "ETP", "36000"),
            ("Personnel", "Accueillant·e psychosocial·e", "1", "ETP", "26400"),
            ("Locaux", "Local/appartement 90–100 m² + charges locatives", "1", "forfait", "6000"),
        ):
            CostLine.create(scenario=scenario, category=category, designation=designation,
                            quantity=Decimal(quantity), unit=unit, unit_cost=Decimal(unit_cost))
    return scenario


def tick_row(chrome, name):
    """Tick the grid row of the scenario of this name."""
    chrome.find_element(By.XPATH, f"//tr[td[normalize-space(.)='{name}' or .//a[normalize-space(.)='{name}']]]"
                                  "//input[@class='action-checkbox']").click()


def run_list_action(chrome, label):
    """« Avec la sélection » › the action whose label starts with `label`."""
    chrome.find_element(By.XPATH, "//a[contains(@class, 'dropdown-toggle') and contains(., 'sélection')]").click()
    old = page_in(chrome)
    chrome.find_element(By.XPATH, f"//a[contains(@class, 'dropdown-item') and starts-with(normalize-space(.), '{label}')]").click()
    return old


def test_duplicate_variant_compare_and_download(chrome, server, journey, downloads):
    make_budget()
    log_in_as(chrome, server, "editor@test.fr")
    chrome.get(f"{server}/admin/scenario/")
    journey.step("grille-scenarios", both_sizes=True)

    # Dupliquer: a confirmation, then a copy with every line.
    tick_row(chrome, NAME)
    old = run_list_action(chrome, "Dupliquer")
    wait(chrome, expected_conditions.alert_is_present()).accept()
    wait_for_new_page(chrome, old)
    assert any("Copie(s) créée(s)" in text for text in alerts(chrome, "success")), page_errors(chrome)
    with database.connection_context():
        copy = Scenario.get(Scenario.name == f"{NAME} (copie)")
        assert copy.cost_lines.count() == 3
    journey.step("scenario-duplique")

    # Créer une variante of the original: +0,5 ETP on the accueillant·e's line, preview, save.
    tick_row(chrome, NAME)
    old = run_list_action(chrome, "Créer une variante")
    wait_for_new_page(chrome, old)
    assert "/admin/scenario/variant/" in chrome.current_url
    journey.step("variante-formulaire", both_sizes=True)
    retype(chrome.find_element(By.ID, "name"), VARIANT)
    Select(chrome.find_element(By.ID, "line")).select_by_visible_text("Accueillant·e psychosocial·e (1 ETP)")
    retype(chrome.find_element(By.ID, "etp"), "1,5")
    submit(chrome, "button[name=preview]")
    assert "Aperçu de « " + VARIANT + " »" in chrome.page_source, page_errors(chrome)
    journey.step("variante-apercu", both_sizes=True)
    submit(chrome, "button[name=confirm]")
    assert any("Variante « " + VARIANT + " » enregistrée" in text for text in alerts(chrome, "success"))
    journey.step("variante-enregistree")
    with database.connection_context():
        variant = Scenario.get(Scenario.name == VARIANT)
        line = variant.cost_lines.where(CostLine.designation == "Accueillant·e psychosocial·e").get()
        assert line.quantity == Decimal("1.5") and line.amount == Decimal("39600.00")

    # Comparer the original and its variant, then « Exporter le classeur (XLSX) ».
    chrome.get(f"{server}/admin/scenario/")
    for name in (NAME, VARIANT):
        tick_row(chrome, name)
    old = run_list_action(chrome, "Comparer")
    wait_for_new_page(chrome, old)
    assert "/admin/scenario/compare/" in chrome.current_url, page_errors(chrome)
    journey.step("comparaison", both_sizes=True)
    page = chrome.find_element(By.TAG_NAME, "main" if chrome.find_elements(By.TAG_NAME, "main") else "body").text
    assert NAME in page and VARIANT in page

    before = {path.name for path in downloads.iterdir()}
    chrome.find_element(By.XPATH, "//a[contains(., 'Exporter le classeur')]").click()
    path = journey.download(downloads, r"^comparaison-scenarios.*\.xlsx$", before)
    workbook = openpyxl.load_workbook(path)
    texts = {str(cell) for sheet in workbook.worksheets
             for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None}
    assert NAME in texts and VARIANT in texts, sorted(texts)[:50]
    assert len(workbook.sheetnames) >= 3, workbook.sheetnames  # the comparison + one per scenario
    log_out(chrome, server)
