"""The year's follow-up (models/follow_up.py) on a hand-built network with known answers:
a département holding two réseaux, a territory outside it, a training and meetings
planned later in the year, one of the year before; targets of the network and of one
territory; a scenario en vigueur whose « Formations » line is indexed."""
import datetime
from decimal import Decimal

import pytest
from peewee import IntegrityError

from models import (
    Attendance, CostLine, Meeting, Scenario, Target, Training, ValidationError, database,
)
from models.follow_up import meeting_counts, yearly_follow_up
from models.meetings import SESSIONS, HALF_DAYS, meeting_indicator
from tests.helpers import QueryCounter, make_referent, make_scenario, make_structure, make_territory

TODAY = datetime.date(2026, 6, 30)
D = datetime.date


@pytest.fixture
def network():
    vienne = make_territory("Vienne", kind="departement")
    poitiers = make_territory("RVC Poitiers", parent=vienne)
    chatellerault = make_territory("RVC Châtellerault", parent=vienne)
    doubs = make_territory("Doubs", kind="departement")
    ccas = make_structure("CCAS de Poitiers", territory=poitiers)
    cidff = make_structure("CIDFF de Châtellerault", territory=chatellerault)
    fv = make_structure("France Victimes 25", territory=doubs)
    r1, r2, r3 = (make_referent(ccas, nom=n) for n in ("Martin", "Bernard", "Durand"))
    r4, r5 = make_referent(cidff, nom="Petit"), make_referent(fv, nom="Robert")
    with database.connection_context():
        def training(date, territory, half_days, cost="350", room="0"):
            return Training.create(date=date, theme="Accueil", territory=territory, half_days=half_days,
                                   cost_per_half_day=Decimal(cost), room_cost=Decimal(room))
        t1 = training(D(2026, 2, 10), poitiers, 2, room="100")      # 800,00 €
        t2 = training(D(2026, 4, 5), chatellerault, 3)              # 1 050,00 €
        t3 = training(D(2026, 5, 1), doubs, 1, "200", "50.55")      # 250,55 €
        t4 = training(D(2026, 10, 1), poitiers, 2)                  # planned
        t5 = training(D(2025, 11, 1), vienne, 4)                    # the year before
        for t, referent, present, evaluation in (
            (t1, r1, True, 5), (t1, r2, True, 3), (t1, r3, False, None),
            (t2, r1, True, 4), (t2, r4, True, None),
            (t3, r5, True, 2),
            (t4, r2, True, None), (t5, r3, True, 1),
        ):
            Attendance.create(training=t, referent=referent, present=present, evaluation=evaluation)
        for date, territory, kind in (
            (D(2026, 1, 15), poitiers, "cellule_operationnelle"),
            (D(2026, 3, 10), chatellerault, "cellule_operationnelle"),
            (D(2026, 3, 20), vienne, "comite_pilotage"),
            (D(2026, 9, 1), poitiers, "cellule_operationnelle"),     # planned
            (D(2026, 2, 1), doubs, "lancement_bassin"),
            (D(2025, 12, 1), poitiers, "cellule_operationnelle"),    # the year before
            (D(2026, 5, 5), None, "reunion_reseau"),
        ):
            Meeting.create(date=date, territory=territory, kind=kind)
        for territory, indicator, value in (
            (None, SESSIONS, 2), (None, HALF_DAYS, 12), (poitiers, SESSIONS, 1),
            (None, meeting_indicator("cellule_operationnelle"), 4),
        ):
            Target.create(year=2026, territory=territory, indicator=indicator, value=value)
    return {"vienne": vienne, "poitiers": poitiers, "chatellerault": chatellerault, "doubs": doubs}


def follow_up(territory=None, year=2026):
    with database.connection_context():
        return yearly_follow_up(year, territory, today=TODAY)


