"""Trainings given to référent·e·s, counted in half-days, and who attended."""
import os
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby
from typing import NamedTuple

from peewee import (
    SQL, BooleanField, Case, CharField, DateField, ForeignKeyField, IntegerField, SmallIntegerField,
    NodeList, TextField, fn,
)

from .db import VersionedModel, reading_order
from .directory import Referent, Structure, Territory
from .fields import MoneyField
from .search import SearchTextField
from .validation import Validator, check_non_negative

DEFAULT_COST_PER_HALF_DAY = Decimal("350.00")


class Training(VersionedModel):
    date = DateField(verbose_name="Date")
    theme = CharField(verbose_name="Thème")
    half_days = IntegerField(verbose_name="Demi-journées", default=1)
    trainer = CharField(verbose_name="Intervenant·e", null=True)
    cost_per_half_day = MoneyField(
        verbose_name="Coût par demi-journée", default=DEFAULT_COST_PER_HALF_DAY,
    )
    room_cost = MoneyField(verbose_name="Location de salle", default=Decimal("0"))
    place = CharField(verbose_name="Lieu", null=True)
    territory = ForeignKeyField(
        Territory, verbose_name="Territoire", null=True, backref="trainings",
        on_delete="SET NULL",
    )
    capacity = IntegerField(verbose_name="Places", null=True)
    notes = TextField(verbose_name="Notes", null=True)
    # Said on the training, not guessed from a budget: its attendance sheets carry
    # « Cofinancé par l'Union européenne » (the FSE+ proof of attendance).
    eu_cofunded = BooleanField(verbose_name="Cofinancé par le FSE+", default=False)
    search_text = SearchTextField()

    class Meta:
        table_name = "training"
        verbose_name = "formation"
        verbose_name_plural = "formations"
        label_fields = ("theme", "date")
        search_fields = ("theme", "trainer", "place")
        owned_backrefs = ("attendances",)

    def __str__(self):
        return f"{self.theme} ({self.date:%d/%m/%Y})" if self.date else self.theme

    @property
    def cost(self):
        return self.half_days * self.cost_per_half_day + (self.room_cost or 0)

    def clean(self):
        v = Validator()
        self.theme = (self.theme or "").strip()
        v.require("theme", self.theme)
        v.require("date", self.date, "Indiquez la date de la formation.")
        if self.half_days is None or self.half_days <= 0:
            v.add("half_days", "Le nombre de demi-journées doit être supérieur à 0.")
        v.check("cost_per_half_day", check_non_negative, self.cost_per_half_day)
        v.check("room_cost", check_non_negative, self.room_cost)
        if self.capacity is not None and self.capacity <= 0:
            v.add("capacity", "Le nombre de places doit être supérieur à 0.")
        v.raise_if_any()


class Attendance(VersionedModel):
    training = ForeignKeyField(
        Training, verbose_name="Formation", backref="attendances", on_delete="CASCADE",
    )
    referent = ForeignKeyField(
        Referent, verbose_name="Référent·e", backref="attendances", on_delete="CASCADE",
    )
    present = BooleanField(verbose_name="Présent·e", default=True)
    evaluation = SmallIntegerField(verbose_name="Évaluation (1 à 5)", null=True)

    class Meta:
        table_name = "attendance"
        verbose_name = "présence"
        verbose_name_plural = "présences"
        indexes = ((("training", "referent"), True),)

    def __str__(self):
        return f"{self.referent} — {self.training}"

    def clean(self):
        v = Validator()
        if self.training_id is None:
            v.add("training", "Choisissez la formation.")
        if self.referent_id is None:
            v.add("referent", "Choisissez le ou la référent·e.")
        if self.evaluation is not None and not 1 <= self.evaluation <= 5:
            v.add("evaluation", "L'évaluation va de 1 à 5.")
        elif self.evaluation is not None and not self.present:
            v.add("evaluation", "Une personne absente n'évalue pas la formation : "
                                "cochez « présent·e » ou retirez l'évaluation.")
        duplicate = Attendance.select().where(
            (Attendance.training == self.training_id)
            & (Attendance.referent == self.referent_id)
            & (Attendance.id != (self.id or 0))
        )
        if self.training_id and self.referent_id and duplicate.exists():
            v.add("referent", "Cette personne est déjà inscrite à cette formation.")
        v.raise_if_any()


# --- "is this référent·e trained?", in Python for a record and in SQL for lists
# Trained: present at trainings adding up to this many half-days (1: one session).
TRAINED_MIN_HALF_DAYS_SETTING = "MAILLAGE_TRAINED_MIN_HALF_DAYS"


