"""The structure picker of a référent·e's form, in a real Chromium under the CSP:
empty at first, says « Tapez pour chercher… », finds « Épicerie solidaire » from
« epicerie », and the référent·e is saved with it."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from models import Referent, database
from tests.helpers import log_in, make_structure, save_and_wait


def csp_violations(chrome):
    return [entry["message"] for entry in chrome.get_log("browser")
            if "Content Security Policy" in entry["message"] or "Content-Security-Policy" in entry["message"]]


def test_type_in_the_structure_picker_then_save(chrome, server):
    make_structure("ASKORIA")
    epicerie = make_structure("Épicerie solidaire", commune="Poitiers")
    make_structure("CCAS de Poitiers", commune="Poitiers")
    log_in(chrome, server)
    chrome.get_log("browser")  # start clean
    chrome.get(f"{server}/admin/referent/new/")
    chrome.find_element(By.ID, "prenom").send_keys("Inès")
    chrome.find_element(By.ID, "nom").send_keys("Lemoine")

    picker = chrome.find_element(By.CSS_SELECTOR, "#s2id_structure")
    assert picker.find_element(By.CSS_SELECTOR, ".select2-chosen").text == "Tapez pour chercher…"
    picker.find_element(By.CSS_SELECTOR, "a.select2-choice").click()
    search = WebDriverWait(chrome, 10).until(expected_conditions.visibility_of_element_located(
        (By.CSS_SELECTOR, "#select2-drop input.select2-input")))
    search.send_keys("xyzzy")
    no_match = WebDriverWait(chrome, 10).until(expected_conditions.visibility_of_element_located(
        (By.CSS_SELECTOR, "#select2-drop .select2-no-results")))
    assert no_match.text == "Aucun résultat"
    search.clear()
    search.send_keys("epicerie")
    WebDriverWait(chrome, 10).until(lambda driver: [
        item.text for item in driver.find_elements(By.CSS_SELECTOR, "#select2-drop .select2-result-selectable")
    ] == ["Épicerie solidaire (Poitiers)"])
    chrome.find_element(By.CSS_SELECTOR, "#select2-drop .select2-result-selectable").click()
    assert picker.find_element(By.CSS_SELECTOR, ".select2-chosen").text == "Épicerie solidaire (Poitiers)"

    page = save_and_wait(chrome)
    assert "Lemoine" in page
    with database.connection_context():
        assert [(r.nom, r.structure_id) for r in Referent.select()] == [("Lemoine", epicerie.id)]
    assert csp_violations(chrome) == []


def test_add_a_referent_on_the_structure_form(chrome, server):
    structure = make_structure("CCAS de Loudun")
    log_in(chrome, server)
    chrome.get_log("browser")
    chrome.get(f"{server}/admin/structure/edit/?id={structure.id}")
    chrome.find_element(By.CSS_SELECTOR, "#referents-button").click()
    WebDriverWait(chrome, 10).until(expected_conditions.visibility_of_element_located(
        (By.ID, "referents-0-prenom"))).send_keys("Inès")
    chrome.find_element(By.ID, "referents-0-nom").send_keys("Lemoine")
    chrome.find_element(By.ID, "referents-0-fonction").send_keys("Directrice")
    save_and_wait(chrome)
    with database.connection_context():
        assert [(r.prenom, r.nom, r.fonction, r.structure_id) for r in Referent.select()] == [
            ("Inès", "Lemoine", "Directrice", structure.id)]
    assert csp_violations(chrome) == []
