"""The attendance sheet in a real Chromium: 8 attendees recorded in 10 clicks (open the
sheet, tick 8, save), re-opened with the 8 ticks; someone from outside the territory
added through the search; the page at 1366×768 without horizontal scrolling."""
import os

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from models import Attendance, database
from tests.helpers import log_in, make_attendance_network, make_referent, make_structure


def ticked(chrome):
    return [box.get_attribute("value") for box in
            chrome.find_elements(By.CSS_SELECTOR, "input.sheet-present:checked")]


def test_eight_attendees_in_ten_clicks_then_reopened(chrome, server, tmp_path):
    network = make_attendance_network()
    more = make_structure("Maison départementale des solidarités", typologie="MDS",
                          territory=network["poitiers"], commune="Poitiers")
    for number in range(7):
        make_referent(more, f"Agent{number}", prenom="Camille", fonction="Travailleur·se social·e")
    chrome.set_window_size(1366, 768)
    log_in(chrome, server)
    clicks = 0

    # The training's grid row links to the sheet: that click opens it.
    chrome.get(f"{server}/admin/training/")
    chrome.find_element(By.CSS_SELECTOR, "a[title='Saisir les présences']").click()
    clicks += 1
    WebDriverWait(chrome, 10).until(expected_conditions.presence_of_element_located((By.ID, "attendance-sheet")))
    assert "/admin/training/presences/" in chrome.current_url
    labels = chrome.find_elements(By.CSS_SELECTOR, "label.sheet-name")
    assert len(labels) == 10  # 2 + 1 + 7 in the territory and its bassin
    for label in labels[:8]:
        label.click()  # the name is the tick box's label: a wide target
        clicks += 1
    assert len(ticked(chrome)) == 8
    assert chrome.find_element(By.ID, "sheet-total").text.startswith("8 présent·e·s coché·e·s sur 10")
    screenshots = os.environ.get("MAILLAGE_SCREENSHOT_DIR") or str(tmp_path)
    chrome.save_screenshot(os.path.join(screenshots, "attendance-sheet.png"))
    assert chrome.execute_script("return document.documentElement.scrollWidth") <= 1366

    chrome.find_element(By.CSS_SELECTOR, ".sheet-toolbar button[type=submit]").click()
    clicks += 1
    WebDriverWait(chrome, 10).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".alert-success")))
    assert clicks == 10
    with database.connection_context():
        assert Attendance.select().where(Attendance.present == True).count() == 8  # noqa: E712

    chrome.get(chrome.current_url)  # re-opened
    assert len(ticked(chrome)) == 8


def test_filter_tick_all_and_someone_from_elsewhere(chrome, server):
    network = make_attendance_network()
    log_in(chrome, server)
    chrome.get(f"{server}/admin/training/presences/?id={network['training'].id}")
    chrome.find_element(By.ID, "sheet-filter").send_keys("helene")
    visible = [row for row in chrome.find_elements(By.CSS_SELECTOR, "tr.sheet-row") if row.is_displayed()]
    assert [row.find_element(By.CSS_SELECTOR, "label.sheet-name").text for row in visible] == ["Hélène Dupré"]
    chrome.find_element(By.ID, "sheet-filter").send_keys(Keys.BACKSPACE * 6)
    chrome.find_element(By.CSS_SELECTOR, "button[data-tick='all']").click()
    assert len(ticked(chrome)) == 3

    search = chrome.find_element(By.ID, "sheet-add-input")
    search.send_keys("zola")
    answer = WebDriverWait(chrome, 10).until(expected_conditions.element_to_be_clickable(
        (By.CSS_SELECTOR, "#sheet-add-results button")))
    assert "Émile Zola — France Victimes 25 (Besançon)" in answer.text
    answer.click()
    assert len(ticked(chrome)) == 4
    chrome.find_element(By.CSS_SELECTOR, ".sheet-toolbar button[type=submit]").click()
    WebDriverWait(chrome, 10).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".alert-success")))
    assert len(ticked(chrome)) == 4
    assert "Émile Zola" in chrome.page_source
