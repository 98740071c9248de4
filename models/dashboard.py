"""Monday morning's to-do list: what the dashboard shows, for the whole network or a
territory with its sub-territories, in a fixed number of queries (13) whatever the
size of the directory, kept until something changes. The rules themselves live in network.py and follow_up.py."""
import datetime
from dataclasses import dataclass

from peewee import JOIN, fn

from .audit import AuditEntry
from .budget import Scenario, totals_for
from .budget.models import IN_FORCE
from .db import reading_order
from .directory import Referent, Structure, Territory, needs_review_condition, within_territory
from .follow_up import yearly_follow_up
from .meetings import Meeting
from .network import network_coverage
from .training import Attendance, Training

UPCOMING_LIMIT = 5
OVERDUE_LIMIT = 8


@dataclass
class OverdueRecord:
    """A structure or référent·e to check, the longest unchecked first."""

    kind: str  # "structure" or "referent"
    record: object
    date_maj: datetime.date

    @property
    def label(self):
        if self.kind == "referent":
            return f"{self.record} ({self.record.structure.nom})"
        return str(self.record)


@dataclass
class Dashboard:
    territory: Territory
    coverage: object  # network.Coverage of the territory (or the network)
    rows: list  # network.Coverage of each territory shown in the chart, in tree order
    follow_up: object  # follow_up.YearlyFollowUp of this year
    upcoming_trainings: list
    upcoming_meetings: list
    overdue: list
    scenario: Scenario = None
    scenario_totals: object = None


def _scoped(query, field, territory):
    return query.where(within_territory(field, territory)) if territory is not None else query


def upcoming_trainings(territory, today, limit=UPCOMING_LIMIT):
    query = (Training.select(Training, Territory).join(Territory, join_type=JOIN.LEFT_OUTER, attr="territory",
                                                       on=(Training.territory == Territory.id))
             .where(Training.date >= today).order_by(Training.date, reading_order(Training.theme)))
    return list(_scoped(query, Training.territory, territory).limit(limit))


def upcoming_meetings(territory, today, limit=UPCOMING_LIMIT):
    query = (Meeting.select(Meeting, Territory).join(Territory, join_type=JOIN.LEFT_OUTER, attr="territory",
                                                     on=(Meeting.territory == Territory.id))
             .where(Meeting.date >= today).order_by(Meeting.date))
    return list(_scoped(query, Meeting.territory, territory).limit(limit))


def overdue_records(territory, limit=OVERDUE_LIMIT):
    """The active structures and référent·e·s « à vérifier », the oldest check first
    (never checked before all); two queries."""
    structures = _scoped(Structure.select().where(
        (Structure.actif == True) & needs_review_condition(Structure.date_maj)),  # noqa: E712
        Structure.territory, territory)
    referents = _scoped(Referent.select(Referent, Structure).join(Structure, attr="structure").where(
        (Referent.actif == True) & needs_review_condition(Referent.date_maj)),  # noqa: E712
        Structure.territory, territory)
    found = [
        *(OverdueRecord("structure", s, s.date_maj)
          for s in structures.order_by(Structure.date_maj.asc(nulls="first"), Structure.id).limit(limit)),
        *(OverdueRecord("referent", r, r.date_maj)
          for r in referents.order_by(Referent.date_maj.asc(nulls="first"), Referent.id).limit(limit)),
    ]
    found.sort(key=lambda item: (item.date_maj is not None, item.date_maj or datetime.date.min))
    return found[:limit]


def last_change():
    """What tells that the figures may have changed, in one query of index look-ups:
    the newest line of the history (every save, delete, import and bulk action writes
    one, in whichever process it ran; its time tells a restored or emptied database
    from the one read before), and the newest record of each table counted."""
    newest = [fn.MAX(AuditEntry.id), fn.MAX(AuditEntry.created_at)]
    for model in (Structure, Referent, Attendance, Training, Meeting, Territory):
        newest.append(model.select(fn.MAX(model.id)))
    return AuditEntry.select(*newest).tuples().get()


_computed = {}  # (territory id, day) → Dashboard, all computed after the same last_change()
_computed_after = [None]


def dashboard(territory=None, today=None):
    """Everything the dashboard shows, for `territory` (a record, or None: all).

    The figures add up the whole directory (a few hundred milliseconds at 100 000
    référent·e·s): kept until the history gets a new line or the day changes (what is
    « à vérifier » depends on it), so a coordinator going back and forth between the
    dashboard and the grids waits once, and sees every change made since."""
    today = today or datetime.date.today()
    changed = last_change()
    if _computed_after[0] != changed:
        _computed.clear()
        _computed_after[0] = changed
    key = (getattr(territory, "id", None), today)
    if key not in _computed:
        _computed[key] = _compute(territory, today)
    return _computed[key]


def _compute(territory, today):
    total, rows = network_coverage()
    if territory is None:
        coverage, shown = total, [row for row in rows if row.depth <= 1]
    else:
        coverage = next(row for row in rows if row.territory.id == territory.id)
        shown = [coverage, *coverage.children]
    scenario = Scenario.select().where(Scenario.status == IN_FORCE).first()
    return Dashboard(
        territory=territory, coverage=coverage, rows=shown,
        follow_up=yearly_follow_up(today.year, territory, today=today),
        upcoming_trainings=upcoming_trainings(territory, today),
        upcoming_meetings=upcoming_meetings(territory, today),
        overdue=overdue_records(territory),
        scenario=scenario, scenario_totals=totals_for(scenario) if scenario else None,
    )
