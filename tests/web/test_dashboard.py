"""The dashboard is Monday morning's to-do list: figures that link to the rows they
count, scoped to a territory (remembered), the same number of queries at any size."""
import datetime
import html
import re

from models import Meeting, Structure, Territory, Training, database
from tests.helpers import QueryCounter, grid_column, make_network


def page(browser, url="/admin/"):
    response = browser.get(url)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def card_link(text, title):
    """The address of the dashboard card whose title is `title`."""
    match = re.search(r'<a class="card[^"]*" href="([^"]+)">\s*<div class="h2 mb-1">([^<]*)</div>\s*'
                      rf'<div class="font-weight-bold">{re.escape(title)}</div>', text)
    assert match, title
    return match.group(2).strip(), match.group(1)


def test_each_figure_links_to_exactly_the_rows_it_counts(as_role):
    make_network()
    viewer = as_role("viewer")
    board = page(viewer)
    count, link = card_link(board, "structures sans référent·e")
    assert count == "3"
    listed = grid_column(page(viewer, link), "nom")
    assert sorted(listed) == ["Centre social", "MDS Poitiers", "Épicerie solidaire"]
    count, link = card_link(board, "référent·e·s non formé·e·s")
    assert count == "4"  # 6 active, 2 trained
    assert sorted(grid_column(page(viewer, link), "nom")) == ["Gris", "Noir", "Petit", "Roux"]
    assert "1 structure(s)" in board and "1 référent·e(s)" in board  # à vérifier


def test_a_territory_scopes_the_whole_page_and_is_remembered(as_role):
    territories, _ = make_network()
    poitiers = territories["RVC Poitiers"]
    with database.connection_context():
        Training.create(date=datetime.date.today() + datetime.timedelta(days=7), theme="Repérer",
                        half_days=1, territory=territories["Bassin Poitiers-Nord"])
        Training.create(date=datetime.date.today() + datetime.timedelta(days=8), theme="Ailleurs",
                        half_days=1, territory=territories["Ailleurs"])
        Meeting.create(date=datetime.date.today() + datetime.timedelta(days=3),
                       kind="cellule_operationnelle", territory=poitiers)
    viewer = as_role("viewer")
    board = page(viewer, f"/admin/?territoire={poitiers.id}")
    assert "Tableau de bord — RVC Poitiers" in board
    count, link = card_link(board, "structures sans référent·e")
    assert count == "2"
    assert sorted(grid_column(page(viewer, link), "nom")) == ["MDS Poitiers", "Épicerie solidaire"]
    assert "Repérer" in board and "Ailleurs</a>" not in board  # the next trainings, in scope
    assert "Cellule opérationnelle" in board
    # Coverage of RVC Poitiers and of its bassin, numbers written beside the bars.
    assert "2/4 (50\u00a0%)" in board and "1/2 (50\u00a0%)" in board
    assert "Tableau de bord — RVC Poitiers" in page(viewer)  # remembered
    assert "Tableau de bord — tout le réseau" in page(viewer, "/admin/?territoire=")
    assert "Tableau de bord — tout le réseau" in page(viewer, "/admin/?territoire=abc")


def test_most_overdue_records_come_first(as_role):
    make_network()
    board = page(as_role("viewer"))
    section = board[board.index("À vérifier en priorité"):]
    assert "Mairie de Migné" in section and "Alex Vert (CIAS du Loudunais)" in section


def test_the_query_count_does_not_grow_with_the_directory(as_role):
    viewer = as_role("viewer")
    counts = []
    for size in (100, 10_000):
        with database.connection_context(), database.atomic():
            territory = Territory.create(name=f"Bassin {size}", kind="bassin_de_vie")
            Structure.insert_many([{"nom": f"Structure {i}", "typologie": "CCAS", "territory": territory.id}
                                   for i in range(size)]).execute()
        with QueryCounter() as queries:
            board = page(viewer)
        counts.append(queries.count)
    assert counts[0] == counts[1]
    assert card_link(board, "structures sans référent·e")[0] == "10100"


def test_figures_are_kept_between_visits_and_follow_every_change(as_role):
    """Back on the dashboard with nothing changed: the figures are not added up again.
    A change anywhere (this process or another worker: a save, an insert without
    history, an emptied and refilled database) shows at the next visit."""
    territories, structures = make_network()
    viewer = as_role("viewer")
    assert card_link(page(viewer), "structures sans référent·e")[0] == "3"
    with QueryCounter() as queries:
        assert card_link(page(viewer), "structures sans référent·e")[0] == "3"
    assert not any("GROUP BY" in statement for statement in queries.statements)
    with database.connection_context():  # as another worker would: straight to the database
        Structure.create(nom="Mairie de Jaunay", typologie="CCAS", territory=territories["RVC Poitiers"])
    assert card_link(page(viewer), "structures sans référent·e")[0] == "4"
    with database.connection_context():
        Structure.insert_many([{"nom": "Sans historique", "typologie": "CCAS"}]).execute()
    assert card_link(page(viewer), "structures sans référent·e")[0] == "5"
    with database.connection_context():
        Structure.delete().where(Structure.nom == "Sans historique").execute()
        structure = Structure.get(Structure.nom == "Mairie de Jaunay")
        structure.actif = False
        structure.save()
    assert card_link(page(viewer), "structures sans référent·e")[0] == "3"
