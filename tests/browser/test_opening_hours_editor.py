"""The French opening-hours editor in Chromium, with the keyboard only: rows of days ×
time ranges, a second row, « Fermé les jours fériés », saved as OpenStreetMap; and the
grids fit 1366 × 768 with the hours in French."""
import os

from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.common.action_chains import ActionChains

from models import Referent, Structure, database
from tests.browser.conftest import start_chrome
from tests.helpers import log_in, make_referent, make_structure, save_and_wait

N = "\u202f"


def screenshot(chrome, name):
    """Saved for a look when MAILLAGE_SCREENSHOTS names a folder."""
    if os.environ.get("MAILLAGE_SCREENSHOTS"):
        chrome.save_screenshot(os.path.join(os.environ["MAILLAGE_SCREENSHOTS"], name))


def press(chrome, *keys):
    """Keys sent to whatever has the focus, as a person types them."""
    actions = ActionChains(chrome)
    for key in keys:
        actions.send_keys(key)
    actions.perform()


def focused(chrome):
    element = chrome.switch_to.active_element
    return element.get_attribute("aria-label") or element.get_attribute("id") or element.text


def test_hours_entered_with_the_keyboard_are_saved_as_openstreetmap(chrome, server):
    log_in(chrome, server)
    chrome.set_window_size(1366, 768)
    chrome.get(f"{server}/admin/structure/new/")
    chrome.find_element(By.ID, "nom").send_keys("CCAS de Civray")
    chrome.find_element(By.ID, "typologie").send_keys("Centre communal")  # a select, by typing
    hours = chrome.find_element(By.ID, "horaires_accueil")
    assert hours.get_attribute("readonly")  # written by the rows
    chrome.find_element(By.ID, "site_web").click()
    press(chrome, Keys.TAB)
    assert focused(chrome) == "horaires_accueil-row1-day0"  # « lun. », ticked with mar.–ven. already
    press(chrome, *[Keys.TAB] * 7)
    assert focused(chrome) == "Plage 1 de la ligne 1 : ouverture"
    press(chrome, "9", Keys.TAB, "12", Keys.TAB, "14 h", Keys.TAB, "17:00")
    assert hours.get_attribute("value") == "Mo-Fr 09:00-12:00,14:00-17:00"
    press(chrome, Keys.TAB, Keys.TAB, Keys.TAB)  # « fermé », « Retirer », « Ajouter une ligne »
    assert focused(chrome) == "Ajouter une ligne de jours"
    press(chrome, Keys.ENTER)
    assert focused(chrome) == "horaires_accueil-row2-day0"  # the new row's « lun. »
    press(chrome, *[Keys.TAB] * 5, Keys.SPACE)  # « sam. »
    press(chrome, Keys.TAB, Keys.TAB, "9h30", Keys.TAB, "12")
    press(chrome, *[Keys.TAB] * 6)  # past range 2 (two inputs), « fermé », « Retirer », « Ajouter »
    assert focused(chrome) == "horaires_accueil-holidays_closed"
    press(chrome, Keys.SPACE)
    assert chrome.find_element(By.ID, "horaires_accueil-holidays_closed").is_selected()
    expected = "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:30-12:00; PH off"
    assert hours.get_attribute("value") == expected
    french = chrome.find_element(By.ID, "horaires_accueil-french").text
    assert french == (f"En clair : lun.–ven. 9{N}h–12{N}h, 14{N}h–17{N}h{N}; sam. 9{N}h{N}30–12{N}h"
                      f"{N}; fermé les jours fériés")
    screenshot(chrome, "hours-editor-1366.png")
    date = chrome.find_element(By.ID, "date_maj")  # today's date already there: typed over
    date.click()
    date.send_keys(Keys.CONTROL, "a")
    date.send_keys("01/11/2026", Keys.TAB)
    try:
        save_and_wait(chrome)
    except TimeoutException:
        errors = [e.text for e in chrome.find_elements(By.CSS_SELECTOR, ".alert-danger, .invalid-feedback, .help-block")]
        raise AssertionError(f"not saved: {errors}") from None
    with database.connection_context():
        structure = Structure.get(Structure.nom == "CCAS de Civray")
    assert structure.horaires_accueil == expected

    # Back on its form: the rows again; a time not understood is said on its row.
    chrome.get(f"{server}/admin/structure/edit/?id={structure.id}")
    rows = chrome.find_elements(By.CSS_SELECTOR, ".hours-row")
    assert len(rows) == 2
    wrong = rows[1].find_elements(By.CSS_SELECTOR, ".hours-time")[1]
    wrong.send_keys(Keys.CONTROL, "a")
    wrong.send_keys("midi et demi")
    assert "n'est pas une heure" in rows[1].find_element(By.CSS_SELECTOR, ".hours-row-error").text
    assert wrong.get_attribute("aria-invalid") == "true"


def test_a_value_the_rows_cannot_show_stays_text(chrome, server):
    structure = make_structure("CCAS de Loudun", horaires_accueil="Mo-Fr 09:00-12:00; Su[1] 10:00-12:00")
    log_in(chrome, server)
    chrome.get(f"{server}/admin/structure/edit/?id={structure.id}")
    hours = chrome.find_element(By.ID, "horaires_accueil")
    assert not hours.get_attribute("readonly")
    assert not chrome.find_element(By.CSS_SELECTOR, ".hours-editor-rows").is_displayed()
    assert f"dim.[1] 10{N}h–12{N}h" in chrome.find_element(By.ID, "horaires_accueil-french").text
    hours.send_keys(Keys.CONTROL, "a")
    hours.send_keys("lundi et mardi 8h-12h, fermé les jours fériés")
    save_and_wait(chrome)
    with database.connection_context():
        assert Structure.get_by_id(structure.id).horaires_accueil == "Mo,Tu 08:00-12:00; PH off"


def test_grids_fit_1366_pixels(server):
    structure = make_structure("Centre communal d'action sociale de Grand Poitiers", telephone="+33549889672",
                               horaires_accueil="Mo-Fr 09:00-12:00,14:00-17:00; PH off", commune="Poitiers")
    for number in range(12):
        make_referent(structure, nom=f"Garnier-Chevalier{number}", prenom="Marie-Clémence",
                      fonction="Assistante sociale de secteur, référente violences intrafamiliales",
                      courriel=f"marie-clemence.garnier-chevalier{number}@ccas-grand-poitiers.fr",
                      telephone="+33549889672")
    chrome = start_chrome(window_size=(1366, 768))
    try:
        log_in(chrome, server)
        for url, name in (("/admin/referent/", "referents"), ("/admin/structure/", "structures")):
            chrome.get(f"{server}{url}")
            overflow = chrome.execute_script(
                "var t = document.querySelector('.table-responsive') || document.querySelector('.model-list');"
                "return [t.scrollWidth, t.clientWidth, document.documentElement.scrollWidth, window.innerWidth];")
            assert overflow[0] <= overflow[1] and overflow[2] <= overflow[3], (url, overflow)
            lines = chrome.execute_script(
                "var range = document.createRange();"
                "range.selectNodeContents(document.querySelector('td.col-telephone'));"
                "return range.getClientRects().length;")
            assert lines == 1, "the phone number wraps"
            screenshot(chrome, f"grid-{name}-1366.png")
        assert f"lun.–ven. 9{N}h–12{N}h" in chrome.find_element(By.CSS_SELECTOR, "td.col-horaires_accueil").text
    finally:
        chrome.quit()
    with database.connection_context():
        assert Referent.select().count() == 12
