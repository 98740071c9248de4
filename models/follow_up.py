"""The year's follow-up: what was held against the targets (models/meetings.py).

`yearly_follow_up(year, territory)` answers, for the whole network or for a territory
and its sub-territories (within_territory): training sessions and half-days held vs
target, référent·e·s who attended, attendance rate, average evaluation, training cost
spent vs the « Formations » line of the scenario en vigueur, meetings held per kind vs
target. `meeting_counts()` counts meetings per year × territory × kind.

"Held" means dated on or before `today` (a training or meeting later in the year is
planned, counted apart). Every figure is computed by the database, in a fixed number
of queries whatever the number of trainings, attendances or meetings (6 and 1).
Targets for a territory: its own, else the whole network's (meetings.targets_for).
The scenario's « Formations » line is the whole network's budget, whatever the
territory asked for.
"""
import datetime
from collections import OrderedDict, namedtuple
from dataclasses import dataclass, field
from decimal import Decimal

from peewee import JOIN, Case, fn

from .budget.figures import MONEY_PLACES, ScenarioTotals, _units
from .budget.models import IN_FORCE, CostLine, Scenario
from .db import alphabetical
from .directory import Territory, within_territory
from .formatting import to_cents
from .meetings import (
    HALF_DAYS, MEETING_KIND_LABELS, MEETING_KINDS, SESSIONS, TARGET_INDICATOR_LABELS, Meeting,
    meeting_indicator, targets_for,
)
from .training import Attendance, Training

TRAINING_CATEGORY = "Formations"  # the scenario's cost lines the training budget adds up


@dataclass
class IndicatorFigure:
    """One indicator of the year: held (up to today), planned (later in the year), target."""

    indicator: str
    held: int = 0
    planned: int = 0
    target: int = None
    target_scope: str = None  # "territory" (its own), "network" (the whole network's) or None

    @property
    def label(self):
        return TARGET_INDICATOR_LABELS[self.indicator]

    @property
    def reached(self):
        return None if self.target is None else self.held >= self.target

    @property
    def remaining(self):
        """What is left to hold to reach the target (0 once reached), or None."""
        return None if self.target is None else max(self.target - self.held, 0)


@dataclass
class YearlyFollowUp:
    year: int
    territory_id: int = None
    today: datetime.date = None
    indicators: "OrderedDict[str, IndicatorFigure]" = field(default_factory=OrderedDict)
    attendees: int = 0  # distinct référent·e·s present at one training held at least
    registered: int = 0  # attendance rows of the trainings held
    present: int = 0
    evaluations: int = 0  # present attendees who gave an evaluation
    evaluation_total: int = 0
    training_cost: Decimal = Decimal("0.00")  # of the trainings held
    training_budget: Decimal = None  # the « Formations » line of the scenario en vigueur, that year
    budget_scenario: Scenario = None
    budget_note: str = None  # why there is no budget to compare with, in French

    @property
    def sessions(self):
        return self.indicators[SESSIONS]

    @property
    def half_days(self):
        return self.indicators[HALF_DAYS]

    @property
    def meetings(self):
        """kind → IndicatorFigure, in MEETING_KINDS order."""
        return OrderedDict((kind, self.indicators[meeting_indicator(kind)]) for kind, _ in MEETING_KINDS)

    @property
    def attendance_rate(self):
        """Present / registered, in % to the hundredth (None without registrations)."""
        return to_cents(Decimal(self.present) * 100 / self.registered) if self.registered else None

    @property
    def evaluation_average(self):
        """Average evaluation (1–5) to the hundredth, or None."""
        return to_cents(Decimal(self.evaluation_total) / self.evaluations) if self.evaluations else None

    @property
    def budget_left(self):
        return None if self.training_budget is None else self.training_budget - self.training_cost


def training_cost_cents_sql():
    """SQL twin of Training.cost (half-days × cost per half-day + room), in whole cents:
    exact on SQLite too, which sums decimals as floats. Agreement tested in
    tests/unit/test_follow_up.py."""
    return (Training.half_days * _units(Training.cost_per_half_day, MONEY_PLACES)
            + _units(fn.COALESCE(Training.room_cost, 0), MONEY_PLACES))


def _scoped(query, territory_field, territory_id):
    return query if territory_id is None else query.where(within_territory(territory_field, territory_id))


def _year_bounds(year):
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def _count_if(condition):
    return fn.COUNT(Case(None, [(condition, 1)]))


def _sum_if(condition, expression):
    return fn.COALESCE(fn.SUM(Case(None, [(condition, expression)], 0)), 0)


