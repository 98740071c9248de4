"""A real Chromium drives a real server: login, forms with their scripts, inline rows."""
import re
from html import unescape

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from models import CostLine, Scenario, Structure, database
from tests.helpers import log_in, make_scenario, save_and_wait


def test_create_a_structure_in_the_browser(chrome, server):
    log_in(chrome, server)
    chrome.get(f"{server}/admin/structure/new/")
    chrome.find_element(By.ID, "nom").send_keys("CIDFF de la Vienne")
    Select(chrome.find_element(By.ID, "typologie")).select_by_value("CIDFF")
    chrome.find_element(By.ID, "telephone").send_keys("05 49 88 00 00")
    chrome.find_element(By.ID, "siret").send_keys("356 000 000 00048")
    page = save_and_wait(chrome)
    assert "CIDFF de la Vienne" in page and "05 49 88 00 00" in page
    with database.connection_context():
        assert Structure.get(Structure.nom == "CIDFF de la Vienne").telephone == "+33549880000"


def test_add_a_cost_line_with_the_inline_button(chrome, server):
    scenario = make_scenario("Essai navigateur")
    log_in(chrome, server)
    chrome.get(f"{server}/admin/scenario/edit/?id={scenario.id}")
    chrome.find_element(By.CSS_SELECTOR, "#cost_lines-button").click()
    Select(chrome.find_element(By.ID, "cost_lines-0-category")).select_by_value("Personnel")
    chrome.find_element(By.ID, "cost_lines-0-designation").send_keys("Coordinateur·trice")
    chrome.find_element(By.ID, "cost_lines-0-quantity").send_keys("1")
    Select(chrome.find_element(By.ID, "cost_lines-0-unit")).select_by_value("ETP")
    chrome.find_element(By.ID, "cost_lines-0-unit_cost").send_keys("36 000,00")
    # Chromium's page source writes U+00A0 as &nbsp;
    assert "36\u202f000,00\xa0€" in unescape(save_and_wait(chrome))
    with database.connection_context():
        line = CostLine.get(CostLine.scenario == Scenario.get(Scenario.name == "Essai navigateur"))
    assert str(line.amount) == "36000.00"


def test_log_out_from_the_menu(chrome, server):
    log_in(chrome, server)
    chrome.find_element(By.XPATH, "//nav//button[contains(., 'Se déconnecter')]").click()
    WebDriverWait(chrome, 10).until(expected_conditions.url_to_be(f"{server}/login"))
    assert "Vous êtes déconnecté·e." in chrome.page_source
    chrome.get(f"{server}/admin/")
    assert "/login" in chrome.current_url


def test_date_picker_and_select_lists_speak_french(chrome, server):
    log_in(chrome, server)
    chrome.get(f"{server}/admin/training/new/")
    date = chrome.find_element(By.ID, "date")
    assert date.get_attribute("placeholder") == "jj/mm/aaaa"
    date.click()
    picker = WebDriverWait(chrome, 10).until(
        expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, ".daterangepicker"))
    )
    days = [cell.text for cell in picker.find_elements(By.CSS_SELECTOR, "thead tr:last-child th")
            if cell.is_displayed()]
    assert days[-7:] == ["lu", "ma", "me", "je", "ve", "sa", "di"]  # the week starts on Monday
    months = [option.get_attribute("textContent")
              for option in picker.find_elements(By.CSS_SELECTOR, "select.monthselect option")]
    assert months[0] == "janv." and months[-1] == "déc."
    picker.find_element(By.CSS_SELECTOR, "td.available:not(.off)").click()
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", date.get_attribute("value"))

    chrome.get(f"{server}/admin/structure/new/")
    search = chrome.find_element(By.CSS_SELECTOR, "#s2id_thematiques input")
    search.click()
    search.send_keys("zzzz")
    no_match = WebDriverWait(chrome, 10).until(expected_conditions.visibility_of_element_located(
        (By.CSS_SELECTOR, "#select2-drop .select2-no-results")  # the open list
    ))
    assert no_match.text == "Aucun résultat"


def test_a_date_filter_picks_a_french_period(chrome, server):
    log_in(chrome, server)
    chrome.get(f"{server}/admin/training/")
    chrome.find_element(By.XPATH, "//a[contains(., 'Ajouter un filtre')]").click()
    chrome.find_element(By.XPATH, "//a[contains(@class, 'filter') and normalize-space(.)='Date']").click()
    # The operation list is drawn by select2 over a hidden <select>: choose « du … au » as it does.
    chrome.execute_script(
        "var select = $('select.filter-op');"
        "select.val(select.find('option').filter(function () { return $(this).text() === 'du … au'; }).val())"
        ".trigger('change');"
    )
    chrome.find_element(By.CSS_SELECTOR, "input.filter-val").click()
    picker = WebDriverWait(chrome, 10).until(lambda driver: next(  # the open one, among earlier pickers
        (p for p in driver.find_elements(By.CSS_SELECTOR, ".daterangepicker") if p.is_displayed()), None
    ))
    assert picker.find_element(By.CSS_SELECTOR, ".applyBtn").text == "Appliquer"
    picker.find_element(By.CSS_SELECTOR, ".applyBtn").click()
    value = chrome.find_element(By.CSS_SELECTOR, "input.filter-val").get_attribute("value")
    assert re.fullmatch(r"\d\d/\d\d/\d{4} au \d\d/\d\d/\d{4}", value), value
