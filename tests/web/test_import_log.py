"""Each import applied leaves one log line: who, what kind, which file, how many."""
import io
import logging
import os
import subprocess
import sys
from pathlib import Path

from models import Structure, database

ROOT = Path(__file__).resolve().parents[2]
DATA = "Nom;Typologie;Commune\nCIDFF de la Vienne;CIDFF;Poitiers\nCCAS de Loudun;CCAS;Loudun\n".encode()


class LogLines(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def test_an_import_confirmed_on_the_panel_is_logged_once(as_role):
    handler = LogLines()
    logger = logging.getLogger("maillage.imports")
    logger.addHandler(handler)
    try:
        editor = as_role("editor")
        url = "/admin/structure/import/"
        preview = editor.post(url, {"file": (io.BytesIO(DATA), "partenaires 2026.csv")},
                              content_type="multipart/form-data")
        assert "2 à créer" in preview.get_data(as_text=True)
        assert handler.lines == []  # a preview writes nothing, logs nothing
        response = editor.post(url + "confirmer/", {}, form_url=url)
        assert response.status_code == 302
    finally:
        logger.removeHandler(handler)
    assert handler.lines == [
        "Import structures : utilisateur=editor@test.fr fichier=« partenaires 2026.csv » "
        "créées=2 mises_à_jour=0 inchangées=0",
    ]


def test_a_command_line_import_is_logged_on_standard_error(tmp_path):
    """The real command in its own process: the app's logging, not pytest's, writes the line."""
    path = tmp_path / "partenaires.csv"
    path.write_bytes(DATA)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "USER": "coordinatrice", "LOGNAME": "coordinatrice",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "import-structures", str(path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stderr
    assert "Import enregistré." in result.stdout
    logged = [line for line in result.stderr.splitlines() if "maillage.imports" in line]
    assert len(logged) == 1, result.stderr
    assert logged[0].endswith(
        "Import structures : utilisateur=coordinatrice fichier=« partenaires.csv » "
        "créées=2 mises_à_jour=0 inchangées=0"
    ), logged
    with database.connection_context():
        assert not Structure.select().exists()  # the test database was not the one written