def test_the_whole_network(network):
    f = follow_up()
    assert (f.sessions.held, f.sessions.planned, f.sessions.target, f.sessions.target_scope) == (3, 1, 2, "network")
    assert (f.half_days.held, f.half_days.planned, f.half_days.target) == (6, 2, 12)
    assert f.sessions.reached and not f.half_days.reached and f.half_days.remaining == 6
    assert (f.registered, f.present, f.attendees) == (6, 5, 4)
    assert f.attendance_rate == Decimal("83.33")
    assert (f.evaluations, f.evaluation_average) == (4, Decimal("3.50"))
    assert f.training_cost == Decimal("2100.55")
    meetings = {kind: (m.held, m.planned, m.target) for kind, m in f.meetings.items()}
    assert meetings == {
        "lancement_bassin": (1, 0, None), "cellule_operationnelle": (2, 1, 4),
        "comite_pilotage": (1, 0, None), "comite_suivi": (0, 0, None),
        "reunion_reseau": (1, 0, None), "autre": (0, 0, None),
    }


def test_a_departement_counts_its_two_reseaux(network):
    f = follow_up(network["vienne"])
    assert (f.sessions.held, f.sessions.planned, f.sessions.target, f.sessions.target_scope) == (2, 1, 2, "network")
    assert (f.half_days.held, f.half_days.planned) == (5, 2)
    assert (f.registered, f.present, f.attendees) == (5, 4, 3)
    assert f.attendance_rate == Decimal("80.00")
    assert f.evaluation_average == Decimal("4.00")
    assert f.training_cost == Decimal("1850.00")
    assert (f.meetings["cellule_operationnelle"].held, f.meetings["cellule_operationnelle"].planned) == (2, 1)
    assert f.meetings["comite_pilotage"].held == 1 and f.meetings["lancement_bassin"].held == 0
    assert f.meetings["reunion_reseau"].held == 0  # the meeting with no territory is the network's only


def test_a_territory_has_its_own_target_else_the_networks(network):
    f = follow_up(network["poitiers"])
    assert (f.sessions.held, f.sessions.planned, f.sessions.target, f.sessions.target_scope) == (1, 1, 1, "territory")
    assert (f.half_days.target, f.half_days.target_scope) == (12, "network")
    assert (f.registered, f.present, f.attendees, f.attendance_rate) == (3, 2, 2, Decimal("66.67"))
    assert f.training_cost == Decimal("800.00")
    other = follow_up(network["doubs"])
    assert (other.sessions.held, other.sessions.target, other.training_cost) == (1, 2, Decimal("250.55"))
    assert follow_up(network["poitiers"], year=2027).sessions.target is None  # no target that year


def test_the_training_cost_in_sql_is_the_python_cost(network):
    with database.connection_context():
        held = Training.select().where(Training.date.between(D(2026, 1, 1), TODAY))
        assert follow_up().training_cost == sum(t.cost for t in held)


def test_a_year_with_nothing(network):
    f = follow_up(year=2030)
    assert (f.sessions.held, f.registered, f.attendance_rate, f.evaluation_average) == (0, 0, None, None)
    assert f.training_cost == Decimal("0.00")


def test_the_budget_is_the_formations_line_of_the_scenario_en_vigueur(network):
    assert follow_up().training_budget is None and "en vigueur" in follow_up().budget_note
    scenario = make_scenario("Scénario 2", start_year=2025, duration_years=3,
                             indexation_rate=Decimal("10"), status="en_vigueur")
    make_scenario("Brouillon", start_year=2026)  # not in force: not read
    with database.connection_context():
        for category, amount, one_off in (("Formations", "5700", False), ("Formations", "1000", True),
                                          ("Personnel", "36000", False)):
            CostLine.create(scenario=scenario, category=category, designation=category,
                            amount=Decimal(amount), is_one_off=one_off)
    f = follow_up()
    assert f.budget_scenario.id == scenario.id
    assert f.training_budget == Decimal("6270.00")  # year 2: 5 700 € indexed once by 10 %
    assert f.budget_left == Decimal("6270.00") - Decimal("2100.55")
    assert follow_up(year=2025).training_budget == Decimal("6700.00")  # year 1: with the one-off line
    outside = follow_up(year=2030)
    assert outside.training_budget is None
    assert outside.budget_note == "Le scénario en vigueur « Scénario 2 » couvre 2025 à 2027, pas 2030."


