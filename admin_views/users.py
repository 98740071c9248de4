"""Accounts: only administrators see and manage them."""
from flask_login import current_user
from wtforms import PasswordField

from models import User, ValidationError

from .access import ADMIN
from .base import MaillageModelView
from .filters import choice_filter


class UserView(MaillageModelView):
    column_list = ("email", "name", "role", "active", "last_login", "created_at")
    column_searchable_list = ("email", "name")
    column_filters = (choice_filter(User.role), "active")
    column_default_sort = "email"
    column_details_exclude_list = ("password_hash",)
    form_columns = ("email", "name", "role", "active", "password")
    form_extra_fields = {
        "password": PasswordField(
            "Nouveau mot de passe",
            description="Au moins 10 caractères. Laissez vide pour ne pas le changer.",
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

    def on_model_delete(self, model):
        if model.id == current_user.id:
            raise ValidationError({"__all__": "Vous ne pouvez pas supprimer votre propre compte."})
