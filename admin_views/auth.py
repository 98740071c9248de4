"""Login and logout. Every page under /admin/ needs a logged-in user."""
import datetime
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_admin.form import SecureForm
from flask_login import LoginManager, current_user, login_user, logout_user
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired

from models import User

blueprint = Blueprint("auth", __name__, template_folder="templates")
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Connectez-vous pour accéder à Maillage."
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(user_id):
    try:
        return User.get_or_none((User.id == int(user_id)) & (User.active == True))  # noqa: E712
    except ValueError:
        return None


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
            login_user(user)
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
