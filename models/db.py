"""The database handle shared by every model, bound at start from a URL."""
from peewee import DatabaseProxy, Model, SqliteDatabase
from playhouse.db_url import connect

from .validation import ValidationError

DEFAULT_DATABASE_URL = "sqlite:///instance/maillage.db"

database = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "synchronous": "normal",
}


def open_database(url=DEFAULT_DATABASE_URL):
    """Connect the proxy to the database named by `url` and return it."""
    if url.startswith("sqlite"):
        db = connect(url, pragmas=SQLITE_PRAGMAS)
    else:
        db = connect(url)
    database.initialize(db)
    return db


def label_columns(model):
    """The columns that name a record of `model` (a model or its alias)."""
    names = model._meta.label_fields
    if not names:
        return [model]
    return [getattr(model, name) for name in (model._meta.primary_key.name, *names)]


def is_sqlite():
    return isinstance(database.obj, SqliteDatabase)


class BaseModel(Model):
    """Every save goes through `clean()`, so no caller can skip the rules.

    Meta.owned_backrefs names the children deleted with their parent (a
    scenario's lines); other required references block a delete.
    Meta.label_fields names the fields `__str__` reads: a grid showing this
    record beside another's fetches only those (see `label_columns`).
    """

    class Meta:
        database = database
        owned_backrefs = ()
        label_fields = ()

    def clean(self):
        """Normalise fields and raise models.validation.ValidationError."""

    def full_clean(self):
        try:
            self.clean()
            self._check_unique_fields()
        except ValidationError as error:
            error.model = type(self)
            raise

    def _check_unique_fields(self):
        model = type(self)
        errors = {}
        for field in model._meta.sorted_fields:
            value = getattr(self, field.name)
            if not field.unique or field.primary_key or value is None:
                continue
            others = model.select().where(field == value)
            if self._pk is not None:
                others = others.where(model._meta.primary_key != self._pk)
            if others.exists():
                errors[field.name] = f"« {value} » est déjà utilisé par une autre fiche."
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.full_clean()
        return super().save(*args, **kwargs)

    def delete_with_dependents(self):
        """Delete owned children, unlink optional references, refuse otherwise."""
        blockers = []
        with self._meta.database.atomic():
            for foreign_key, child in type(self)._meta.backrefs.items():
                children = child.select().where(foreign_key == self._pk)
                if foreign_key.backref in self._meta.owned_backrefs:
                    for row in children:
                        row.delete_with_dependents()
                elif foreign_key.null:
                    child.update({foreign_key: None}).where(foreign_key == self._pk).execute()
                elif children.exists():
                    blockers.append(f"{children.count()} {child._meta.verbose_name_plural}")
            if blockers:
                raise ValidationError({"__all__": (
                    f"Suppression impossible : cette fiche est liée à {', '.join(blockers)}. "
                    "Modifiez ou supprimez d'abord ces fiches, ou désactivez celle-ci."
                )})
            return self.delete_instance()