def trained_min_half_days():
    """The threshold set by MAILLAGE_TRAINED_MIN_HALF_DAYS (default 1: one session)."""
    value = os.environ.get(TRAINED_MIN_HALF_DAYS_SETTING, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else 1


def trained_referent_ids():
    """Subquery: the referents present at enough half-days of training."""
    present = Attendance.select(Attendance.referent).where(Attendance.present == True)  # noqa: E712
    threshold = trained_min_half_days()
    if threshold == 1:
        return present  # every training counts at least one half-day
    return (present.join(Training).group_by(Attendance.referent)
            .having(fn.SUM(Training.half_days) >= threshold))


def _attendances_of_row():
    return Attendance.select(SQL("1")).where(
        (Attendance.referent == Referent.id) & (Attendance.present == True))  # noqa: E712


def is_trained_expression():
    """SQL true when the row's referent is trained, for filters and counts: a correlated
    EXISTS, which SQLite reads in the attendance index of each row's référent·e and
    PostgreSQL, over many rows, as one hashed list of every trained person."""
    threshold = trained_min_half_days()
    if threshold == 1:
        return fn.EXISTS(_attendances_of_row())  # every training counts at least one half-day
    return _trained_half_days_reached(threshold)


def is_trained_column():
    """The same rule as a column of a page of rows: one look-up in the attendance index
    per row shown. (PostgreSQL plans an EXISTS in a column list as the hashed list of
    every trained person — 140 ms at 200 000 attendances — even for 20 rows; a scalar
    subquery with LIMIT 1 it reads row by row.)"""
    threshold = trained_min_half_days()
    if threshold == 1:
        return NodeList((_attendances_of_row().limit(1), SQL("IS NOT NULL")))
    return _trained_half_days_reached(threshold)  # a correlated sum: read row by row already


def _trained_half_days_reached(threshold):
    half_days = (Attendance.select(fn.SUM(Training.half_days))
                 .join(Training, on=Attendance.training == Training.id)
                 .where((Attendance.referent == Referent.id) & (Attendance.present == True)))  # noqa: E712
    return fn.COALESCE(half_days, 0) >= threshold


def is_trained(referent):
    """The same rule for one référent·e."""
    return Referent.select().where(is_trained_expression() & (Referent.id == referent.id)).exists()


# --- a training's attendance in figures (its page), a fixed number of queries ---
def _ratio(part, whole, places="0.1"):
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


class AttendanceFigures(NamedTuple):
    """Registered = every attendance row (present or not); the rate is present / registered;
    the average is over the evaluations given (present people only)."""

    registered: int
    present: int
    evaluations: int
    evaluation_total: int

    @property
    def rate(self):
        """Present / registered, as a fraction (0.75), or None with nobody registered."""
        return _ratio(self.present, self.registered, "0.0001")

    @property
    def average_evaluation(self):
        """Out of 5, one decimal (4.3), or None with no evaluation."""
        return _ratio(self.evaluation_total, self.evaluations)


def _figures_of(attendances):
    present = [a for a in attendances if a.present]
    marks = [a.evaluation for a in present if a.evaluation is not None]
    return AttendanceFigures(len(attendances), len(present), len(marks), sum(marks))


def attendance_figures(training):
    """The training's AttendanceFigures (one query)."""
    is_present = Case(None, [(Attendance.present == True, 1)], 0)  # noqa: E712
    mark = Case(None, [(Attendance.present == True, Attendance.evaluation)], None)  # noqa: E712
    registered, present, evaluations, total = (
        Attendance.select(fn.COUNT(Attendance.id), fn.SUM(is_present), fn.COUNT(mark), fn.SUM(mark))
        .where(Attendance.training == getattr(training, "id", training))
        .tuples().get()
    )
    return AttendanceFigures(registered or 0, int(present or 0), evaluations or 0, int(total or 0))


class StructureAttendance(NamedTuple):
    structure: Structure
    attendances: list  # Attendance rows, each with its .referent read
    figures: AttendanceFigures


def attendees_by_structure(training):
    """The training's attendance rows grouped by the attendee's structure, structures
    and people in reading order, each group with its figures (one query)."""
    rows = (
        Attendance.select(Attendance, Referent, Structure)
        .join(Referent, on=Attendance.referent == Referent.id, attr="referent")
        .join(Structure, on=Referent.structure == Structure.id, attr="structure")
        .where(Attendance.training == getattr(training, "id", training))
        .order_by(reading_order(Structure.nom), Structure.id, reading_order(Referent.nom),
                  reading_order(Referent.prenom), Referent.id)
    )
    groups = []
    for _, members in groupby(rows, key=lambda row: row.referent.structure_id):
        members = list(members)
        groups.append(StructureAttendance(members[0].referent.structure, members, _figures_of(members)))
    return groups