def yearly_follow_up(year, territory=None, today=None):
    """The follow-up of `year` for `territory` (a record, an id, or None: the whole network)."""
    today = today or datetime.date.today()
    territory_id = getattr(territory, "id", territory)
    start, end = _year_bounds(year)
    figures = YearlyFollowUp(year=year, territory_id=territory_id, today=today)
    targets = targets_for(year, territory_id)
    for code in (SESSIONS, HALF_DAYS, *(meeting_indicator(kind) for kind, _ in MEETING_KINDS)):
        target, scope = targets.get(code, (None, None))
        figures.indicators[code] = IndicatorFigure(code, target=target, target_scope=scope)

    # Trainings of the year: held ones, planned ones, half-days, cost (query 2).
    held = Training.date <= today
    sessions_held, sessions_all, half_days_held, half_days_all, cost_cents = _scoped(Training.select(
        _count_if(held), fn.COUNT(Training.id),
        _sum_if(held, Training.half_days), fn.COALESCE(fn.SUM(Training.half_days), 0),
        _sum_if(held, training_cost_cents_sql()),
    ).where(Training.date.between(start, end)), Training.territory, territory_id).tuples().get()
    figures.sessions.held, figures.sessions.planned = sessions_held, sessions_all - sessions_held
    figures.half_days.held, figures.half_days.planned = int(half_days_held), int(half_days_all - half_days_held)
    figures.training_cost = Decimal(int(cost_cents)).scaleb(-2)

    # Attendance at the trainings held (query 3).
    present = Attendance.present == True  # noqa: E712 (SQL)
    rated = present & Attendance.evaluation.is_null(False)
    row = _scoped(Attendance.select(
        fn.COUNT(Attendance.id), _count_if(present),
        fn.COUNT(fn.DISTINCT(Case(None, [(present, Attendance.referent)]))),
        _count_if(rated), _sum_if(rated, Attendance.evaluation),
    ).join(Training).where(Training.date.between(start, min(end, today))),
        Training.territory, territory_id).tuples().get()
    figures.registered, figures.present, figures.attendees, figures.evaluations, total = map(int, row)
    figures.evaluation_total = total

    # Meetings per kind (query 4).
    meetings = _scoped(Meeting.select(
        Meeting.kind, _count_if(Meeting.date <= today), fn.COUNT(Meeting.id),
    ).where(Meeting.date.between(start, end)), Meeting.territory, territory_id).group_by(Meeting.kind)
    for kind, held_count, all_count in meetings.tuples():
        indicator = figures.indicators.get(meeting_indicator(kind))
        if indicator is not None:
            indicator.held, indicator.planned = held_count, all_count - held_count

    _training_budget(figures, year)  # queries 5 and 6
    return figures


def _training_budget(figures, year):
    scenario = Scenario.select().where(Scenario.status == IN_FORCE).first()
    if scenario is None:
        figures.budget_note = "Aucun scénario n'est « en vigueur »\u00a0: marquez-en un pour comparer le coût des formations à son budget."
        return
    figures.budget_scenario = scenario
    lines = CostLine.select().where((CostLine.scenario == scenario.id) & (CostLine.category == TRAINING_CATEGORY))
    years = {y.year: y for y in ScenarioTotals(scenario, lines.order_by(CostLine.id)).years}
    if year not in years:
        last = scenario.start_year + scenario.duration_years - 1
        figures.budget_note = (f"Le scénario en vigueur « {scenario.name} » couvre {scenario.start_year}"
                               + (f" à {last}" if last != scenario.start_year else "")
                               + f", pas {year}.")
        return
    figures.training_budget = years[year].cost


MeetingCount = namedtuple("MeetingCount", "year territory_id territory_name kind count")
MeetingCount.__doc__ = "Meetings held in a year, in a territory (None: none given), of a kind."
MeetingCount.kind_label = property(lambda self: MEETING_KIND_LABELS.get(self.kind, self.kind))


def meeting_counts(year=None, territory=None, today=None):
    """Meetings held (dated on or before `today`), per year × territory × kind, in
    `year` (or all years) and `territory` with its sub-territories (or all): a list of
    MeetingCount by year, territory name and kind (one query)."""
    today = today or datetime.date.today()
    territory_id = getattr(territory, "id", territory)
    meeting_year = Meeting.date.year
    query = (Meeting.select(meeting_year.alias("year"), Meeting.territory, Territory.name, Meeting.kind,
                            fn.COUNT(Meeting.id))
             .join(Territory, JOIN.LEFT_OUTER, on=(Meeting.territory == Territory.id))
             .where(Meeting.date <= today))
    if year is not None:
        query = query.where(Meeting.date.between(*_year_bounds(year)))
    query = _scoped(query, Meeting.territory, territory_id)
    query = query.group_by(meeting_year, Meeting.territory, Territory.name, Meeting.kind)
    kind_order = Case(Meeting.kind, [(kind, index) for index, (kind, _) in enumerate(MEETING_KINDS)],
                      len(MEETING_KINDS))
    no_territory_last = Case(None, [(Meeting.territory.is_null(), 1)], 0)
    query = query.order_by(meeting_year, no_territory_last, alphabetical(Territory.name),
                           Meeting.territory, kind_order)
    return [MeetingCount(int(y), tid, name, kind, count) for y, tid, name, kind, count in query.tuples()]
