"""The network at a glance: coverage and freshness per territory.

The coordination's first question, "which structures in each bassin de vie have no
référent·e ?", answered in a fixed number of queries whatever the directory's size:
counts are read per territory (GROUP BY), then each territory adds those of its
sub-territories. Each rule exists in SQL (grids, filters, counts) and in Python (one
record's page), side by side; tests/unit/test_network.py checks that they agree.
"""
from dataclasses import dataclass, field

from peewee import JOIN, Case, fn

from .directory import (
    Referent, tree_order, Structure, Territory, needs_review, needs_review_condition,
)
from .training import is_trained_expression

ACTIVE = True


# --- "does this structure have a référent·e ?" --------------------------------
def active_referents_of_structure():
    """SQL: the active référent·e·s of the row's structure (correlated subquery)."""
    return Referent.select(Referent.id).where(
        (Referent.structure == Structure.id) & (Referent.actif == ACTIVE))


def active_referent_count_expression():
    """SQL: the number of active référent·e·s of the row's structure."""
    return (Referent.select(fn.COUNT(Referent.id))
            .where((Referent.structure == Structure.id) & (Referent.actif == ACTIVE)))


def has_active_referent_expression():
    return fn.EXISTS(active_referents_of_structure())


def has_active_referent(structure):
    """The same rule for one structure."""
    return structure.referents.where(Referent.actif == ACTIVE).exists()


def without_referent_expression():
    """SQL: an active structure that welcomes the public and has no active référent·e:
    the gap the coordination must fill."""
    return ((Structure.actif == ACTIVE) & (Structure.accueille_du_public == ACTIVE)
            & ~has_active_referent_expression())


def is_without_referent(structure):
    return bool(structure.actif and structure.accueille_du_public
                and not has_active_referent(structure))


def inactive_with_active_referents_expression():
    """SQL: a closed structure whose référent·e·s are still listed as active."""
    return (Structure.actif != ACTIVE) & has_active_referent_expression()


def is_inactive_with_active_referents(structure):
    return not structure.actif and has_active_referent(structure)


def untrained_referent_expression():
    """SQL: the structure has an active référent·e who was never trained."""
    untrained = active_referents_of_structure().where(~is_trained_expression())
    return fn.EXISTS(untrained)


def resource_person_expression():
    """SQL: the row's référent·e is the personne ressource of a territory."""
    return Referent.id.in_(Territory.select(Territory.resource_person)
                           .where(Territory.resource_person.is_null(False)))


def is_resource_person(referent):
    return Territory.select().where(Territory.resource_person == referent.id).exists()


# --- the figures of a territory -------------------------------------------------
@dataclass
class Coverage:
    """One territory's figures, its sub-territories included (or the whole network's)."""

    territory: Territory = None
    depth: int = 0
    structures: int = 0  # active
    welcoming: int = 0  # active and welcoming the public
    covered: int = 0  # welcoming, with at least one active référent·e
    structures_to_review: int = 0
    referents: int = 0  # active
    trained: int = 0
    referents_to_review: int = 0
    inactive_with_referents: int = 0
    bassins: int = 0  # bassins de vie inside (itself included)
    bassins_with_resource_person: int = 0
    resource_person: str = ""  # the territory's own, named
    children: list = field(default_factory=list)

    ADDITIVE = ("structures", "welcoming", "covered", "structures_to_review", "referents",
                "trained", "referents_to_review", "inactive_with_referents", "bassins",
                "bassins_with_resource_person")

    @property
    def name(self):
        return self.territory.name if self.territory else "Tout le réseau"

    @property
    def without_referent(self):
        return self.welcoming - self.covered

    @property
    def coverage_rate(self):
        """Share of the structures welcoming the public that have a référent·e (0–1), or None."""
        return self.covered / self.welcoming if self.welcoming else None

    @property
    def trained_rate(self):
        return self.trained / self.referents if self.referents else None

    @property
    def freshness_rate(self):
        """Share of active records (structures and référent·e·s) checked within 12 months."""
        records = self.structures + self.referents
        stale = self.structures_to_review + self.referents_to_review
        return (records - stale) / records if records else None

    def add(self, other):
        for name in self.ADDITIVE:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _count(condition):
    return fn.SUM(Case(None, [(condition, 1)], 0))


