"""An action on every row matching the grid's search and filters, in Chromium under the
Content-Security-Policy: the grid's menu, the confirmation page with its count and its
searchable territory list, the run, the message back on the same filtered grid."""
import datetime
import os

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from models import Structure, database
from tests.helpers import log_in, make_structure, make_territory

OLD = datetime.date(2024, 3, 1)


def csp_violations(chrome):
    return [entry["message"] for entry in chrome.get_log("browser")
            if "Content Security Policy" in entry["message"] or "Content-Security-Policy" in entry["message"]]


def screenshot(chrome, name):
    """Saved for a look when MAILLAGE_SCREENSHOTS names a folder."""
    if os.environ.get("MAILLAGE_SCREENSHOTS"):
        chrome.save_screenshot(os.path.join(os.environ["MAILLAGE_SCREENSHOTS"], name))


def open_menu_and_choose(chrome, label):
    chrome.find_element(By.XPATH, "//a[contains(@class, 'dropdown-toggle') and contains(., 'sélection')]").click()
    WebDriverWait(chrome, 10).until(expected_conditions.visibility_of_element_located(
        (By.ID, "bulk-all-heading")))
    screenshot(chrome, "bulk-menu.png")
    chrome.find_element(By.XPATH, f"//a[contains(@class, 'bulk-all') and normalize-space(.)='{label}…']").click()
    WebDriverWait(chrome, 10).until(expected_conditions.presence_of_element_located((By.ID, "bulk-count")))


def test_all_matching_then_confirm_works_under_the_policy(chrome, server):
    vienne = make_territory("Vienne", kind="departement")
    loudun = make_territory("RVC Loudun")
    make_territory("RVC Civray")
    matching = {make_structure(f"CCAS Vienne {n:02}", territory=vienne, date_maj=OLD).id for n in range(25)}
    others = {make_structure(f"CCAS Loudun {n:02}", territory=loudun, date_maj=OLD).id for n in range(5)}
    log_in(chrome, server)
    chrome.set_window_size(1366, 768)
    chrome.get_log("browser")  # start clean

    # The grid searched for « vienne », 20 a page: 25 rows on two pages.
    chrome.get(f"{server}/admin/structure/?search=vienne&page_size=20")
    assert len(chrome.find_elements(By.CSS_SELECTOR, "input.action-checkbox")) == 20
    open_menu_and_choose(chrome, "Affecter à un territoire")
    # (Selenium gives the no-break space before « ? » as a space.)
    assert chrome.find_element(By.ID, "bulk-count").text == "Cette action va modifier 25 structures. Confirmer ?"
    # The territory list is searchable (select2): type, pick.
    chrome.find_element(By.CSS_SELECTOR, ".select2-container a, .select2-container .select2-choice").click()
    search = WebDriverWait(chrome, 10).until(expected_conditions.visibility_of_element_located(
        (By.CSS_SELECTOR, "#select2-drop input.select2-input")))
    search.send_keys("civ")
    search.send_keys(Keys.ENTER)
    screenshot(chrome, "bulk-confirmation.png")
    chrome.find_element(By.CSS_SELECTOR, "form button[type=submit].btn-primary").click()
    message = WebDriverWait(chrome, 10).until(expected_conditions.visibility_of_element_located(
        (By.CSS_SELECTOR, ".alert-success"))).text
    assert "25 structures affectées au territoire « RVC Civray »." in message
    assert "search=vienne" in chrome.current_url  # back on the same grid

    with database.connection_context():
        assert {s.id for s in Structure.select().where(Structure.territory_id != vienne.id)
                if s.territory_id != loudun.id} == matching
        assert {s.id for s in Structure.select().where(Structure.territory == loudun)} == others
    assert csp_violations(chrome) == []
