"""The documents' data: loaded once, with the figures the documents give."""
from decimal import Decimal

from models import Scenario, Structure, Territory, User, database, totals_for
from seeds.loader import load_seeds
from tests.helpers import ASSOCIATIVE, SCENARIO_2, seed_counts


def test_seed_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    with database.connection_context():
        counts = (Territory.select().count(), Structure.select().count(), Scenario.select().count())
    second = runner.invoke(args=["seed"])
    assert "Ajouté : 0 territoires, 0 structures, 0 scénarios" in second.output
    with database.connection_context():
        assert counts == (
            Territory.select().count(), Structure.select().count(), Scenario.select().count(),
        )
    assert counts == seed_counts()
    assert "Ajouté : {} territoires, {} structures, {} scénarios".format(*counts) in first.output


def test_scenario_2_gives_the_documents_figures():
    with database.connection_context():
        load_seeds()
        totals = totals_for(Scenario.get(Scenario.name == SCENARIO_2))
        assert totals.year_one == Decimal("95310.00")
        assert totals.one_off == Decimal("7230.00")
        assert totals.etp == Decimal("2")
        association = totals_for(Scenario.get(Scenario.name == ASSOCIATIVE))
        assert association.overhead == Decimal("14296.50")
        assert association.total_with_overhead == Decimal("109606.50")


def test_the_documents_places_and_networks_are_there():
    with database.connection_context():
        load_seeds()
        networks = {t.name for t in Territory.select().where(Territory.kind == "reseau")}
        assert {"RVC Poitiers", "RVC Châtellerault", "RVC Loudun", "RVC Civray",
                "RVC Montmorillon"} <= networks
        vienne = Territory.get(Territory.name == "Vienne")
        assert {t.name for t in vienne.children} == networks  # the five réseaux are the Vienne's
        names = " ".join(s.nom for s in Structure.select())
        for place in ("Besançon", "Pontarlier", "Montbéliard", "Saint-Vit", "Valdahon",
                      "Morteau", "France Victimes 25 Besançon", "France Victimes Nord Franche-Comté",
                      "CAF (Morbihan)", "CPAM (Morbihan)", "Pôle emploi (Morbihan)",
                      "Maisons départementales des solidarités (Vienne)"):
            assert place in names, place
        ccas = Structure.get(Structure.nom == "CCAS de Grenoble")  # not its antennes, which name it too
        assert sorted(a.places for a in ccas.antennes) == [6, 10]


def test_seed_list_page_shows_the_totals(as_role):
    with database.connection_context():
        load_seeds()
    page = as_role("viewer").get("/admin/scenario/").get_data(as_text=True)
    assert "95\u202f310,00\xa0€" in page and "109\u202f606,50\xa0€" in page


def test_seed_creates_no_person():
    from models import Referent, User

    with database.connection_context():
        users_before = User.select().count()
        load_seeds()
        assert Referent.select().count() == 0  # the documents name no referent
        assert User.select().count() == users_before


def test_create_user_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-user", "cli@ccas.fr", "--role", "editor", "--password", "un-long-secret"],
    )
    assert result.exit_code == 0 and "cli@ccas.fr" in result.output
    with database.connection_context():
        created = User.get(User.email == "cli@ccas.fr")
        assert created.role == "editor" and created.check_password("un-long-secret")
    short = runner.invoke(args=["create-user", "x@ccas.fr", "--password", "court"])
    assert short.exit_code != 0 and "au moins 12 caractères" in short.output
    with database.connection_context():
        assert not User.select().where(User.email == "x@ccas.fr").exists()


def test_init_db_says_the_schema_is_up_to_date(app):
    from models.schema import MIGRATIONS_DIRECTORY

    latest = sorted(path.stem for path in MIGRATIONS_DIRECTORY.glob("0*.py"))[-1]
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    count = len(list(MIGRATIONS_DIRECTORY.glob("0*.py")))
    assert f"Base à jour : {count} migration(s) appliquée(s), dont la dernière « {latest} »." in result.output
