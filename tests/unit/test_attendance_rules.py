"""Attendance at trainings (models/training.py): who may be recorded, and who is trained."""
import datetime

import pytest

from models import Attendance, Referent, Training, ValidationError, database
from models.training import is_trained, is_trained_column, is_trained_expression
from tests.helpers import make_referent, make_structure


def make_training(theme="Repérer les violences", day=12):
    with database.connection_context():
        return Training.create(date=datetime.date(2026, 3, day), theme=theme, half_days=1)


def attend(training, referent, **fields):
    with database.connection_context():
        return Attendance.create(training=training, referent=referent, **fields)


def refusal(**fields):
    """The errors Attendance.create raises for these fields, with nothing written."""
    with database.connection_context():
        before = Attendance.select().count()
        with pytest.raises(ValidationError) as error:
            Attendance.create(**fields)
        assert Attendance.select().count() == before
    return error.value.errors


def test_the_same_person_cannot_attend_the_same_training_twice():
    training, referent = make_training(), make_referent(make_structure())
    attend(training, referent)
    assert refusal(training=training, referent=referent, present=False) == {
        "referent": "Cette personne est déjà inscrite à cette formation.",
    }
    # another training, or editing the attendance itself, is fine
    attend(make_training("Accueillir", day=13), referent)
    with database.connection_context():
        attendance = Attendance.get(Attendance.training == training)
        attendance.evaluation = 4
        attendance.save()
        assert Attendance.get_by_id(attendance.id).evaluation == 4


@pytest.mark.parametrize("evaluation, accepted", [
    (None, True), (1, True), (3, True), (5, True), (0, False), (6, False), (-1, False),
])
def test_evaluation_goes_from_one_to_five(evaluation, accepted):
    training, referent = make_training(), make_referent(make_structure())
    if accepted:
        attend(training, referent, evaluation=evaluation)
        with database.connection_context():
            assert Attendance.get().evaluation == evaluation
    else:
        assert refusal(training=training, referent=referent, evaluation=evaluation) == {
            "evaluation": "L'évaluation va de 1 à 5.",
        }


def test_training_and_referent_are_required():
    training, referent = make_training(), make_referent(make_structure())
    assert refusal(referent=referent) == {"training": "Choisissez la formation."}
    assert refusal(training=training) == {"referent": "Choisissez le ou la référent·e."}
    assert refusal() == {
        "training": "Choisissez la formation.", "referent": "Choisissez le ou la référent·e.",
    }


def test_trained_means_present_at_one_training_at_least_in_python_and_in_sql():
    structure = make_structure()
    never = make_referent(structure, nom="Jamais")
    absent = make_referent(structure, nom="Absente")
    present = make_referent(structure, nom="Présente")
    once = make_referent(structure, nom="Une fois")
    first, second = make_training(day=12), make_training("Accueillir", day=13)
    attend(first, absent, present=False)
    attend(first, present)
    attend(first, once, present=False)
    attend(second, once, present=True)
    with database.connection_context():
        in_sql = {r.nom for r in Referent.select().where(is_trained_expression())}
        in_python = {r.nom for r in Referent.select() if is_trained(r)}
        assert in_sql == in_python == {"Présente", "Une fois"}
        # the grid's column (a look-up per row) and the filters' form say the same
        for expression in (is_trained_column, is_trained_expression):
            column = {
                r.nom: bool(r.trained)
                for r in Referent.select(Referent.nom, expression().alias("trained"))
            }
            assert column == {"Jamais": False, "Absente": False, "Présente": True, "Une fois": True}
    assert not is_trained(never)
