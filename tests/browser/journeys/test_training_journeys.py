"""A training as the coordinator records it in Chromium: its date typed with the keyboard
(24/11/2026), its territory picked by typing, then the attendance screen: 8 people ticked
and saved, the training's page counting them. Screenshots and axe-core at each step."""
import datetime

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions

from models import Attendance, Training, database
from tests.browser.journeys.steps import (
    alerts, click_and_wait_for_new_page, log_in_as, log_out, page_errors, retype, submit, wait,
)
from tests.helpers import make_referent, make_structure, make_territory


def pick(chrome, field_id, typed, expected):
    """A type-ahead picker (select2 over AJAX): open it, type, choose the answer."""
    chrome.find_element(By.CSS_SELECTOR, f"#s2id_{field_id} a.select2-choice").click()
    search = wait(chrome, expected_conditions.visibility_of_element_located(
        (By.CSS_SELECTOR, "#select2-drop input.select2-input")))
    search.send_keys(typed)

    def choose_the_answer(driver):  # the list is redrawn at each answer: click the last one
        answers = driver.find_elements(By.CSS_SELECTOR, "#select2-drop .select2-result-selectable")
        if [answer.text for answer in answers] != [expected]:
            return False
        answers[0].click()
        return True

    wait(chrome, choose_the_answer)
    wait(chrome, lambda driver: driver.find_element(
        By.CSS_SELECTOR, f"#s2id_{field_id} .select2-chosen").text == expected)


def test_typed_date_then_attendance_of_eight(chrome, server, journey):
    poitiers = make_territory("RVC Poitiers")
    ccas = make_structure("CCAS de Poitiers", territory=poitiers, commune="Poitiers")
    mds = make_structure("Maison départementale des solidarités", typologie="MDS", territory=poitiers,
                         commune="Poitiers")
    for number, (first, last) in enumerate((
        ("Claire", "Martin"), ("Ahmed", "Benali"), ("Hélène", "Dupré"), ("Élodie", "Durand"),
        ("Inès", "Lemoine"), ("Karim", "Haddad"), ("Lucie", "Morel"), ("Théo", "Bernard"),
        ("Zoé", "Petit"), ("Jules", "Roux"),
    )):
        make_referent(ccas if number < 5 else mds, last, prenom=first)
    log_in_as(chrome, server, "editor@test.fr")

    chrome.get(f"{server}/admin/training/new/")
    journey.step("formulaire-formation", both_sizes=True)
    chrome.find_element(By.ID, "theme").send_keys("Repérer les violences conjugales")
    date = retype(chrome.find_element(By.ID, "date"), "24/11/2026")
    assert date.get_attribute("value") == "24/11/2026"  # the picker rewrites nothing typed
    date.send_keys(Keys.TAB)
    assert date.get_attribute("value") == "24/11/2026"
    retype(chrome.find_element(By.ID, "half_days"), "2")
    pick(chrome, "territory", "poitiers", "RVC Poitiers")
    submit(chrome)
    assert alerts(chrome, "success"), page_errors(chrome)
    with database.connection_context():
        training = Training.get(Training.theme == "Repérer les violences conjugales")
    assert training.date == datetime.date(2026, 11, 24)
    journey.step("formation-enregistree")

    # The grid's « Saisir les présences »: the sheet lists the territory's 10 people.
    chrome.get(f"{server}/admin/training/")
    journey.step("grille-formations", both_sizes=True)
    click_and_wait_for_new_page(chrome, chrome.find_element(By.CSS_SELECTOR, "a[title='Saisir les présences']"))
    assert chrome.current_url.endswith(f"/admin/training/presences/?id={training.id}")
    labels = chrome.find_elements(By.CSS_SELECTOR, "label.sheet-name")
    assert len(labels) == 10
    journey.step("feuille-de-presence", both_sizes=True)
    for label in labels[:8]:
        label.click()
    assert chrome.find_element(By.ID, "sheet-total").text.startswith("8 présent·e·s coché·e·s sur 10")
    submit(chrome, ".sheet-toolbar button[type=submit]")
    assert alerts(chrome, "success"), page_errors(chrome)
    assert len(chrome.find_elements(By.CSS_SELECTOR, "input.sheet-present:checked")) == 8
    journey.step("presences-enregistrees")
    with database.connection_context():
        present = Attendance.select().where((Attendance.training == training.id) & Attendance.present)
        assert present.count() == 8

    chrome.get(f"{server}/admin/training/details/?id={training.id}")
    assert "8" in chrome.find_element(By.TAG_NAME, "body").text
    journey.step("fiche-formation")
    log_out(chrome, server)