def test_meeting_counts_per_year_territory_and_kind(network):
    with database.connection_context():
        in_vienne = meeting_counts(2026, network["vienne"], today=TODAY)
        everything = meeting_counts(today=TODAY)
    assert [(r.territory_name, r.kind, r.count) for r in in_vienne] == [
        ("RVC Châtellerault", "cellule_operationnelle", 1),
        ("RVC Poitiers", "cellule_operationnelle", 1),
        ("Vienne", "comite_pilotage", 1),
    ]
    assert [(r.year, r.territory_name, r.kind_label, r.count) for r in everything] == [
        (2025, "RVC Poitiers", "Cellule opérationnelle", 1),
        (2026, "Doubs", "Réunion de lancement par bassin de vie", 1),
        (2026, "RVC Châtellerault", "Cellule opérationnelle", 1),
        (2026, "RVC Poitiers", "Cellule opérationnelle", 1),
        (2026, "Vienne", "Comité de pilotage", 1),
        (2026, None, "Réunion de réseau", 1),
    ]


def grow(network, size):
    """`size` more trainings (each with 3 attendances) and meetings in the Vienne."""
    structure = make_structure(f"Structure {size}", territory=network["poitiers"])
    referents = [make_referent(structure, nom=f"N{size}-{i}") for i in range(3)]
    with database.connection_context(), database.atomic():
        for i in range(size):
            training = Training.create(date=D(2026, 1 + i % 6, 1 + i % 28), theme=f"T{i}",
                                       territory=network["chatellerault"], half_days=1)
            for referent in referents:
                Attendance.create(training=training, referent=referent, evaluation=1 + i % 5)
            Meeting.create(date=D(2026, 1 + i % 12, 1), territory=network["poitiers"], kind="autre")


def queries_of(function):
    with database.connection_context(), QueryCounter() as queries:
        function()
    return queries.count


def test_a_fixed_number_of_queries_whatever_the_size(network):
    make_scenario("En vigueur", start_year=2026, status="en_vigueur")
    counts = []
    for size in (5, 120):
        grow(network, size)
        counts.append((queries_of(lambda: yearly_follow_up(2026, network["vienne"], today=TODAY)),
                       queries_of(lambda: yearly_follow_up(2026, today=TODAY)),
                       queries_of(lambda: meeting_counts(2026, network["vienne"], today=TODAY))))
    assert counts[0] == counts[1] == (6, 6, 1), counts
    assert follow_up(network["vienne"]).sessions.held == 2 + 125


def test_one_scenario_en_vigueur_at_most(network):
    first = make_scenario("Scénario 2", status="en_vigueur")
    with database.connection_context():
        second = Scenario(name="Variante", status="en_vigueur")
        with pytest.raises(ValidationError) as refused:
            second.save()
        assert refused.value.errors["status"].startswith("« Scénario 2 » est déjà en vigueur\u00a0:")
        assert Scenario.select().count() == 1
        first.status = "valide"
        first.save()
        second.save()  # once the first is no longer in force
        first.status = "en_vigueur"
        with pytest.raises(ValidationError):
            first.save()
        # The database holds the rule too, past the model's check.
        with pytest.raises(IntegrityError), database.atomic():
            Scenario.insert(name="Contournement", status="en_vigueur").execute()


def test_targets_are_unique_for_the_whole_network_too(network):
    with database.connection_context():
        with pytest.raises(ValidationError) as refused:
            Target.create(year=2026, territory=None, indicator=SESSIONS, value=3)
        assert "existe déjà pour tout le réseau en 2026" in refused.value.errors["indicator"]
        with pytest.raises(ValidationError) as negative:
            Target.create(year=2027, territory=None, indicator=SESSIONS, value=-1)
        assert negative.value.errors["value"] == "L'objectif ne peut pas être négatif."
        with pytest.raises(IntegrityError), database.atomic():
            Target.insert(year=2026, territory=None, indicator=SESSIONS, value=3, version=1).execute()
        Target.create(year=2026, territory=network["vienne"], indicator=SESSIONS, value=3)  # another territory: fine


def test_deleting_a_territory_deletes_its_targets_and_keeps_its_meetings(network):
    with database.connection_context():
        network["poitiers"].delete_with_dependents()
        assert Target.select().where(Target.indicator == SESSIONS).count() == 1  # the network's
        assert Meeting.select().where(Meeting.territory.is_null()).count() == 4
