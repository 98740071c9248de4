"""Accounts: only administrators see and manage them; every user has « Mon compte »
(a new password, and the end of all their sessions)."""
import logging

from flask import flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.actions import action
from flask_admin.form import SecureForm
from flask_login import current_user
from wtforms import PasswordField
from wtforms.validators import InputRequired

from models import User, ValidationError

from .access import ADMIN, READ, AccessRules
from .auth import auth_log, client_address, end_all_sessions, keep_session, login_throttle, too_many_attempts
from .base import SESSION_EXPIRED, MaillageModelView
from .filters import choice_filter

PASSWORD_RULES = ("Au moins 12 caractères, sans le courriel, ni un mot de passe courant "
                  "(une phrase de quelques mots convient bien).")


class UserView(MaillageModelView):
    column_list = ("email", "name", "role", "active", "last_login", "created_at")
    column_searchable_list = ("email", "name")
    column_filters = (choice_filter(User.role), "active")
    column_default_sort = "email"
    column_details_exclude_list = ("password_hash", "session_token")
    form_columns = ("email", "name", "role", "active", "password")
    form_extra_fields = {
        "password": PasswordField(
            "Nouveau mot de passe",
            description=f"{PASSWORD_RULES} Laissez vide pour ne pas le changer. Un nouveau mot de "
                        "passe, ou un compte désactivé, ferme toutes les sessions ouvertes du compte.",
        ),
    }

    access_level = ADMIN

    def on_model_change(self, form, model, is_created):
        if form.password.data:
            try:
                model.set_password(form.password.data)
            except ValueError as error:
                form.password.errors = [str(error)]
                raise ValidationError({"password_hash": str(error)})
        elif is_created:
            form.password.errors = ["Définissez un mot de passe."]
            raise ValidationError({"password_hash": "Définissez un mot de passe."})
        if model.id == current_user.id and (model.role != "admin" or not model.active):
            raise ValidationError({"role": "Vous ne pouvez pas retirer vos propres droits d'administration."})
        super().on_model_change(form, model, is_created)

    def after_model_change(self, form, model, is_created):
        super().after_model_change(form, model, is_created)
        if model.id == current_user.id:  # an admin's own new password: this session goes on
            keep_session(model)

    def on_model_delete(self, model):
        if model.id == current_user.id:
            raise ValidationError({"__all__": "Vous ne pouvez pas supprimer votre propre compte."})

    @action("end_sessions", "Déconnecter toutes les sessions",
            "Fermer toutes les sessions ouvertes des comptes sélectionnés ? Chacun devra se reconnecter.")
    def action_end_sessions(self, ids):
        accounts = list(self.selected(ids))
        for account in accounts:
            account.end_sessions()
            auth_log.info("Sessions de %s fermées par %s", account.email, current_user.email)
        flash(f"Sessions fermées\u00a0: {len(accounts)} compte(s).", "success")
        return redirect(self.get_url(".index_view"))


class PasswordChangeForm(SecureForm):
    current = PasswordField("Mot de passe actuel", [InputRequired("Indiquez votre mot de passe actuel.")])
    new = PasswordField("Nouveau mot de passe", [InputRequired("Choisissez un nouveau mot de passe.")],
                        description=PASSWORD_RULES)
    confirm = PasswordField("Nouveau mot de passe, une seconde fois",
                            [InputRequired("Saisissez le nouveau mot de passe une seconde fois.")])


class EndSessionsForm(SecureForm):
    """Only its CSRF token."""


class AccountView(AccessRules, BaseView):
    """« Mon compte », for every logged-in user: change one's password (the current
    one asked first), end all one's sessions. Reached from the user's name in the menu."""

    access_level = READ

    def is_visible(self):
        return False

    @expose("/", methods=("GET", "POST"))
    def index(self):
        form, status, headers = PasswordChangeForm(request.form), 200, {}
        account = current_user.account
        if request.method == "POST" and form.validate():
            wait, error = self.change_password(account, form)
            if wait:
                flash(too_many_attempts(wait), "error")
                status, headers = 429, {"Retry-After": str(int(wait.total_seconds()) + 1)}
            elif error:
                flash(error, "error")
                status = 400
            else:
                flash("Votre mot de passe a été changé\u00a0; vos autres sessions sont fermées.", "success")
                return redirect(self.get_url(".index"))
        elif request.method == "POST":
            status = 400
        return self.render("account.html", form=form, end_form=EndSessionsForm()), status, headers

    @staticmethod
    def change_password(account, form):
        """(wait, None) when throttled, (None, message) when refused, (None, None) when done."""
        throttle, address = login_throttle(), client_address()
        wait = throttle.wait(account.email, address)
        if wait:
            return wait, None
        if not account.check_password(form.current.data):
            throttle.failed(account.email, address)
            auth_log.warning("Mot de passe actuel erroné (changement) : %s depuis %s", account.email, address)
            return None, "Le mot de passe actuel n'est pas le bon."
        if form.new.data != form.confirm.data:
            return None, "Les deux saisies du nouveau mot de passe diffèrent."
        if form.new.data == form.current.data:
            return None, "Le nouveau mot de passe doit être différent de l'actuel."
        try:
            account.set_password(form.new.data)
            account.save()
        except (ValueError, ValidationError) as error:
            return None, error.describe() if isinstance(error, ValidationError) else str(error)
        keep_session(account)
        auth_log.info("Mot de passe changé par %s", account.email)
        return None, None

    @expose("/sessions/", methods=("POST",))
    def end_sessions(self):
        if not EndSessionsForm(request.form).validate():
            flash(SESSION_EXPIRED, "error")
            return redirect(self.get_url(".index"))
        end_all_sessions(current_user.account)
        flash("Toutes vos sessions sont fermées, celle-ci comprise\u00a0: reconnectez-vous.", "info")
        return redirect(url_for("auth.login"))
