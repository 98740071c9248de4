"""The end-to-end journeys: one real server (werkzeug's threaded server on 127.0.0.1,
the suite's real database) and one headless Chromium per module, a download folder, and
`journey` — each step's screenshots and axe-core report under tests/browser/artifacts/
(git ignores it), failing the test on a serious or critical accessibility violation."""
import re
import time
from pathlib import Path

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import serving, start_chrome
from tests.browser.journeys.accessibility import audit

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
SMALL, LARGE = (1366, 768), (1920, 1080)  # the two screens issue 10 names


@pytest.fixture(scope="module")
def server(app):
    with serving(app) as address:
        yield address


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def chrome(downloads):
    driver = start_chrome(SMALL, arguments=("--lang=fr-FR",), prefs={
        "download.default_directory": str(downloads), "download.prompt_for_download": False,
        "intl.accept_languages": "fr-FR,fr",
    })
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.implicitly_wait(2)
    yield driver
    driver.quit()


class Journey:
    """A journey's record: `step(name)` after each new page saves a screenshot (at both
    window sizes when asked) and the axe report; the violations are gathered and the test
    fails at its end (all the pages audited first, so one run lists every defect)."""

    def __init__(self, chrome, folder):
        self.chrome, self.folder = chrome, folder
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.iterdir():
            old.unlink()
        self.count = 0
        self.violations = {}
        self.started = time.monotonic()

    def step(self, name, both_sizes=False, audit_page=True):
        self.count += 1
        stem = f"{self.count:02d}-{name}"
        sizes = (SMALL, LARGE) if both_sizes else (SMALL,)
        for width, height in sizes:
            self.chrome.set_window_size(width, height)
            self.chrome.save_screenshot(str(self.folder / f"{stem}-{width}x{height}.png"))
        if both_sizes:
            self.chrome.set_window_size(*SMALL)
        if audit_page:
            found = audit(self.chrome, self.folder / f"{stem}.axe.json")
            if found:
                self.violations[f"{stem} ({self.chrome.current_url})"] = found

    def download(self, folder, pattern, before):
        """The file a click just started downloading into `folder`: a new name matching
        `pattern` (a regular expression), complete (Chromium writes .crdownload first)."""
        def finished(_driver):
            new = [path for path in folder.iterdir() if path.name not in before
                   and re.search(pattern, path.name) and not path.name.endswith(".crdownload")]
            return new[0] if new else False
        return WebDriverWait(self.chrome, 20).until(finished)


@pytest.fixture
def journey(chrome, request):
    name = re.sub(r"\W+", "-", f"{request.module.__name__.rsplit('.', 1)[-1]}-{request.node.name}")
    record = Journey(chrome, ARTIFACTS / name)
    chrome.delete_all_cookies()  # every journey starts logged out
    yield record
    (record.folder / "duration.txt").write_text(f"{time.monotonic() - record.started:.1f} s\n")
    assert not record.violations, "Accessibility (axe-core, serious or critical):\n" + "\n".join(
        f"{page}:\n  " + "\n  ".join(lines) for page, lines in record.violations.items())
