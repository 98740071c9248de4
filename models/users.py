"""Accounts of the staff who use the panel, with their role."""
import datetime
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from peewee import BooleanField, CharField, DateTimeField

from .db import BaseModel
from .validation import Validator, clean_email

ROLES = [
    ("admin", "Administrateur·rice"),
    ("editor", "Éditeur·rice"),
    ("viewer", "Lecteur·rice"),
]
MIN_PASSWORD_LENGTH = 10
# Argon2id, OWASP's first choice; tests swap in a cheaper one (tests/conftest.py).
password_hasher = PasswordHasher()


def _legacy_hash_matches(stored, password):
    """Hashes written by Werkzeug before Maillage used Argon2
    ('scrypt:N:r:p$salt$hex', 'pbkdf2:sha256:iterations$salt$hex')."""
    try:
        method, salt, expected = stored.split("$", 2)
        name, *parameters = method.split(":")
        if name == "scrypt":
            n, r, p = (int(x) for x in parameters)
            computed = hashlib.scrypt(password.encode(), salt=salt.encode(), n=n, r=r, p=p,
                                      maxmem=132 * n * r * p, dklen=64)
        elif name == "pbkdf2":
            digest, iterations = parameters
            computed = hashlib.pbkdf2_hmac(digest, password.encode(), salt.encode(), int(iterations))
        else:
            return False
    except ValueError:  # not a hash of either form
        return False
    return hmac.compare_digest(computed.hex(), expected)


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
        self.password_hash = password_hasher.hash(password)

    def check_password(self, password):
        """True when `password` is this account's; an old hash is upgraded to Argon2."""
        stored = self.password_hash or ""
        if stored.startswith("$argon2"):
            try:
                password_hasher.verify(stored, password)
            except (VerificationError, InvalidHashError):
                return False
            if password_hasher.check_needs_rehash(stored):
                self._store_new_hash(password)
            return True
        if _legacy_hash_matches(stored, password):
            self._store_new_hash(password)
            return True
        return False

    def _store_new_hash(self, password):
        self.password_hash = password_hasher.hash(password)
        User.update(password_hash=self.password_hash).where(User.id == self.id).execute()

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
