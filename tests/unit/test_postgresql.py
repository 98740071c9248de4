"""The same model on a real PostgreSQL server. Under CI it must be there."""

from decimal import Decimal

import pytest

from models import CostLine, Scenario, Structure, database, totals_for
from models.db import open_database
from models.schema import MIGRATIONS_DIRECTORY, migrate
from seeds.loader import load_seeds
from tests.helpers import fresh_postgres_database, postgres_server_url

@pytest.fixture
def postgres():
    """A new database beside MAILLAGE_TEST_POSTGRES_URL's (never that one emptied)."""
    previous = database.obj
    with fresh_postgres_database(postgres_server_url()) as url:
        db = open_database(url)
        yield db
        db.close()
    database.initialize(previous)


def test_migrations_seed_and_totals_on_postgresql(postgres):
    with postgres.connection_context():
        files = sorted(path.stem for path in MIGRATIONS_DIRECTORY.glob("[0-9]*.py"))
        assert migrate(postgres) == files
        assert migrate(postgres) == []
        load_seeds()
        assert set(load_seeds().values()) == {0}  # a second load adds nothing
        scenario = Scenario.get(Scenario.name == "Scénario 2 — coordination des acteurs locaux")
        assert totals_for(scenario).year_one == Decimal("95310.00")
        line = CostLine.get(CostLine.scenario == scenario, CostLine.category == "Locaux")
        assert isinstance(line.amount, Decimal) and line.amount == Decimal("6000.00")
        assert Structure.select().where(Structure.nom.contains("Besançon")).exists()
