"""Accounts of the staff who use the panel, with their role; the password
rules, the sessions an account may still use, and the throttling of logins."""
import datetime
import functools
import gzip
import hashlib
import hmac
import re
import secrets
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from peewee import BooleanField, CharField, DateTimeField, IntegrityError

from .db import BaseModel, VersionedModel
from .validation import ValidationError, Validator, clean_email

ROLES = [
    ("admin", "Administrateur·rice"),
    ("editor", "Éditeur·rice"),
    ("viewer", "Lecteur·rice"),
]
MIN_PASSWORD_LENGTH = 12
# Django's list of the 20 000 most common passwords, lower-case, one a line: a copy of
# django/contrib/auth/common-passwords.txt.gz (Django 5.2), under Django's BSD licence
# (© Django Software Foundation and individual contributors).
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")
# French ones of 12 characters or more that the (mostly English) list lacks.
FRENCH_COMMON_PASSWORDS = frozenset({
    "motdepasse123", "motdepasse1234", "motdepasse2024", "motdepasse2025", "motdepasse2026",
    "azertyuiop123", "azertyuiopqsdf", "azertyuiopqsdfghjklm", "azerty123456", "123456azerty",
    "jetaime123456", "bonjour123456", "soleil123456", "doudou123456", "chouchou1234",
})
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


@functools.cache
def common_passwords():
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines) | FRENCH_COMMON_PASSWORDS


def email_words(email):
    """What of an email a password must not contain: the address, the part before
    « @ » and its words of 3 letters or more (« c.martin » → « martin »)."""
    email = (email or "").strip().lower()
    local = email.split("@")[0]
    return {word for word in (email, local, *re.split(r"[._+-]+", local)) if len(word) >= 3}


