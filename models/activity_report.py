"""The yearly activity report (« bilan d'activité ») for the comité de suivi and the
FSE+: what the network did in a year, for the whole network or a territory with its
sub-territories, from the rules that already count it (no figure recomputed here):

- trainings and half-days held vs target, attendance, cost vs the scenario en
  vigueur's « Formations » budget: models/follow_up.yearly_follow_up;
- attendees by structure type (typologie): distinct people present and the
  half-days they attended, at trainings held that year (one query);
- meetings held per kind: follow_up.meeting_counts, per territory, and the kinds'
  totals vs target from yearly_follow_up;
- coverage of structures by référent·e·s: models/network (as of the day the report
  is made: the database keeps no past coverage), and its change over the year as the
  audit history records it: référent·e·s created, deactivated and reactivated that
  year in the territory (models/audit.AuditEntry). A structure's coverage on 1 January
  is NOT reconstructed: the history says who changed, not which structures were
  covered then.

Reports hold aggregates only (counts, money, territory and training titles): no
person's name, so the RGPD erasure has nothing to look for in them. Each report
generated is archived byte for byte (ActivityReport), like committee packs.
"""
import datetime
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field

from peewee import JOIN, Case, ForeignKeyField, IntegerField, fn

from .audit import AuditEntry
from .committee import ArchivedDocument
from .db import reading_order
from .directory import TYPOLOGY_LABELS, Referent, Structure, Territory, subtree_ids, within_territory
from .follow_up import meeting_counts, yearly_follow_up
from .network import network_coverage
from .training import Attendance, Training
from .validation import ValidationError

REPORT_TITLE = "Bilan d'activité"
FIRST_YEAR, LAST_YEAR = 2000, 2100


class ActivityReport(ArchivedDocument):
    """An activity report as it was generated (XLSX or PDF), kept for later."""

    year = IntegerField(verbose_name="Année")
    territory = ForeignKeyField(Territory, verbose_name="Territoire", null=True, on_delete="SET NULL",
                                backref="activity_reports")

    class Meta:
        table_name = "activity_report"
        verbose_name = "bilan d'activité"
        verbose_name_plural = "bilans d'activité"


def archive_report(content, filename, year, territory, author, filters):
    return ActivityReport.create(
        author=author, year=year, territory=territory, filters=filters, filename=filename,
        sha256=hashlib.sha256(content).hexdigest(), size=len(content), content=content)


def archived_reports(limit=50):
    """The newest reports, without their files."""
    return (ActivityReport.select(*[f for f in ActivityReport._meta.sorted_fields if f.name != "content"])
            .order_by(ActivityReport.created_at.desc(), ActivityReport.id.desc()).limit(limit))


@dataclass
class TypologyRow:
    code: str
    people: int          # distinct référent·e·s present at least once
    half_days: int       # half-days attended (a 2-half-day training attended = 2)

    @property
    def label(self):
        return TYPOLOGY_LABELS.get(self.code, self.code)


@dataclass
class ReferentMovements:
    """What the audit history recorded during the year (référent·e·s of the territory)."""

    created: int = 0
    deactivated: int = 0
    reactivated: int = 0

    @property
    def net(self):
        return self.created + self.reactivated - self.deactivated


@dataclass
class ActivityFigures:
    year: int
    territory: Territory = None
    today: datetime.date = None
    follow_up: object = None                       # follow_up.YearlyFollowUp
    trainings: list = field(default_factory=list)  # Training rows held, with .present_count
    typologies: list = field(default_factory=list)
    meetings: list = field(default_factory=list)   # follow_up.MeetingCount
    coverage: object = None                        # network.Coverage of the territory
    coverage_rows: list = field(default_factory=list)  # its sub-territories, tree order
    movements: ReferentMovements = None

    @property
    def territory_name(self):
        return self.territory.name if self.territory else "Tout le réseau"

    @property
    def title(self):
        return f"{REPORT_TITLE} {self.year} — {self.territory_name}"

    @property
    def filters_text(self):
        return (f"Année {self.year} ; territoire : {self.territory_name}"
                + (" (et ses sous-territoires)" if self.territory else ""))

    @property
    def attendees(self):
        return sum(row.people for row in self.typologies)

    def filename(self, extension):
        place = f"-territoire-{self.territory.id}" if self.territory else ""
        return f"bilan-activite-{self.year}{place}-{self.today:%Y-%m-%d}.{extension}"


