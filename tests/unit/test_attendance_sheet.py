"""The attendance sheet's core (models/attendance_sheet.py) and a training's figures
(models/training.py), on a hand-built network with known answers."""
import datetime
from decimal import Decimal

import pytest

from models import Attendance, Training, ValidationError, database
from models.attendance_sheet import (
    SheetLine, find_referents, lines_token, read_sheet, roster, save_sheet,
)
from models.db import ConflictError
from models.training import attendance_figures, attendees_by_structure
from tests.helpers import QueryCounter, make_attendance_network, make_referent, make_structure


@pytest.fixture
def network():
    return make_attendance_network()


def names(sheet):
    return [(group.structure.nom, [f"{row.referent.prenom} {row.referent.nom}" for row in group.rows])
            for group in sheet.groups]


def reread(training):
    return Training.get_by_id(training.id)


def test_the_sheet_lists_the_territory_and_its_sub_territories_in_reading_order(network):
    with database.connection_context(), QueryCounter() as queries:
        sheet = roster(reread(network["training"]))
    assert names(sheet) == [
        ("CCAS de Poitiers", ["Ahmed Benali", "Claire Martin"]),  # Paul Ancien is inactive
        ("CIDFF de la Vienne", ["Hélène Dupré"]),  # a sub-territory
    ]
    assert queries.count == 2  # the training, then the sheet


def test_a_training_without_territory_lists_every_active_referent(network):
    with database.connection_context():
        training = Training.create(date=datetime.date(2027, 4, 1), theme="Accueillir")
        assert [name for name, _ in names(roster(training))] == [
            "CCAS de Châtellerault", "CCAS de Poitiers", "CIDFF de la Vienne", "France Victimes 25"]


def test_people_with_a_line_are_listed_even_from_elsewhere(network):
    with database.connection_context():
        training = reread(network["training"])
        Attendance.create(training=training, referent=network["emile"])
        Attendance.create(training=training, referent=network["inactive"], present=False)
        sheet = roster(training)
    rows = {row.referent.nom: row for group in sheet.groups for row in group.rows}
    assert rows["Zola"].outside and rows["Zola"].attendance.present
    assert rows["Ancien"].outside and not rows["Ancien"].attendance.present
    assert not rows["Martin"].outside and rows["Martin"].attendance is None


def test_too_many_people_lists_only_those_with_a_line(network, monkeypatch):
    monkeypatch.setattr("models.attendance_sheet.ROSTER_LIMIT", 2)
    with database.connection_context():
        training = reread(network["training"])
        Attendance.create(training=training, referent=network["helene"])
        sheet = roster(training)
    assert sheet.truncated and sheet.in_scope == 3
    assert names(sheet) == [("CIDFF de la Vienne", ["Hélène Dupré"])]


@pytest.mark.parametrize("text, expected", [
    ("helene", ["Hélène Dupré"]),
    ("HÉLÈNE dupre", ["Hélène Dupré"]),
    ("ccas poitiers", ["Ahmed Benali", "Claire Martin"]),  # the structure's name; not the inactive Paul
    ("chatellerault", ["Jules Verne"]),
    ("besancon", ["Émile Zola"]),  # the commune
    ("emile", ["Émile Zola"]),
    ("martin poitiers", ["Claire Martin"]),
    ("50%_", []),
    ("   ", []),
])
def test_the_search_ignores_case_and_accents(network, text, expected):
    with database.connection_context(), QueryCounter() as queries:
        found = find_referents(text)
    assert [f"{person.prenom} {person.nom}" for person in found] == expected
    assert queries.count <= 1


def test_the_search_gives_twenty_at_most(network):
    structure = make_structure("Mairie de Loudun", typologie="MUNI")
    for number in range(25):
        make_referent(structure, f"Agent {number:02}", prenom="Loudun")
    with database.connection_context():
        assert len(find_referents("loudun")) == 20


def save(training, lines, training_token=None, shown=None):
    with database.connection_context():
        training = reread(training)
        return save_sheet(training, training_token or training.version_token,
                          shown if shown is not None else lines_token(training), lines)


def lines_of(training):
    with database.connection_context():
        return {(a.referent.nom, a.present, a.evaluation) for a in Attendance.select()
                .where(Attendance.training == training.id)}


