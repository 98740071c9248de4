"""Rules of the directory told twice (for one record in Python, for lists in SQL):
both forms must give the same answer."""
import datetime

import pytest

from models import Referent, Structure, database
from models.directory import REVIEW_AFTER_DAYS, needs_review, needs_review_condition
from tests.helpers import make_referent, make_structure

TODAY = datetime.date.today()
# Around the 12-month limit, and far on either side.
AGES_IN_DAYS = {
    -30: False,  # dated in the future (typed ahead): not to review
    0: False,
    REVIEW_AFTER_DAYS - 1: False,
    REVIEW_AFTER_DAYS: False,  # exactly 12 months: still fresh
    REVIEW_AFTER_DAYS + 1: True,
    REVIEW_AFTER_DAYS + 2: True,
    3 * REVIEW_AFTER_DAYS: True,
}


def days_ago(days):
    return TODAY - datetime.timedelta(days=days)


@pytest.mark.parametrize("days, expected", sorted(AGES_IN_DAYS.items()))
def test_needs_review_around_twelve_months(days, expected):
    assert needs_review(days_ago(days)) is expected
    # `today` moves the limit with it
    assert needs_review(days_ago(days), today=TODAY + datetime.timedelta(days=1)) is (
        days + 1 > REVIEW_AFTER_DAYS
    )


def test_a_record_never_checked_needs_review():
    assert needs_review(None) is True


def test_structures_to_review_are_the_same_in_python_and_in_sql():
    with database.connection_context():
        for days in AGES_IN_DAYS:
            make_structure(f"Structure de {days} jours", date_maj=days_ago(days))
        in_sql = {
            s.nom for s in Structure.select().where(needs_review_condition(Structure.date_maj))
        }
        in_python = {s.nom for s in Structure.select() if s.needs_review}
    expected = {f"Structure de {days} jours" for days, late in AGES_IN_DAYS.items() if late}
    assert in_sql == in_python == expected


def test_referents_to_review_are_the_same_in_python_and_in_sql():
    structure = make_structure()
    with database.connection_context():
        for days in AGES_IN_DAYS:
            make_referent(structure, nom=f"R{days}", date_maj=days_ago(days))
        in_sql = {r.nom for r in Referent.select().where(needs_review_condition(Referent.date_maj))}
        in_python = {r.nom for r in Referent.select() if r.needs_review}
    assert in_sql == in_python == {f"R{days}" for days, late in AGES_IN_DAYS.items() if late}


def test_an_empty_date_needs_review_in_sql_too():
    """date_maj cannot be empty; the SQL rule's empty branch is checked on a date that can."""
    structure = make_structure()
    with database.connection_context():
        make_referent(structure, nom="Sans date", date_designation=None)
        make_referent(structure, nom="Récente", date_designation=days_ago(10))
        make_referent(structure, nom="Ancienne", date_designation=days_ago(REVIEW_AFTER_DAYS + 1))
        in_sql = {
            r.nom for r in Referent.select().where(needs_review_condition(Referent.date_designation))
        }
        in_python = {r.nom for r in Referent.select() if needs_review(r.date_designation)}
    assert in_sql == in_python == {"Sans date", "Ancienne"}
