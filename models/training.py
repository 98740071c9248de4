"""Trainings given to référent·e·s, counted in half-days, and who attended."""
import os
from decimal import Decimal

from peewee import (
    BooleanField, CharField, DateField, ForeignKeyField, IntegerField, SmallIntegerField,
    TextField, fn,
)

from .db import VersionedModel
from .directory import Referent, Territory
from .fields import MoneyField
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

    class Meta:
        table_name = "training"
        verbose_name = "formation"
        verbose_name_plural = "formations"
        label_fields = ("theme", "date")
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


def is_trained_expression():
    """SQL true when the row's referent is trained, for lists and filters."""
    return Referent.id.in_(trained_referent_ids())


def is_trained(referent):
    """The same rule for one référent·e."""
    return Referent.select().where(is_trained_expression() & (Referent.id == referent.id)).exists()
