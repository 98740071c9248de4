"""Login and logout. Every page under /admin/ needs a logged-in user."""
import datetime
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_admin.form import SecureForm
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired

from models import User

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


@login_manager.user_loader
def load_user(user_id):
    try:
        account = User.get_or_none((User.id == int(user_id)) & (User.active == True))  # noqa: E712
    except ValueError:
        return None
    return SessionUser(account) if account else None


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
    status = 200
    if request.method == "POST" and form.validate():
        user = User.get_or_none(User.email == form.email.data.strip().lower())
        if user and user.active and user.check_password(form.password.data):
            login_user(SessionUser(user))
            User.update(last_login=datetime.datetime.now()).where(User.id == user.id).execute()
            return redirect(next_page or url_for("admin.index"))
        flash("Courriel ou mot de passe incorrect.", "error")
    elif request.method == "POST" and form.csrf_token.errors:
        flash("La session a expiré : rechargez la page et reconnectez-vous.", "error")
        status = 400
    return render_template("login.html", form=form, next_page=next_page), status


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
        logout_user()
        flash("Vous êtes déconnecté·e.", "info")
        return redirect(url_for("auth.login"))
    status = 200
    if request.method == "POST":
        flash("La session a expiré : confirmez de nouveau la déconnexion.", "error")
        status = 400
    return render_template("logout.html", form=form), status


@blueprint.route("/")
def home():
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    return redirect(url_for("auth.login"))