def check_password_rules(password, email=None):
    """Raise ValueError with a French message when `password` is too weak for the
    account `email`: shorter than 12 characters, one character repeated or spaces
    only, containing the email, or among the most common passwords."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"Le mot de passe doit comporter au moins {MIN_PASSWORD_LENGTH} caractères.")
    if not password.strip() or len(set(password)) == 1:
        raise ValueError("Le mot de passe ne peut pas être un seul caractère répété, ni des espaces.")
    lowered = password.lower()
    if any(word in lowered for word in email_words(email)):
        raise ValueError("Le mot de passe ne doit pas contenir le courriel du compte, "
                         "ni ce qui précède « @ ».")
    if lowered.strip() in common_passwords():
        raise ValueError("Ce mot de passe fait partie des plus courants\u00a0: choisissez-en un autre "
                         "(une phrase de quelques mots, par exemple).")


def new_session_token():
    return secrets.token_urlsafe(24)


class User(VersionedModel):
    email = CharField(verbose_name="Courriel", unique=True)
    name = CharField(verbose_name="Nom", null=True)
    role = CharField(verbose_name="Rôle", choices=ROLES, default="viewer")
    password_hash = CharField(verbose_name="Empreinte du mot de passe")
    active = BooleanField(verbose_name="Actif", default=True)
    created_at = DateTimeField(verbose_name="Créé le", default=datetime.datetime.now)
    last_login = DateTimeField(verbose_name="Dernière connexion", null=True)
    # Copied into the session at login and compared at every request: a new token
    # ends every session opened before (logout, new password, deactivation…).
    session_token = CharField(verbose_name="Jeton de session", null=True, default=new_session_token)

    class Meta:
        table_name = "user_account"
        verbose_name = "utilisateur·rice"
        verbose_name_plural = "utilisateur·rice·s"

    def __str__(self):
        return self.name or self.email

    def set_password(self, password):
        """A new password, checked against the rules, ends the account's sessions
        (once saved). The same password again changes nothing: the admin account
        reset from MAILLAGE_ADMIN_PASSWORD at each start keeps its sessions."""
        check_password_rules(password, self.email)
        if self.id and self.check_password(password):
            return
        self.password_hash = password_hasher.hash(password)
        self.session_token = new_session_token()

    def end_sessions(self):
        """Every session opened with this account so far ends at its next request."""
        self.session_token = new_session_token()
        User.update(session_token=self.session_token).where(User.id == self.id).execute()

    def has_session_token(self, token):
        return bool(self.session_token and token) and hmac.compare_digest(
            str(self.session_token), str(token))

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
        if not self.active:  # a deactivated account's sessions end (and stay ended if reactivated)
            self.session_token = new_session_token()
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
    """Create the account, or set its password and role if it exists. Idempotent,
    even when another process creates the same account at the same moment: the
    insert that loses the race becomes an update of the account the other made."""
    email = clean_email(email)
    try:
        return _save_account(email, password, role, name)
    except (IntegrityError, ValidationError):
        if not User.select().where(User.email == email).exists():
            raise
        return _save_account(email, password, role, name)


def _save_account(email, password, role, name):
    user = User.get_or_none(User.email == email) or User(email=email)
    user.set_password(password)
    user.role = role
    user.active = True
    if name:
        user.name = name
    with User._meta.database.atomic():  # a refused insert leaves no aborted transaction
        user.save()
    return user


def generate_password(email=None):
    """A random password of 16 characters that passes the rules for `email`."""
    while True:
        password = secrets.token_urlsafe(12)
        try:
            check_password_rules(password, email)
        except ValueError:
            continue
        return password


@functools.cache
def _dummy_hash(hasher):
    return hasher.hash(secrets.token_urlsafe(16))


def authenticate(email, password):
    """The active account `email` if `password` is its own, else None. An unknown
    email costs the same Argon2 verification as a known one, so the answer's
    time does not tell which emails have an account."""
    try:
        email = clean_email(email)
    except ValueError:
        email = None
    user = User.get_or_none(User.email == email) if email else None
    if user is None:
        try:
            password_hasher.verify(_dummy_hash(password_hasher), password or "")
        except (VerificationError, InvalidHashError):
            pass  # always: the dummy hash is of a random password
        return None
    if user.check_password(password or "") and user.active:
        return user
    return None


class LoginFailure(BaseModel):
    """A failed login, kept for the throttling window: in the database, so that every
    worker process counts the same failures."""
    email = CharField(max_length=254, index=True)
    address = CharField(max_length=64, index=True)
    created_at = DateTimeField(default=datetime.datetime.now, index=True)

    class Meta:
        table_name = "login_failure"
        audited = False  # the "login_failed" audit row already says it
        typed_text = False  # the email as sent, whatever it holds: refusing it would skip the count


class LoginThrottle:
    """After `max_failures` failed logins for one email or from one address within
    `window`, logins wait; a success clears the email's failures."""

    def __init__(self, max_failures=5, window=datetime.timedelta(minutes=15)):
        self.max_failures = max_failures
        self.window = window

    @staticmethod
    def _key(email):
        return (email or "").strip().lower()[:254]

    def wait(self, email, address, now=None):
        """How long logins for `email` or from `address` must wait (a timedelta), or None."""
        now = now or datetime.datetime.now()
        waits = []
        for condition in (LoginFailure.email == self._key(email), LoginFailure.address == address[:64]):
            times = [row.created_at for row in LoginFailure.select(LoginFailure.created_at)
                     .where(condition & (LoginFailure.created_at > now - self.window))
                     .order_by(LoginFailure.created_at.desc()).limit(self.max_failures)]
            if len(times) >= self.max_failures:
                waits.append(times[-1] + self.window - now)
        return max(waits) if waits else None

    def failed(self, email, address, now=None):
        now = now or datetime.datetime.now()
        with LoginFailure._meta.database.atomic():
            LoginFailure.delete().where(LoginFailure.created_at <= now - self.window).execute()
            LoginFailure.create(email=self._key(email), address=address[:64], created_at=now)

    def succeeded(self, email):
        LoginFailure.delete().where(LoginFailure.email == self._key(email)).execute()
