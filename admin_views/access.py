"""Who may open what: one rule for every grid and page of the panel."""
from flask import abort, redirect, request, url_for
from flask_login import current_user

# What a view asks of the logged-in user: any role reads, editors write, admins manage.
READ, EDIT, ADMIN = "read", "edit", "admin"


def user_may(level):
    """True when the logged-in, active user has the rights of `level`."""
    user = current_user._get_current_object()  # looked up once: asked for every menu entry
    if not (user.is_authenticated and user.active):
        return False
    return {READ: True, EDIT: user.can_edit, ADMIN: user.is_admin}[level]


def user_can_edit():
    return user_may(EDIT)


class AccessRules:
    """Mixed into every Flask-Admin view: `access_level` says who may open it.

    A visitor who is not logged in is sent to the login page; a logged-in user
    without the rights gets the French 403 page (or the view's `refused()`).
    """

    access_level = READ

    def is_accessible(self):
        return user_may(self.access_level)

    def is_visible(self):
        return self.is_accessible()

    def inaccessible_callback(self, name, **kwargs):
        if current_user.is_authenticated:
            return self.refused()
        return redirect(url_for("auth.login", next=request.full_path))

    def refused(self):
        abort(403)
