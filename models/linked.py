"""What belongs to a record, for its page: a structure's référent·e·s, antennes and
the trainings they attended; a référent·e's trainings and the territories they
relay; a territory's sub-territories and structures. Each list in reading order,
in one query (the related records joined)."""
from .db import reading_order
from .directory import Referent, Structure, Territory, within_territory
from .training import Attendance, Training, is_trained_column

TERRITORY_STRUCTURES_SHOWN = 200  # on a territory's page; the grid's filter gives them all


def _by_name(model):
    return [reading_order(getattr(model, name)) for name in model._meta.label_fields]


def structure_referents(structure):
    """Its référent·e·s by name (nom, prénom), each with `trained` (True/False)."""
    query = (Referent.select(Referent, is_trained_column().alias("trained"))
             .where(Referent.structure == structure.id)
             .order_by(reading_order(Referent.nom), reading_order(Referent.prenom), Referent.id))
    return list(query)


def structure_antennes(structure):
    return list(Structure.select().where(Structure.parent == structure.id)
                .order_by(*_by_name(Structure), Structure.id))


def structure_attendances(structure):
    """The trainings its référent·e·s attended (present or not): newest first, then by name."""
    query = (Attendance.select(Attendance, Training, Referent)
             .join(Training).switch(Attendance).join(Referent)
             .where(Referent.structure == structure.id)
             .order_by(Training.date.desc(), reading_order(Training.theme),
                       reading_order(Referent.nom), reading_order(Referent.prenom), Attendance.id))
    return list(query)


def referent_attendances(referent):
    """Their trainings, newest first, with their attendance."""
    query = (Attendance.select(Attendance, Training).join(Training)
             .where(Attendance.referent == referent.id)
             .order_by(Training.date.desc(), reading_order(Training.theme), Attendance.id))
    return list(query)


def relayed_territories(referent):
    """The territories whose personne ressource they are."""
    return list(Territory.select().where(Territory.resource_person == referent.id)
                .order_by(*_by_name(Territory), Territory.id))


def territory_children(territory):
    """The territories directly inside it."""
    return list(Territory.select().where(Territory.parent == territory.id)
                .order_by(*_by_name(Territory), Territory.id))


def territory_structures(territory, limit=TERRITORY_STRUCTURES_SHOWN):
    """(the first `limit` structures in it or in its sub-territories, by name, each with
    its territory; how many there are in all)."""
    inside = within_territory(Structure.territory, territory)
    query = (Structure.select(Structure, Territory).join(Territory).where(inside)
             .order_by(*_by_name(Structure), Structure.id).limit(limit))
    return list(query), Structure.select().where(inside).count()
