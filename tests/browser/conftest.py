"""What every browser test needs: the app served on 127.0.0.1 and a headless Chromium."""
import shutil
import threading
from contextlib import contextmanager

import pytest
from selenium import webdriver
from werkzeug.serving import make_server

from tests.helpers import needed

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@contextmanager
def serving(app):
    """The app on a free port of 127.0.0.1 (threaded): yields its address."""
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()


def start_chrome(window_size=(1400, 1000), arguments=(), prefs=None):
    """A headless Chromium driven by Debian's chromedriver; fails under CI when missing."""
    if not (CHROMIUM and CHROMEDRIVER):
        needed("Chromium and chromedriver (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        f"--window-size={window_size[0]},{window_size[1]}", "--disable-background-networking",
        "--no-first-run", "--disable-component-update", "--disable-sync", *arguments,
    ):
        options.add_argument(argument)
    if prefs:
        options.add_experimental_option("prefs", prefs)
    return webdriver.Chrome(service=webdriver.ChromeService(CHROMEDRIVER), options=options)


@pytest.fixture
def server(app):
    with serving(app) as address:
        yield address


@pytest.fixture
def chrome():
    driver = start_chrome()
    driver.implicitly_wait(5)
    yield driver
    driver.quit()
