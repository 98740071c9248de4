"""Accounts of the staff who use the panel, with their role."""
import datetime
import secrets

from peewee import BooleanField, CharField, DateTimeField
from werkzeug.security import check_password_hash, generate_password_hash

from .db import BaseModel
from .validation import Validator, clean_email

ROLES = [
    ("admin", "Administrateur·rice"),
    ("editor", "Éditeur·rice"),
    ("viewer", "Lecteur·rice"),
]
MIN_PASSWORD_LENGTH = 10


class User(BaseModel):
    email = CharField(verbose_name="Courriel", unique=True)
    name = CharField(verbose_name="Nom", null=True)
    role = CharField(verbose_name="Rôle", choices=ROLES, default="viewer")
    password_hash = CharField(verbose_name="Empreinte du mot de passe")
    active = BooleanField(verbose_name="Actif", default=True)
    created_at = DateTimeField(verbose_name="Créé le", default=datetime.datetime.now)
    last_login = DateTimeField(verbose_name="Dernière connexion", null=True)

    class Meta:
        table_name = "user_account"
        verbose_name = "utilisateur·rice"
        verbose_name_plural = "utilisateur·rice·s"

    def __str__(self):
        return self.name or self.email

    def set_password(self, password):
        if len(password or "") < MIN_PASSWORD_LENGTH:
            raise ValueError(
                f"Le mot de passe doit comporter au moins {MIN_PASSWORD_LENGTH} caractères."
            )
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    # The session protocol Flask-Login expects, written here to keep models/ Flask-free.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        return str(self.id)

    @property
    def role_label(self):
        return dict(ROLES).get(self.role, self.role)

    @property
    def can_edit(self):
        return self.role in ("admin", "editor")

    @property
    def is_admin(self):
        return self.role == "admin"

    def clean(self):
        v = Validator()
        self.email = v.check("email", clean_email, self.email)
        v.choice("role", self.role, ROLES, "Rôle inconnu.")
        if not self.password_hash:
            v.add("password_hash", "Définissez un mot de passe.")
        duplicate = User.select().where(
            (User.email == self.email) & (User.id != (self.id or 0))
        )
        if "email" not in v.errors and duplicate.exists():
            v.add("email", "Un compte existe déjà avec ce courriel.")
        v.raise_if_any()


def create_or_reset_user(email, password, role="viewer", name=None):
    """Create the account, or set its password and role if it exists."""
    email = clean_email(email)
    user = User.get_or_none(User.email == email) or User(email=email)
    user.set_password(password)
    user.role = role
    user.active = True
    if name:
        user.name = name
    user.save()
    return user


def generate_password():
    return secrets.token_urlsafe(12)
