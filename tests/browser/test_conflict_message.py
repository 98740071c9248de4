"""The refusal of a stale save, as a user sees it in Chromium: the message at the top
of the form, what the other person changed, the user's input still typed in, and
« Recharger la fiche » that shows the record as it is now."""
import os

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from models import CostLine, Scenario, database
from models.formatting import format_euros
from tests.helpers import log_in, make_scenario, page_in, save_and_wait, wait_for_new_page
from tests.web.test_no_lost_update import assert_saved, line_index, open_form, post_form


def test_a_stale_save_shows_what_changed_and_keeps_the_input(chrome, server, as_role, tmp_path):
    scenario = make_scenario("Coordination 2027")
    with database.connection_context():
        CostLine.create(scenario=scenario, category="Locaux", designation="Loyer", amount=6000)
    url = f"/admin/scenario/edit/?id={scenario.id}"
    log_in(chrome, server)
    chrome.get(server + url)  # Bob opens the form…

    alice = as_role("editor")  # …Alice saves hers first.
    form = open_form(alice, url)
    assert_saved(alice, post_form(alice, url, form, description="Présenté au COPIL du 12 mars", **{
        f"cost_lines-{line_index(form, 'Loyer')}-amount": "6 500"}))

    designation = chrome.find_element(By.ID, "cost_lines-0-designation")
    designation.clear()
    designation.send_keys("Loyer et charges")
    chrome.find_element(By.CSS_SELECTOR, "input[type=submit].btn-primary").click()
    alert = WebDriverWait(chrome, 10).until(
        expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, ".alert-danger")))
    screenshot = os.environ.get("MAILLAGE_SCREENSHOT_DIR") or str(tmp_path)
    chrome.save_screenshot(os.path.join(screenshot, "conflict-message.png"))

    text = alert.text.replace("\u202f", " ")  # Selenium gives no-break spaces as spaces
    assert text.startswith("×\nEnregistrement refusé : cette fiche a été modifiée par quelqu'un d'autre")
    assert "Description : « Présenté au COPIL du 12 mars »" in text
    assert "Ligne budgétaire « Loyer » : modifiée" in text
    assert f"Montant annuel : « {format_euros(6500)} »".replace("\u202f", " ").replace("\u00a0", " ") in text
    assert alert.size["width"] > 600 and alert.location["y"] < 400  # across the page, at its top
    assert chrome.find_element(By.ID, "cost_lines-0-designation").get_attribute("value") == "Loyer et charges"

    old = page_in(chrome)
    alert.find_element(By.LINK_TEXT, "Recharger la fiche").click()
    wait_for_new_page(chrome, old)
    assert chrome.find_element(By.ID, "description").get_attribute("value") == "Présenté au COPIL du 12 mars"
    assert not chrome.find_elements(By.CSS_SELECTOR, ".alert-danger")
    designation = chrome.find_element(By.ID, "cost_lines-0-designation")
    designation.clear()
    designation.send_keys("Loyer et charges")
    save_and_wait(chrome)
    with database.connection_context():
        line = CostLine.get(CostLine.scenario == scenario.id)
        assert (line.designation, line.amount) == ("Loyer et charges", 6500)
        assert Scenario.get_by_id(scenario.id).description == "Présenté au COPIL du 12 mars"
