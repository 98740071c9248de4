"""Small moves the journeys share: waits on the next page, typing into a field, the
grid's search, the rows a grid shows. Explicit waits only (no sleep)."""
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from tests.helpers import PASSWORD, page_in, wait_for_new_page

WAIT = 15


def wait(chrome, condition, seconds=WAIT):
    """Until `condition` holds; an element redrawn while it was read is read again."""
    return WebDriverWait(chrome, seconds, ignored_exceptions=(StaleElementReferenceException,)).until(condition)


def present(chrome, css):
    return wait(chrome, expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css)))


def click_and_wait_for_new_page(chrome, element):
    """Click what leads to another page (a link, a submit button) and wait until the
    old page is gone and the new one has loaded."""
    old = page_in(chrome)
    element.click()
    wait_for_new_page(chrome, old)


def submit(chrome, css="input[type=submit].btn-primary, button[type=submit].btn-primary"):
    click_and_wait_for_new_page(chrome, chrome.find_element(By.CSS_SELECTOR, css))


def retype(field, text):
    field.click()
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.DELETE)
    field.send_keys(text)
    return field


def log_in_as(chrome, server, email):
    """The login page, typed as a person does; lands on the dashboard."""
    chrome.get(f"{server}/login")
    chrome.find_element(By.NAME, "email").send_keys(email)
    chrome.find_element(By.NAME, "password").send_keys(PASSWORD)
    submit(chrome, "button[type=submit]")
    assert "/login" not in chrome.current_url, chrome.page_source[:2000]


def log_out(chrome, server):
    click_and_wait_for_new_page(
        chrome, chrome.find_element(By.XPATH, "//nav//button[contains(., 'Se déconnecter')]"))
    assert chrome.current_url == f"{server}/login"
    assert "Vous êtes déconnecté·e." in chrome.page_source


def alerts(chrome, kind):
    """The texts of the page's flashed messages of one kind (success, danger, warning, info)."""
    return [element.text for element in chrome.find_elements(By.CSS_SELECTOR, f".alert-{kind}")]


def page_errors(chrome):
    """What the page says went wrong: flashed errors and the fields' messages (for an
    assertion's explanation)."""
    return [element.text for element in chrome.find_elements(
        By.CSS_SELECTOR, ".alert-danger, .alert-error, .invalid-feedback, .help-block") if element.text]


def search_grid(chrome, words):
    """Type in the grid's search box and press Enter, as a person does."""
    box = chrome.find_element(By.CSS_SELECTOR, "input[name=search]")
    retype(box, words)
    old = page_in(chrome)
    box.send_keys(Keys.ENTER)
    wait_for_new_page(chrome, old)


def grid_cells(chrome, column):
    """The texts of one grid column (its field name), top to bottom, as shown."""
    return [cell.text for cell in chrome.find_elements(By.CSS_SELECTOR, f"table.model-list td.col-{column}")]
