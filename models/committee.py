"""The archive of committee packs (the workbook itself is written by documents.committee_pack).

Every pack generated is kept byte for byte with its time, author, filters and
SHA-256, so "which figures did the committee see on 7 December?" has an answer.
The archive stays bounded: packs older than the retention period, and beyond the
newest `max_count`, are deleted when a new one is archived; each person may
generate a limited number per hour; admins delete packs by hand. Every delete goes
through delete_instance, so the audit history records it.
"""
import datetime
import math
from collections import namedtuple

from peewee import BlobField, CharField, DateTimeField, IntegerField

from .audit import SYSTEM, acting_as
from .budget import scenarios_to_compare
from .db import BaseModel
from .directory import Territory
from .validation import ValidationError

PackFilters = namedtuple("PackFilters", "territory scenarios")
PackFilters.__doc__ = "What a pack covers: one territory (or None: all) and the scenarios compared."


class ArchivedDocument(BaseModel):
    """A generated document kept byte for byte: when, by whom, for what, its SHA-256.
    Each kind of document (committee pack, activity report) has its own table."""

    created_at = DateTimeField(verbose_name="Généré le", default=datetime.datetime.now)
    author = CharField(verbose_name="Auteur·rice")
    filters = CharField(verbose_name="Filtres")
    filename = CharField(verbose_name="Fichier")
    sha256 = CharField(verbose_name="Empreinte SHA-256", max_length=64)
    size = IntegerField(verbose_name="Taille (octets)")
    content = BlobField(verbose_name="Contenu")

    def __str__(self):
        return f"{self.filename} ({self.created_at:%d/%m/%Y %H:%M})"


class CommitteePack(ArchivedDocument):
    """A committee pack as it was generated, kept for later."""

    class Meta:
        table_name = "committee_pack"
        verbose_name = "dossier du comité"
        verbose_name_plural = "dossiers du comité"


def describe_filters(filters):
    territory = filters.territory.name if filters.territory else "tous les territoires"
    text = f"Territoire : {territory}"
    if filters.scenarios:
        text += " ; scénarios : " + ", ".join(s.name for s in filters.scenarios)
    return text


def resolve_filters(territory_id=None, scenario_ids=()):
    """PackFilters from ids; raises ValidationError (French) for unknown ones."""
    territory = None
    if territory_id:
        territory = Territory.get_or_none(Territory.id == territory_id)
        if territory is None:
            raise ValidationError({"territory": "Territoire introuvable."})
    scenario_ids = list(dict.fromkeys(scenario_ids))  # a scenario is compared once
    scenarios = scenarios_to_compare(scenario_ids) if scenario_ids else []
    return PackFilters(territory, scenarios)


def archived_packs():
    """The archive, newest first, without loading the files themselves."""
    return (
        CommitteePack.select(
            CommitteePack.id, CommitteePack.created_at, CommitteePack.author,
            CommitteePack.filters, CommitteePack.filename, CommitteePack.sha256,
            CommitteePack.size,
        ).order_by(CommitteePack.created_at.desc(), CommitteePack.id.desc())
    )


# The archive's bounds (settings MAILLAGE_PACK_RETENTION_DAYS, MAILLAGE_PACK_MAX_COUNT,
# MAILLAGE_PACKS_PER_HOUR of the panel; these are the defaults).
PACK_RETENTION_DAYS = 365
PACK_MAX_COUNT = 500
PACKS_PER_HOUR = 10
RATE_WINDOW = datetime.timedelta(hours=1)


def _pack_summaries():
    """Packs without their files (a delete needs no content)."""
    return CommitteePack.select(*[f for f in CommitteePack._meta.sorted_fields if f.name != "content"])


def pack_rate_refusal(author, per_hour=PACKS_PER_HOUR, now=None):
    """A French refusal when `author` generated `per_hour` packs within the last hour, else None."""
    now = now or datetime.datetime.now()
    recent = [row.created_at for row in CommitteePack.select(CommitteePack.created_at).where(
        (CommitteePack.author == author) & (CommitteePack.created_at > now - RATE_WINDOW),
    ).order_by(CommitteePack.created_at)]
    if len(recent) < per_hour:
        return None
    wait = recent[len(recent) - per_hour] + RATE_WINDOW - now
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return (f"Vous avez déjà généré {len(recent)} dossiers du comité dans l'heure (limite\u00a0: "
            f"{per_hour}). Réessayez dans {minutes}\u00a0min, ou téléchargez un dossier déjà archivé.")


def delete_packs(pack_ids):
    """Delete these archived packs, each recorded in the audit history; return how many."""
    ids = [int(i) for i in pack_ids]
    with CommitteePack._meta.database.atomic():
        return sum(pack.delete_instance() for pack in _pack_summaries().where(CommitteePack.id.in_(ids)))


def expired_pack_ids(retention_days=PACK_RETENTION_DAYS, max_count=PACK_MAX_COUNT, now=None):
    """The packs older than `retention_days`, and those beyond the newest `max_count`
    (at least one day and one pack: the pack just generated stays)."""
    now = now or datetime.datetime.now()
    retention_days, max_count = max(1, retention_days), max(1, max_count)
    newest = [row.id for row in archived_packs().limit(max_count)]
    return [row.id for row in CommitteePack.select(CommitteePack.id).where(
        (CommitteePack.created_at < now - datetime.timedelta(days=retention_days))
        | CommitteePack.id.not_in(newest or [0])
    )]


def apply_pack_retention(retention_days=PACK_RETENTION_DAYS, max_count=PACK_MAX_COUNT, now=None):
    """Delete the expired packs (as « système » in the history); return how many."""
    with acting_as(SYSTEM):
        return delete_packs(expired_pack_ids(retention_days, max_count, now))
