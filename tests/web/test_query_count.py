"""A list page costs the same number of SQL queries for 10 rows or 500."""
import pytest

from models import Attendance, CostLine, Referent, Scenario, Structure, Territory, Training, database
from models.db import label_columns
from tests.helpers import QueryCounter, grid_column


def build(rows):
    with database.connection_context(), database.atomic():
        territory = Territory.create(name=f"Bassin {rows}", kind="bassin_de_vie")
        parent = Structure.create(nom="Siège", typologie="ASSO", territory=territory)
        training = Training.create(date="2026-10-01", theme="Repérer", half_days=1)
        scenario = Scenario.create(name=f"Scénario {rows}")
        for index in range(rows):
            structure = Structure.create(
                nom=f"Structure {index}", typologie="CCAS", commune="Poitiers", territory=territory,
                parent=parent,
            )
            referent = Referent.create(prenom="Prénom", nom=f"Nom {index}", structure=structure)
            Attendance.create(training=training, referent=referent)
            CostLine.create(scenario=scenario, category="Locaux", designation=f"L{index}", amount=10)


def queries_for(browser, url):
    with QueryCounter() as counter:
        response = browser.get(url)
    assert response.status_code == 200
    return counter.count, response.get_data(as_text=True)


# After build(10) and build(490): each grid's first rows in its default order (or the one asked).
@pytest.mark.parametrize("url, rows, column, first", [
    ("/admin/structure/?page_size=100", 100, "nom", ["Siège", "Siège", "Structure 0", "Structure 0"]),
    ("/admin/referent/?page_size=100", 100, "nom", ["Nom 0", "Nom 0", "Nom 1", "Nom 1"]),
    ("/admin/attendance/?page_size=100", 100, "referent", ["Prénom Nom 0", "Prénom Nom 1", "Prénom Nom 2"]),
    ("/admin/costline/?page_size=100", 100, "designation", ["L0", "L1", "L2"]),
    ("/admin/territory/?page_size=100", 2, "name", ["Bassin 10", "Bassin 490"]),
    # the figures add up every line of a scenario: 10 and 490 lines of 10 €
    ("/admin/scenario/?page_size=100", 2, "year_one", ["100,00\u00a0€", "4\u202f900,00\u00a0€"]),
    ("/admin/referent/?page_size=100&sort=3", 100, "structure",  # sorted on the joined structure
     ["Structure 0 (Poitiers)", "Structure 0 (Poitiers)", "Structure 1 (Poitiers)"]),
])
def test_list_queries_do_not_grow_with_rows(as_role, url, rows, column, first):
    browser = as_role("viewer")
    build(10)
    small, _ = queries_for(browser, url)
    build(490)
    large, page = queries_for(browser, url)
    assert large == small, f"{url}: {small} queries for 10 rows, {large} for 500"
    assert small <= 6
    assert page.count('<td class="list-buttons-column">') == rows
    assert grid_column(page, column)[:len(first)] == first


@pytest.mark.parametrize("model", [Territory, Structure, Referent, Training, Scenario])
def test_a_record_fetched_by_its_label_columns_is_named_as_in_full(model):
    """Grids fetch only Meta.label_fields of a joined record: its name must not change."""
    build(3)
    with database.connection_context():
        for full in model.select():
            partial = model.select(*label_columns(model)).where(model.id == full.id).get()
            assert str(partial) == str(full)


def test_grid_names_joined_records_in_full(as_role):
    with database.connection_context():
        territory = Territory.create(name="Bassin Nord", kind="bassin_de_vie")
        structure = Structure.create(nom="CCAS", typologie="CCAS", commune="Châtellerault",
                                     territory=territory)
        Referent.create(prenom="Claire", nom="Martin", structure=structure)
    _count, page = queries_for(as_role("viewer"), "/admin/referent/")
    assert "CCAS (Châtellerault)" in page
    _count, page = queries_for(as_role("viewer"), "/admin/structure/")
    assert "Bassin Nord" in page