def _structure_counts():
    """Territory id → direct structure counts (one query)."""
    active = Structure.actif == ACTIVE
    welcoming = active & (Structure.accueille_du_public == ACTIVE)
    query = (Structure.select(
        Structure.territory.alias("territory_id"),
        _count(active).alias("structures"),
        _count(welcoming).alias("welcoming"),
        _count(welcoming & has_active_referent_expression()).alias("covered"),
        _count(active & needs_review_condition(Structure.date_maj)).alias("structures_to_review"),
        _count(inactive_with_active_referents_expression()).alias("inactive_with_referents"),
    ).group_by(Structure.territory).dicts())
    return {row.pop("territory_id"): row for row in query}


def _referent_counts():
    """Territory id → direct counts of active référent·e·s (one query)."""
    query = (Referent.select(
        Structure.territory.alias("territory_id"),
        fn.COUNT(Referent.id).alias("referents"),
        _count(is_trained_expression()).alias("trained"),
        _count(needs_review_condition(Referent.date_maj)).alias("referents_to_review"),
    ).join(Structure).where(Referent.actif == ACTIVE).group_by(Structure.territory).dicts())
    return {row.pop("territory_id"): row for row in query}


def network_coverage():
    """(the whole network's Coverage, [Coverage of each territory in tree order]).

    Each territory's figures include its sub-territories'; the list goes depth
    first, children in reading order under their parent, with `depth` for
    indentation. The network's total also counts the structures with no territory.
    Three queries whatever the number of territories, structures and référent·e·s.
    """
    territories = list(Territory.select(Territory, Referent.prenom, Referent.nom)
                       .join(Referent, on=(Territory.resource_person == Referent.id),
                             join_type=JOIN.LEFT_OUTER, attr="resource_person_record"))
    direct = {}
    for counts in (_structure_counts(), _referent_counts()):
        for territory_id, values in counts.items():
            row = direct.setdefault(territory_id, Coverage())
            for name, value in values.items():
                setattr(row, name, int(value or 0))
    rows = {}
    ordered = []
    for territory, depth in tree_order(territories):
        row = rows[territory.id] = Coverage(territory=territory, depth=depth)
        row.add(direct.get(territory.id, Coverage()))
        if territory.kind == "bassin_de_vie":
            row.bassins = 1
            row.bassins_with_resource_person = int(territory.resource_person_id is not None)
        if territory.resource_person_id is not None:
            person = territory.resource_person_record
            row.resource_person = f"{person.prenom} {person.nom}"
        ordered.append(row)
    # Bottom-up: a territory comes after its parent in tree order; a depth-0 one is a root.
    total = Coverage()
    for row in reversed(ordered):
        parent = rows.get(row.territory.parent_id) if row.depth else None
        if parent is None:
            total.add(row)
        else:
            parent.add(row)
            parent.children.insert(0, row)
    if None in direct:  # structures with no territory
        total.add(direct[None])
    return total, ordered


def coverage_for(territory=None):
    """One territory's Coverage (sub-territories included), or the whole network's."""
    total, rows = network_coverage()
    if territory is None:
        return total
    territory_id = getattr(territory, "id", territory)
    return next((row for row in rows if row.territory.id == territory_id), None)


def structure_figures(structure):
    """The Python twins for one structure, for its page."""
    return {
        "active_referents": structure.referents.where(Referent.actif == ACTIVE).count(),
        "without_referent": is_without_referent(structure),
        "inactive_with_referents": is_inactive_with_active_referents(structure),
        "to_review": needs_review(structure.date_maj),
    }


