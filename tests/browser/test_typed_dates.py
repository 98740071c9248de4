"""Dates typed with the keyboard or pasted stay as typed: the picker never rewrites them."""
import datetime

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from models import Training, database
from tests.helpers import log_in, save_and_wait


def type_date(chrome, field_id, text):
    field = chrome.find_element(By.ID, field_id)
    field.click()
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(text)
    return field


@pytest.mark.parametrize("typed", ["24/11/2026", "24112026", "2026-11-24"])
def test_a_typed_date_is_saved_as_typed(chrome, server, typed):
    log_in(chrome, server)
    chrome.get(f"{server}/admin/training/new/")
    chrome.find_element(By.ID, "theme").send_keys("Repérer les violences")
    field = type_date(chrome, "date", typed)
    assert field.get_attribute("value") == typed  # nothing appended or rewritten while typing
    field.send_keys(Keys.TAB)
    assert field.get_attribute("value") == "24/11/2026"  # written the French way on leaving
    save_and_wait(chrome)
    with database.connection_context():
        assert Training.get(Training.theme == "Repérer les violences").date == datetime.date(2026, 11, 24)


def test_retyping_a_filled_date_replaces_it(chrome, server):
    log_in(chrome, server)
    chrome.get(f"{server}/admin/training/new/")
    field = type_date(chrome, "date", "15/12/2026")
    field.send_keys(Keys.TAB)
    field = type_date(chrome, "date", "03/09/2026")
    assert field.get_attribute("value") == "03/09/2026"
    field.send_keys(Keys.TAB)
    assert field.get_attribute("value") == "03/09/2026"


def test_a_pasted_date_is_kept(chrome, server):
    log_in(chrome, server)
    chrome.get(f"{server}/admin/training/new/")
    field = chrome.find_element(By.ID, "date")
    chrome.execute_script(
        "arguments[0].focus(); arguments[0].value = '24/11/2026';"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));", field)
    field.send_keys(Keys.TAB)
    assert field.get_attribute("value") == "24/11/2026"


def test_an_unfinished_date_is_left_alone(chrome, server):
    log_in(chrome, server)
    chrome.get(f"{server}/admin/training/new/")
    field = type_date(chrome, "date", "24/1")
    field.send_keys(Keys.TAB)
    assert field.get_attribute("value") == "24/1"  # the server will say it is not a date
