"""The archive of committee packs (the workbook itself is written by documents.committee_pack).

Every pack generated is kept byte for byte with its time, author, filters and
SHA-256, so "which figures did the committee see on 7 December?" has an answer.
"""
import datetime
from collections import namedtuple

from peewee import BlobField, CharField, DateTimeField, IntegerField

from .budget import scenarios_to_compare
from .db import BaseModel
from .directory import Territory
from .validation import ValidationError

PackFilters = namedtuple("PackFilters", "territory scenarios")
PackFilters.__doc__ = "What a pack covers: one territory (or None: all) and the scenarios compared."


class CommitteePack(BaseModel):
    """A committee pack as it was generated, kept for later."""

    created_at = DateTimeField(verbose_name="Généré le", default=datetime.datetime.now)
    author = CharField(verbose_name="Auteur·rice")
    filters = CharField(verbose_name="Filtres")
    filename = CharField(verbose_name="Fichier")
    sha256 = CharField(verbose_name="Empreinte SHA-256", max_length=64)
    size = IntegerField(verbose_name="Taille (octets)")
    content = BlobField(verbose_name="Contenu")

    class Meta:
        table_name = "committee_pack"
        verbose_name = "dossier du comité"
        verbose_name_plural = "dossiers du comité"

    def __str__(self):
        return f"{self.filename} ({self.created_at:%d/%m/%Y %H:%M})"


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
