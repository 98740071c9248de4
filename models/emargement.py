"""The feuille d'émargement of a training: one sheet to sign per half-day.

Who is printed, by choice:
- the people registered for the training on « Saisir les présences » (its Attendance
  lines, present or not: being registered is being expected);
- when nobody is registered yet, the active référent·e·s of the training's territory
  and its sub-territories (every active référent·e without a territory), the list
  « Saisir les présences » starts from (models/attendance_sheet.py), at most
  ROSTER_LIMIT people;
- then blank lines for whoever comes unannounced: at least MIN_BLANK_LINES, up to the
  training's number of places when it has one (MAX_BLANK_LINES at most).

Half-days: a training has one date and a number of half-days. Half-days 1 and 2 are
that day's morning and afternoon; the date of the later ones is not in the database,
so their sheets leave it blank, to be written by hand.

The « Cofinancé par l'Union européenne » mention is printed when the training says
it is co-funded by the FSE+ (Training.eu_cofunded): said on the training, not
inferred from a budget scenario, since one scenario funds many trainings and only
some of them are declared to the FSE+.
"""
import datetime
from typing import NamedTuple

from .attendance_sheet import ROSTER_LIMIT, _scope
from .db import reading_order
from .directory import Referent, Structure
from .training import Attendance, Training

MIN_BLANK_LINES = 5
MAX_BLANK_LINES = 30
EU_MENTION = "Cofinancé par l'Union européenne"
REGISTERED, TERRITORY = "registered", "territory"
SOURCE_LABELS = {
    REGISTERED: "les personnes inscrites à la formation",
    TERRITORY: "personne n'est encore inscrit·e\u00a0: les référent·e·s actif·ve·s du territoire",
}


class HalfDay(NamedTuple):
    number: int
    total: int
    date: datetime.date   # None: to be written by hand
    moment: str           # « matin » or « après-midi »

    @property
    def label(self):
        return f"Demi-journée {self.number} sur {self.total}"


class ExpectedPerson(NamedTuple):
    name: str
    structure: str


class SignatureSheet(NamedTuple):
    training: Training
    half_days: list
    people: list          # ExpectedPerson, structures then names in reading order
    source: str           # REGISTERED or TERRITORY
    blank_lines: int
    eu_cofunded: bool

    @property
    def source_label(self):
        return SOURCE_LABELS[self.source]


def half_days_of(training):
    """HalfDay 1..N of `training` (dates for the first day only)."""
    total = max(int(training.half_days or 1), 1)
    return [HalfDay(number, total, training.date if number <= 2 else None,
                    "matin" if number % 2 else "après-midi")
            for number in range(1, total + 1)]


def _person(referent):
    return ExpectedPerson(f"{referent.prenom} {referent.nom}".strip(), referent.structure.nom)


def _ordered(query):
    return (query.order_by(reading_order(Structure.nom), Structure.id, reading_order(Referent.nom),
                           reading_order(Referent.prenom), Referent.id))


def expected_people(training):
    """(ExpectedPerson list, REGISTERED or TERRITORY): two queries at most."""
    base = Referent.select(Referent, Structure).join(
        Structure, on=Referent.structure == Structure.id, attr="structure")
    registered = _ordered(base.where(Referent.id.in_(
        Attendance.select(Attendance.referent).where(Attendance.training == training.id))))
    people = [_person(r) for r in registered]
    if people:
        return people, REGISTERED
    return [_person(r) for r in _ordered(base.where(_scope(training))).limit(ROSTER_LIMIT)], TERRITORY


def blank_lines_for(training, people_count):
    wanted = (training.capacity or 0) - people_count
    return min(max(MIN_BLANK_LINES, wanted), MAX_BLANK_LINES)


def signature_sheet(training):
    people, source = expected_people(training)
    return SignatureSheet(training, half_days_of(training), people, source,
                          blank_lines_for(training, len(people)), bool(training.eu_cofunded))
