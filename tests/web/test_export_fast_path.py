"""The grid export's fast path (documents/grid_export.narrowed_reading: the query's
tuples, only the columns written) gives every grid the values its records give,
and a streamed table sizes its rows past the width sample too."""
import datetime
import io

import openpyxl
from flask_login import login_user

from admin_views.auth import SessionUser
from admin_views.exports import export_columns, with_extras
from documents.grid_export import grid_rows, narrowed_reading
from documents.spreadsheets import LINE_HEIGHT, WIDTH_SAMPLE_ROWS, Column, Formats, open_workbook, write_table
from models import Attendance, Referent, Structure, Training, User, database
from seeds.loader import load_seeds
from tests.helpers import make_referent, make_structure

# The grids whose every column says what it reads: the fast path must not fall back quietly.
FAST_GRIDS = {"referent", "territory", "attendance"}


def _grid_queries(app):
    """(endpoint, query, columns) of every exporting grid, as export_grid builds them."""
    for view in app.extensions["admin"][0]._views:
        if getattr(view, "can_export", False) and hasattr(view, "get_list"):
            _count, query = view.get_list(0, None, False, None, None, execute=False, page_size=0)
            query, columns = with_extras(view, query, export_columns(view))
            yield view.endpoint, query, columns


def test_every_grid_exports_from_tuples_what_its_records_give(app):
    with database.connection_context():
        load_seeds()
        structure = Structure.get(Structure.nom == "CIDFF de la Vienne")
        trained = Referent.create(prenom="Claire", nom="Martin", structure=structure, telephone="05 49 00 00 01",
                                  fonction="=1+1", courriel="c.martin@exemple.fr",
                                  date_designation=datetime.date(2026, 1, 5))
        Referent.create(prenom="Éric", nom="Abel", structure=Structure.create(
            nom="Sans territoire", typologie="ASSO"), role="personne_ressource", notes="Une note\nsur deux lignes")
        training = Training.create(date=datetime.date(2026, 3, 12), theme="Repérage", half_days=2)
        Attendance.create(training=training, referent=trained, evaluation=4)
        admin = User.select().where(User.role == "admin").first()
    fast = set()
    with app.test_request_context("/admin/"), database.connection_context():
        login_user(SessionUser(admin))
        for endpoint, query, columns in _grid_queries(app):
            from_records = [[column.value(record) for column in columns] for record in query.clone()]
            assert from_records or endpoint not in FAST_GRIDS, endpoint
            if narrowed_reading(query, columns) is not None:
                fast.add(endpoint)
            assert list(grid_rows(query.clone(), columns)) == from_records, endpoint
    assert FAST_GRIDS <= fast, fast


def test_referent_export_reads_only_what_it_writes(app):
    make_referent(make_structure("CCAS de Loudun", commune="Loudun"), nom="Durand")
    with database.connection_context():
        admin = User.select().where(User.role == "admin").first()
    with app.test_request_context("/admin/"), database.connection_context():
        login_user(SessionUser(admin))
        query, columns = next((q, c) for endpoint, q, c in _grid_queries(app) if endpoint == "referent")
        narrowed, _getters = narrowed_reading(query, columns)
        sql = narrowed.sql()[0]
        assert "search_text" not in sql and '"version"' not in sql
        assert [row[columns.index(next(c for c in columns if c.name == "structure"))]
                for row in grid_rows(query, columns)] == ["CCAS de Loudun (Loudun)"]


def test_rows_past_the_width_sample_get_the_height_of_their_wrapped_text():
    """Widths come from the first WIDTH_SAMPLE_ROWS rows (a stream is read once);
    a longer text further down is wrapped in its capped column and its row made tall
    enough to print it whole."""
    columns = [Column("Nom"), Column("Notes")]
    rows = [["Court", "court"]] * WIDTH_SAMPLE_ROWS + [["Long " * 40, "Première ligne\nseconde\ntroisième"]]
    buffer = io.BytesIO()
    workbook = open_workbook(buffer)
    formats = Formats(workbook)
    sheet = workbook.add_worksheet("Essai")
    assert write_table(sheet, columns, iter(rows), formats) == len(rows)
    workbook.close()
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    last = len(rows) + 1  # under the header
    assert sheet.column_dimensions["A"].width < 20  # sized on the sample…
    assert sheet.cell(last, 1).alignment.wrap_text  # …the long name wrapped…
    assert sheet.row_dimensions[last].height >= 3 * LINE_HEIGHT  # …on the lines it needs
    assert sheet.row_dimensions[2].height is None  # a short row keeps the default height
    assert sheet.cell(last, 1).value == "Long " * 40
