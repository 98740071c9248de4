"""The panel works under its Content-Security-Policy (no inline script without the
response's nonce): filters, date picker, select2, inline lines, row and list actions,
the logout menu; and the browser reports no violation on the way."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from models import Structure, database
from tests.helpers import log_in, make_scenario, make_structure


def csp_violations(chrome):
    """The browser console's Content-Security-Policy reports since the last call."""
    return [entry["message"] for entry in chrome.get_log("browser")
            if "Content Security Policy" in entry["message"] or "Content-Security-Policy" in entry["message"]]


def wait_visible(chrome, css):
    return WebDriverWait(chrome, 10).until(
        expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, css)))


def dismiss_confirm(chrome):
    alert = WebDriverWait(chrome, 10).until(expected_conditions.alert_is_present())
    text = alert.text
    alert.dismiss()
    return text


def test_the_panel_works_under_its_policy_without_violations(chrome, server):
    make_structure("CCAS de Poitiers")
    scenario = make_scenario("Essai CSP")
    log_in(chrome, server, email="admin@test.fr")
    chrome.get_log("browser")  # start clean
    visited = []

    # A grid: add a filter from the menu, then a date filter's picker.
    chrome.get(f"{server}/admin/training/")
    chrome.find_element(By.XPATH, "//a[contains(., 'Ajouter un filtre')]").click()
    chrome.find_element(By.XPATH, "//a[contains(@class, 'filter') and normalize-space(.)='Date']").click()
    chrome.find_element(By.CSS_SELECTOR, "input.filter-val").click()
    WebDriverWait(chrome, 10).until(lambda driver: any(
        p.is_displayed() for p in driver.find_elements(By.CSS_SELECTOR, ".daterangepicker")))
    assert chrome.current_url.endswith("/admin/training/")  # the menu's links went nowhere
    visited.append("filtre et calendrier")

    # A row's delete button asks first; dismissed, nothing is deleted.
    chrome.get(f"{server}/admin/structure/")
    chrome.find_element(By.CSS_SELECTOR, "form.icon button").click()
    assert dismiss_confirm(chrome) == "Supprimer cette fiche ?"
    # A list action: select the row, choose « Supprimer » in the menu, dismiss its confirmation.
    chrome.find_element(By.CSS_SELECTOR, "input.action-checkbox").click()
    chrome.find_element(By.XPATH, "//a[contains(@class, 'dropdown-toggle') and contains(., 'sélection')]").click()
    chrome.find_element(By.XPATH, "//a[contains(@class, 'dropdown-item') and normalize-space(.)='Supprimer']").click()
    assert "Supprimer" in dismiss_confirm(chrome)
    with database.connection_context():
        assert Structure.select().count() == 1
    visited.append("suppression et actions de liste")

    # select2 on a form.
    chrome.get(f"{server}/admin/structure/new/")
    chrome.find_element(By.CSS_SELECTOR, "#s2id_thematiques input").click()
    wait_visible(chrome, "#select2-drop")
    visited.append("select2")

    # « Ajouter une ligne » under the inline lines.
    chrome.get(f"{server}/admin/scenario/edit/?id={scenario.id}")
    chrome.find_element(By.CSS_SELECTOR, "#cost_lines-button").click()
    wait_visible(chrome, "#cost_lines-0-designation")
    visited.append("lignes en ligne")

    # « Mon compte », then the logout menu.
    chrome.get(f"{server}/admin/compte/")
    assert "Changer mon mot de passe" in chrome.page_source
    chrome.find_element(By.XPATH, "//nav//button[contains(., 'Se déconnecter')]").click()
    WebDriverWait(chrome, 10).until(expected_conditions.url_to_be(f"{server}/login"))
    visited.append("déconnexion")

    violations = csp_violations(chrome)
    assert violations == [], visited


def test_an_inline_script_without_the_nonce_is_refused(chrome, server):
    """The policy is really enforced: a script injected without the nonce does not run."""
    log_in(chrome, server)
    chrome.get_log("browser")
    chrome.execute_script(
        "var s = document.createElement('script'); s.textContent = 'window.injected = true;';"
        "document.body.appendChild(s);")
    assert chrome.execute_script("return window.injected === true") is False
    assert csp_violations(chrome)


def test_the_printable_directory_prints_without_inline_script(chrome, server):
    make_structure("CCAS de Poitiers", telephone="05 49 00 00 00")
    log_in(chrome, server)
    chrome.get_log("browser")
    chrome.get(f"{server}/admin/exports/annuaire-court/")
    chrome.execute_script("window.print = function () { window.printed = true; };")
    chrome.find_element(By.CSS_SELECTOR, "button[data-print]").click()
    assert chrome.execute_script("return window.printed === true")
    assert chrome.find_element(By.CSS_SELECTOR, "thead th").value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"  # the stylesheet applied
    assert csp_violations(chrome) == []