def test_ticked_become_present_unticked_absent_only_when_they_had_a_line(network):
    training = network["training"]
    claire, ahmed, helene = network["claire"].id, network["ahmed"].id, network["helene"].id
    saved = save(training, {claire: SheetLine(True, "5", False), ahmed: SheetLine(True, "", False),
                            helene: SheetLine(False, "", False)})
    assert saved.created == 2 and saved.updated == saved.deleted == 0
    assert lines_of(training) == {("Martin", True, 5), ("Benali", True, None)}

    saved = save(training, {claire: SheetLine(False, "", False), ahmed: SheetLine(True, "", False),
                            helene: SheetLine(True, "4", False)})
    assert (saved.created, saved.updated) == (1, 1)
    assert lines_of(training) == {("Martin", False, None), ("Benali", True, None), ("Dupré", True, 4)}
    assert save(training, {ahmed: SheetLine(False, "", True)}).deleted == 1
    assert lines_of(training) == {("Martin", False, None), ("Dupré", True, 4)}


def test_a_sheet_that_changes_nothing_writes_nothing(network):
    training = network["training"]
    save(training, {network["claire"].id: SheetLine(True, "", False)})
    with database.connection_context():
        version = reread(training).version
    assert save(training, {network["claire"].id: SheetLine(True, "", False)}).changed == 0
    with database.connection_context():
        assert reread(training).version == version


@pytest.mark.parametrize("lines, message", [
    ({"claire": SheetLine(True, "9", False)}, "Claire Martin : l'évaluation va de 1 à 5 (« 9 » reçu)."),
    ({"claire": SheetLine(True, "trois", False)}, "l'évaluation va de 1 à 5 (« trois » reçu)"),
    ({"claire": SheetLine(False, "4", False)}, "une personne absente n'évalue pas la formation"),
    ({"claire": SheetLine(True, "", True)}, "cochée présente et retirée à la fois"),
    ({999999: SheetLine(True, "", False)}, "Référent·e inconnu·e (n° 999999)"),
])
def test_bad_lines_are_refused_in_french_with_nothing_written(network, lines, message):
    lines = {network[key].id if isinstance(key, str) else key: line for key, line in lines.items()}
    lines[network["ahmed"].id] = SheetLine(True, "", False)  # a good line beside: not written either
    with pytest.raises(ValidationError) as error:
        save(network["training"], lines)
    assert message in error.value.describe()
    assert lines_of(network["training"]) == set()


def test_unreadable_ids_are_refused():
    with pytest.raises(ValidationError) as error:
        read_sheet(["1", "abc"], ["1"], [], {})
    assert "« abc » n'est pas un numéro de référent·e" in error.value.describe()
    assert read_sheet(["1", "2"], ["2"], ["1"], {"2": " 4 "}) == {
        1: SheetLine(False, "", True), 2: SheetLine(True, "4", False)}


def test_a_stale_sheet_is_refused_with_nothing_written(network):
    training = network["training"]
    with database.connection_context():
        opened = reread(training)
        token, shown = opened.version_token, lines_token(opened)
    save(training, {network["claire"].id: SheetLine(True, "", False)})  # someone else's save
    with pytest.raises(ConflictError):
        save(training, {network["ahmed"].id: SheetLine(True, "", False)}, token, shown)
    # A line changed in the présences grid since the sheet was opened: refused too.
    with database.connection_context():
        opened = reread(training)
        token, shown = opened.version_token, lines_token(opened)
        line = Attendance.get(Attendance.training == training.id)
        line.evaluation = 3
        line.save()
    with pytest.raises(ConflictError):
        save(training, {network["ahmed"].id: SheetLine(True, "", False)}, token, shown)
    assert lines_of(training) == {("Martin", True, 3)}


def test_figures_of_a_training(network):
    training = network["training"]
    save(training, {network["claire"].id: SheetLine(True, "5", False),
                    network["ahmed"].id: SheetLine(True, "4", False),
                    network["helene"].id: SheetLine(True, "", False),
                    network["emile"].id: SheetLine(True, "4", False)})
    save(training, {network["helene"].id: SheetLine(False, "", False)})  # absent after all
    with database.connection_context(), QueryCounter() as queries:
        figures = attendance_figures(training)
        groups = attendees_by_structure(training)
    assert queries.count == 2
    assert (figures.registered, figures.present, figures.rate) == (4, 3, Decimal("0.75"))
    assert figures.average_evaluation == Decimal("4.3")  # 13 / 3
    assert [(g.structure.nom, [a.referent.nom for a in g.attendances], g.figures.present,
             g.figures.registered) for g in groups] == [
        ("CCAS de Poitiers", ["Benali", "Martin"], 2, 2),
        ("CIDFF de la Vienne", ["Dupré"], 0, 1),
        ("France Victimes 25", ["Zola"], 1, 1),
    ]
    assert groups[1].figures.rate == 0 and groups[1].figures.average_evaluation is None
    with database.connection_context():
        empty = Training.create(date=datetime.date(2027, 5, 1), theme="Vide")
        assert attendance_figures(empty).rate is None and attendees_by_structure(empty) == []