def resolve_report(year, territory_id=None):
    """(year, territory or None) or a French ValidationError."""
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError({"year": "Indiquez l'année du bilan (par exemple 2026)."}) from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError({"year": f"L'année du bilan va de {FIRST_YEAR} à {LAST_YEAR}."})
    territory = None
    if territory_id not in (None, ""):
        territory = Territory.get_or_none(Territory.id == territory_id)
        if territory is None:
            raise ValidationError({"territory": "Territoire introuvable : choisissez-le dans la liste."})
    return year, territory


def _scoped(query, territory_field, territory):
    return query if territory is None else query.where(within_territory(territory_field, territory))


def _held_trainings(year, territory, today):
    start, end = datetime.date(year, 1, 1), min(datetime.date(year, 12, 31), today)
    present = fn.COALESCE(fn.SUM(Case(None, [(Attendance.present == True, 1)], 0)), 0)  # noqa: E712
    query = (Training.select(Training, Territory, present.alias("present_count"))
             .join(Territory, on=Training.territory == Territory.id, join_type=JOIN.LEFT_OUTER, attr="territory")
             .switch(Training).join(Attendance, join_type=JOIN.LEFT_OUTER)
             .where(Training.date.between(start, end))
             .group_by(Training.id, Territory.id).order_by(Training.date, reading_order(Training.theme)))
    return list(_scoped(query, Training.territory, territory))


def _typologies(year, territory, today):
    start, end = datetime.date(year, 1, 1), min(datetime.date(year, 12, 31), today)
    query = (Attendance.select(Structure.typologie, fn.COUNT(fn.DISTINCT(Attendance.referent)),
                               fn.SUM(Training.half_days))
             .join(Training).switch(Attendance).join(Referent).join(Structure)
             .where(Training.date.between(start, end) & (Attendance.present == True))  # noqa: E712
             .group_by(Structure.typologie))
    rows = [TypologyRow(code, people, int(half_days or 0))
            for code, people, half_days in _scoped(query, Training.territory, territory).tuples()]
    return sorted(rows, key=lambda row: (-row.people, row.label))


def referent_movements(year, territory=None):
    """Référent·e·s created, deactivated, reactivated during `year`, from the audit
    history; for a territory, those whose structure is in it today (a deleted
    référent·e's place is unknown: counted for the whole network only)."""
    start = datetime.datetime(year, 1, 1)
    end = datetime.datetime(year + 1, 1, 1)
    entries = (AuditEntry.select(AuditEntry.action, AuditEntry.record_id, AuditEntry.changes)
               .where((AuditEntry.model == "Referent") & (AuditEntry.created_at >= start)
                      & (AuditEntry.created_at < end)
                      & ((AuditEntry.action == "create")
                         | ((AuditEntry.action == "update") & AuditEntry.changes.contains('"actif"')))))
    counts = Counter()
    ids = set()
    for action, record_id, changes in entries.tuples():
        if action == "create":
            counts[record_id, "created"] += 1
        else:
            before, after = (json.loads(changes) or {}).get("actif", [None, None])
            if before and not after:
                counts[record_id, "deactivated"] += 1
            elif after and not before:
                counts[record_id, "reactivated"] += 1
        ids.add(record_id)
    if territory is not None:
        inside = {rid for (rid,) in Referent.select(Referent.id).join(Structure).where(
            Referent.id.in_(list(ids) or [0]) & within_territory(Structure.territory, territory)).tuples()}
    else:
        inside = ids
    movements = ReferentMovements()
    for (record_id, kind), count in counts.items():
        if record_id in inside:
            setattr(movements, kind, getattr(movements, kind) + count)
    return movements


def activity_figures(year, territory=None, today=None):
    """The report's ActivityFigures for `year` and `territory` (None: the whole network)."""
    today = today or datetime.date.today()
    figures = ActivityFigures(year=year, territory=territory, today=today)
    figures.follow_up = yearly_follow_up(year, territory, today)
    figures.trainings = _held_trainings(year, territory, today)
    figures.typologies = _typologies(year, territory, today)
    figures.meetings = meeting_counts(year, territory, today)
    total, rows = network_coverage()
    if territory is None:
        figures.coverage, figures.coverage_rows = total, rows
    else:
        inside = set(subtree_ids(territory))
        figures.coverage_rows = [row for row in rows if row.territory.id in inside]
        figures.coverage = next(row for row in figures.coverage_rows if row.territory.id == territory.id)
    figures.movements = referent_movements(year, territory)
    return figures
