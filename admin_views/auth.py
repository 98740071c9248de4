"""Login and logout, and the sessions they open. Every page under /admin/ needs a
logged-in user, whose session is checked at each request: the account's session
token (changed by a logout, a new password, a deactivation, « Déconnecter toutes
les sessions »), the idle time and the time since login."""
import datetime
import logging
import math
import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_admin.form import SecureForm
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired

from models import User
from models.audit import record_event
from models.users import LoginThrottle, authenticate

auth_log = logging.getLogger("maillage.auth")

blueprint = Blueprint("auth", __name__, template_folder="templates")
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Connectez-vous pour accéder à Maillage."
login_manager.login_message_category = "info"


class SessionUser(UserMixin):
    """The logged-in account as Flask-Login sees it; the account's own fields
    and rules (can_edit, is_admin…) read through."""

    def __init__(self, account):
        self.account = account

    def __getattr__(self, name):
        return getattr(self.account, name)

    def __str__(self):
        return str(self.account)

    @property
    def is_active(self):
        return self.account.active


# What the session holds besides Flask-Login's keys.
TOKEN, STARTED, SEEN = "auth_token", "auth_started", "auth_seen"
SESSION_KEYS = ("_user_id", "_fresh", "_id", TOKEN, STARTED, SEEN)
SEEN_RESOLUTION_SECONDS = 60  # the cookie is rewritten at most once a minute for the idle time
NBSP = "\u00a0"
SESSION_CLOSED = (f"Votre session a été fermée (déconnexion, nouveau mot de passe, compte désactivé "
                  f"ou déconnexion de toutes les sessions){NBSP}: reconnectez-vous.")


def start_session(account):
    """Log `account` in: a fresh session holding the account's token and the times."""
    if not account.session_token:  # an account from before session tokens
        account.end_sessions()
    session.clear()  # nothing carried over from before the login (session fixation)
    login_user(SessionUser(account))
    now = int(time.time())
    session.update({TOKEN: account.session_token, STARTED: now, SEEN: now})


def keep_session(account):
    """After this session's own user changed the token (a new password): it goes on."""
    session[TOKEN] = account.session_token


def session_end_reason(account):
    """Why the current session may no longer be used, in French, or None."""
    config, now = current_app.config, time.time()
    if not account.has_session_token(session.get(TOKEN)):
        return SESSION_CLOSED
    idle_hours = config["MAILLAGE_SESSION_IDLE_HOURS"]
    if now - session.get(SEEN, 0) > idle_hours * 3600:
        return f"Votre session a expiré après {idle_hours:g}{NBSP}h sans activité{NBSP}: reconnectez-vous."
    max_days = config["MAILLAGE_SESSION_MAX_DAYS"]
    if now - session.get(STARTED, 0) > max_days * 86400:
        return (f"Votre session a expiré {max_days:g}{NBSP}jour(s) après la connexion{NBSP}: "
                "reconnectez-vous.")
    return None


@login_manager.user_loader
def load_user(user_id):
    try:
        account = User.get_or_none((User.id == int(user_id)) & (User.active == True))  # noqa: E712
    except ValueError:
        return None
    if account is None:
        return None
    reason = session_end_reason(account)
    if reason:
        for key in SESSION_KEYS:
            session.pop(key, None)
        flash(reason, "info")
        return None
    now = int(time.time())
    if now - session.get(SEEN, 0) >= SEEN_RESOLUTION_SECONDS:
        session[SEEN] = now
    return SessionUser(account)


def login_throttle():
    config = current_app.config
    return LoginThrottle(config["MAILLAGE_LOGIN_MAX_FAILURES"],
                         datetime.timedelta(minutes=config["MAILLAGE_LOGIN_WINDOW_MINUTES"]))


def too_many_attempts(wait):
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return (f"Trop de tentatives de connexion{NBSP}: réessayez dans {minutes}{NBSP}"
            f"minute{'s' if minutes > 1 else ''}.")


def client_address():
    """The client's address (the proxy's X-Forwarded-For when MAILLAGE_BEHIND_PROXY=1)."""
    return request.remote_addr or ""


class LoginForm(SecureForm):
    email = StringField("Courriel", [InputRequired("Indiquez votre courriel.")])
    password = PasswordField("Mot de passe", [InputRequired("Indiquez votre mot de passe.")])


def safe_next(target):
    """Only a path on this site: never send a user to another host after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm(request.form)
    next_page = safe_next(request.args.get("next") or request.form.get("next"))
    status, headers = 200, {}
    if request.method == "POST" and form.validate():
        email, address, throttle = form.email.data.strip(), client_address(), login_throttle()
        wait = throttle.wait(email, address)
        if wait:
            auth_log.warning("Connexion refusée (trop d'échecs) : %r depuis %s", email, address)
            flash(too_many_attempts(wait), "error")
            status, headers = 429, {"Retry-After": str(math.ceil(wait.total_seconds()))}
        else:
            user = authenticate(email, form.password.data)
            if user:
                throttle.succeeded(email)
                start_session(user)
                User.update(last_login=datetime.datetime.now()).where(User.id == user.id).execute()
                auth_log.info("Connexion de %s depuis %s", user.email, address)
                return redirect(next_page or url_for("admin.index"))
            throttle.failed(email, address)
            auth_log.warning("Échec de connexion : %r depuis %s", email, address)
            record_event("login_failed", User, actor=email, detail=f"Adresse : {address}")
            flash("Courriel ou mot de passe incorrect.", "error")
    elif request.method == "POST" and form.csrf_token.errors:
        flash("La session a expiré : rechargez la page et reconnectez-vous.", "error")
        status = 400
    return render_template("login.html", form=form, next_page=next_page), status, headers


class LogoutForm(SecureForm):
    """Only its CSRF token: a link or an image on another site cannot log a user out."""


@blueprint.app_context_processor
def logout_form():
    return {"logout_form": LogoutForm}


@blueprint.route("/logout", methods=["GET", "POST"])
def logout():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    form = LogoutForm(request.form)
    if request.method == "POST" and form.validate():
        end_all_sessions(current_user.account)
        flash("Vous êtes déconnecté·e.", "info")
        return redirect(url_for("auth.login"))
    status = 200
    if request.method == "POST":
        flash("La session a expiré : confirmez de nouveau la déconnexion.", "error")
        status = 400
    return render_template("logout.html", form=form), status


def end_all_sessions(account):
    """Log out here, and end every other session of the account (this cookie, if
    copied before, opens nothing any more)."""
    account.end_sessions()
    logout_user()
    session.clear()
    auth_log.info("Déconnexion de %s (toutes ses sessions)", account.email)


@blueprint.route("/")
def home():
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    return redirect(url_for("auth.login"))
