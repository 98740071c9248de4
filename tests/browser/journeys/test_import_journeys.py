"""The import journey in Chromium: a CSV of partners with two bad lines; the preview
names them; « Télécharger les erreurs » gives the refused lines in XLSX with a « Motif »
column; « Importer les N lignes valides » writes the others, in one go. Screenshots and
axe-core at each step."""
import openpyxl
from selenium.webdriver.common.by import By

from models import Structure, database
from tests.browser.journeys.steps import (
    alerts, click_and_wait_for_new_page, log_in_as, log_out, page_errors, submit,
)

CSV = (
    "Nom;Typologie;SIRET;Commune\n"
    "CCAS de Loudun;CCAS;;Loudun\n"
    "Épicerie solidaire de Civray;ASSO;;Civray\n"
    "Centre social de Montmorillon;ASSO;;Montmorillon\n"
    "France Victimes 86;FRANCE_VICTIMES;356 000 000 00049;Poitiers\n"  # SIRET refused
    ";CCAS;;Chauvigny\n"  # no name
)
VALID = ["CCAS de Loudun", "Centre social de Montmorillon", "Épicerie solidaire de Civray"]


def test_import_a_csv_with_errors_then_its_valid_lines(chrome, server, journey, downloads, tmp_path):
    upload = tmp_path / "partenaires.csv"
    upload.write_text(CSV, encoding="utf-8")
    log_in_as(chrome, server, "editor@test.fr")
    chrome.get(f"{server}/admin/structure/import/")
    journey.step("import-formulaire")
    chrome.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(upload))
    submit(chrome, "form[enctype] button[type=submit]")
    journey.step("import-apercu-erreurs", both_sizes=True)
    page = chrome.find_element(By.TAG_NAME, "body").text
    assert "Ce SIRET n'est pas valide" in page, page_errors(chrome)
    with database.connection_context():
        assert Structure.select().count() == 0  # nothing before a confirmation

    # The refused lines, to fix and import again: a workbook with the reason of each.
    before = {path.name for path in downloads.iterdir()}
    chrome.find_element(By.XPATH, "//*[self::a or self::button][starts-with(normalize-space(.), 'Télécharger les erreurs')]").click()
    path = journey.download(downloads, r"\.xlsx$", before)
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    header = [str(cell) for cell in rows[0]]
    assert "Motif" in header, header
    refused = [row for row in rows[1:] if any(row)]
    assert len(refused) == 2, refused
    reasons = " ".join(str(row[header.index("Motif")]) for row in refused)
    assert "SIRET" in reasons, reasons
    assert "France Victimes 86" in [row[header.index("Nom")] for row in refused]

    # « Importer les 3 lignes valides »: those three only, the others left out.
    click_and_wait_for_new_page(chrome, chrome.find_element(
        By.XPATH, "//*[self::a or self::button][contains(normalize-space(.), 'Importer les 3 lignes valides')]"))
    assert alerts(chrome, "success"), page_errors(chrome)
    journey.step("import-lignes-valides")
    with database.connection_context():
        assert sorted(s.nom for s in Structure.select()) == VALID
    log_out(chrome, server)
