"""stream_rows: an export's rows one at a time, none kept by the database client."""
import pytest

from models import Referent, database
from models.db import STREAMED_ROWS_PER_FETCH, stream_rows
from tests.helpers import make_structure

COUNT = STREAMED_ROWS_PER_FETCH + 500  # more than one batch


def _add_referents(count):
    structure = make_structure()
    with database.connection_context():
        Referent.insert_many([{"prenom": "Claire", "nom": f"Martin {n:05d}", "structure": structure.id,
                               "role": "violences_precarite"} for n in range(count)]).execute()


def test_the_rows_streamed_are_the_query_s_in_its_order():
    _add_referents(COUNT)
    with database.connection_context():
        query = Referent.select(Referent.id, Referent.nom).order_by(Referent.nom.desc())
        assert list(stream_rows(query.tuples())) == list(query.tuples())
        records = list(stream_rows(query))
        assert [record.nom for record in records] == [nom for _id, nom in query.tuples()]
        assert all(isinstance(record, Referent) for record in records)


@pytest.mark.postgresql_suite
def test_on_postgresql_the_rows_come_from_a_server_side_cursor():
    # psycopg2's ordinary cursor would load all the rows into the client at the first one.
    _add_referents(COUNT)
    with database.connection_context():
        rows = stream_rows(Referent.select(Referent.id).order_by(Referent.id).tuples())
        first = next(rows)
        open_cursors = database.execute_sql("SELECT count(*) FROM pg_cursors").fetchone()[0]
        rest = list(rows)
        left_open = database.execute_sql("SELECT count(*) FROM pg_cursors").fetchone()[0]
    assert open_cursors == 1 and left_open == 0
    assert len([first, *rest]) == COUNT
