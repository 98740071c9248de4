"""Actions on many records at once: « Marquer comme vérifié », « Affecter à un
territoire », « Désactiver », on the ticked rows or on every row matching the grid's
search and filters (all its pages).

A grid declares them in one line (`bulk_actions = ("mark_checked", "deactivate")`)
and mixes `BulkActions` in before MaillageModelView. What an action does to a record
lives in models/bulk.py; here: which rows, the confirmation page, the messages.

- Ticked rows: Flask-Admin's own list actions (posted to /action/ with the ids).
  « Affecter à un territoire » needs a territory: it goes on to the confirmation page.
- All matching rows: the grid's menu links to /bulk/?action=…&<the grid's query
  string>; nothing changes before the confirmation page is posted (CSRF-checked).
  The rows are found by the grid's own get_list() from those arguments (search and
  filters exactly as the grid applies them), the page gives the count, and the post
  carries a fingerprint of the rows counted: when they changed meanwhile, nothing is
  applied and the page says so with the new count.
"""
import hashlib
from dataclasses import dataclass
from typing import Callable

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.form import SecureForm
from flask_admin.helpers import get_redirect_target
from wtforms import HiddenField, SelectField

from models import Territory, ValidationError
from models.bulk import (
    apply_values, checked_values, deactivated_values, pending_condition, territory_values,
)
from models.db import in_label_order
from models.formatting import format_number
from models.validation import parse_record_id

from .access import user_can_edit
from .base import SESSION_EXPIRED
from .exports import describe_list_arguments

NBSP = "\u00a0"
# How a participle agrees with each model's noun: feminine, or the inclusive form.
FEMININE_MODELS = {"Structure", "Training", "Territory"}
SAMPLE_SIZE = 5  # records named on the confirmation page
MAX_TICKED = 1000  # ids a ticked run may name (a grid's page shows 100 at most)


def agree(stem, count, model):
    """« marqué » → « marquée », « marquées », « marqué·e », « marqué·e·s »."""
    if model.__name__ in FEMININE_MODELS:
        return stem + ("es" if count > 1 else "e")
    return stem + ("·e·s" if count > 1 else "·e")


def counted(count, model):
    """« 1 structure », « 1 234 structures »."""
    meta = model._meta
    return f"{format_number(count, 0)} {meta.verbose_name if count == 1 else meta.verbose_name_plural}"


@dataclass(frozen=True)
class BulkAction:
    label: str                      # the menu's verb
    done: Callable                  # (count, model, territory) → the end of the success message
    already: tuple                  # (singular, plural): what fiches left as they were already are
    values: Callable                # form → models.bulk values; may raise ValidationError
    ticked_confirmation: str = None  # the browser's question before a run on ticked rows
    needs_territory: bool = False    # chosen on the confirmation page


BULK_ACTIONS = {
    "mark_checked": BulkAction(
        "Marquer comme vérifié",
        lambda n, model, _t: f"{agree('marqué', n, model)} comme {agree('vérifié', n, model)}",
        ("vérifiée aujourd'hui", "vérifiées aujourd'hui"),
        lambda form: checked_values(),
        ticked_confirmation=f"Marquer les fiches cochées comme vérifiées aujourd'hui{NBSP}?",
    ),
    "assign_territory": BulkAction(
        "Affecter à un territoire",
        lambda n, model, territory: f"{agree('affecté', n, model)} au territoire « {territory} »",
        ("dans ce territoire", "dans ce territoire"),
        lambda form: territory_values(form.territory.data),
        needs_territory=True,
    ),
    "deactivate": BulkAction(
        "Désactiver",
        lambda n, model, _t: agree("désactivé", n, model),
        ("désactivée", "désactivées"),
        lambda form: deactivated_values(),
        ticked_confirmation=f"Désactiver les fiches cochées{NBSP}?",
    ),
}


class BulkForm(SecureForm):
    fingerprint = HiddenField()
    # Checked by models.bulk.territory_values (a French message for an unknown one).
    territory = SelectField("Territoire", coerce=str, validate_choice=False,
                            render_kw={"data-role": "select2"})


def fingerprint(ids):
    """A short digest of a set of ids: the rows the confirmation page counted."""
    text = ",".join(str(i) for i in sorted(ids)).encode()
    return hashlib.blake2s(text, digest_size=12).hexdigest()


class BulkActions:
    """Mixed into a MaillageModelView that declares `bulk_actions`."""

    bulk_actions = ()
    bulk_template = "bulk_confirm.html"

    # --- Flask-Admin's list actions (ticked rows) -------------------------
    def init_actions(self):
        super().init_actions()
        undeclared = set(BULK_ACTIONS) - set(self.bulk_actions)
        for name in undeclared:
            self._actions_data.pop(name, None)
        # Declared order first; « Supprimer » and the view's own after.
        self._actions = sorted(
            (a for a in self._actions if a[0] not in undeclared),
            key=lambda a: self.bulk_actions.index(a[0]) if a[0] in self.bulk_actions else len(BULK_ACTIONS),
        )

    @expose("/action/", methods=("POST",))
    def action_view(self):
        if request.form.get("action") in BULK_ACTIONS and not user_can_edit():
            abort(403)  # said in French by the 403 page; Flask-Admin would only redirect
        return super().action_view()

    @action("mark_checked", BULK_ACTIONS["mark_checked"].label, BULK_ACTIONS["mark_checked"].ticked_confirmation)
    def action_mark_checked(self, ids):
        self._run_on_ticked("mark_checked", ids)

    @action("assign_territory", BULK_ACTIONS["assign_territory"].label)
    def action_assign_territory(self, ids):
        ids = [str(i) for i in map(parse_record_id, ids) if i is not None]
        back = get_redirect_target() or self.get_url(".index_view")
        return redirect(self.get_url(".bulk_view", action="assign_territory", ids=",".join(ids), url=back))

    @action("deactivate", BULK_ACTIONS["deactivate"].label, BULK_ACTIONS["deactivate"].ticked_confirmation)
    def action_deactivate(self, ids):
        self._run_on_ticked("deactivate", ids)

    def _run_on_ticked(self, name, ids):
        records = list(self.selected(ids))
        if not records:
            flash("Aucune fiche modifiée\u00a0: la sélection ne désigne aucune fiche existante.", "error")
            return
        self._apply(name, records, BULK_ACTIONS[name].values(None))

    # --- the grid's menu: every row matching its search and filters -------
    def bulk_menu(self, count, return_url):
        """(heading, [(label, url)]) for actions/html's menu; None when there is none."""
        if not (self.bulk_actions and user_can_edit()) or count is None:
            return None
        arguments = {**request.args.to_dict(), "url": return_url}
        arguments.pop("ids", None)
        links = [
            (f"{BULK_ACTIONS[name].label}…", self.get_url(".bulk_view", **{**arguments, "action": name}))
            for name in self.bulk_actions
        ]
        heading = ("Appliquer à toutes les fiches correspondant à la recherche et aux filtres "
                   f"({format_number(count, 0)})")
        return heading, links

    # --- the confirmation page, then the run -------------------------------
    def _bulk_scope(self):
        """(query of the records concerned, French description, ticked?)."""
        primary_key = self.model._meta.primary_key
        if "ids" in request.args:
            ids = [i for i in map(parse_record_id, request.args["ids"].split(",")) if i is not None]
            if len(ids) > MAX_TICKED:
                abort(400)  # not from a grid's page (at most 100 rows): a crafted address
            query = self.model.select(primary_key).where(primary_key << ids)
            return query, f"les fiches cochées ({format_number(len(ids), 0)})", True
        view_args = self._get_list_extra_args()
        _count, query = self.get_list(
            0, None, None, view_args.search, view_args.filters, execute=False, page_size=0,
        )
        described = describe_list_arguments(self, view_args.clone(sort=None))
        text = (f"toutes celles qui correspondent à la recherche et aux filtres ({described})" if described
                else "toutes celles de la liste (aucune recherche ni aucun filtre)")
        return query.select(primary_key).order_by(), text, False

    def _bulk_back(self):
        return get_redirect_target() or self.get_url(".index_view")

    @expose("/bulk/", methods=("GET", "POST"))
    def bulk_view(self):
        if not user_can_edit():
            abort(403)
        name = request.args.get("action", "")
        if name not in self.bulk_actions:
            flash("Cette action n'existe pas pour cette liste\u00a0: choisissez-en une dans le menu.", "error")
            return redirect(self._bulk_back())
        bulk = BULK_ACTIONS[name]
        form = BulkForm(request.form if request.method == "POST" else None)
        form.territory.choices = [("", "— Choisissez un territoire —")] + [
            (str(t.id), t.name) for t in in_label_order(Territory)
        ]
        scope, described, ticked = self._bulk_scope()
        # For actions whose values are known now, the rows already in that state are left out.
        preset = None if bulk.needs_territory else bulk.values(form)
        concerned = scope if preset is None else scope.where(pending_condition(self.model, preset))
        status = 200
        if request.method == "POST":
            outcome = self._confirmed(name, form, concerned)
            if not isinstance(outcome, int):
                return outcome
            status = outcome
        ids = sorted(pk for (pk,) in concerned.tuples())
        matching = len(ids) if preset is None else scope.count()
        primary_key = self.model._meta.primary_key
        sample = list(self.model.select().where(primary_key << ids[:SAMPLE_SIZE]).order_by(primary_key))
        form.fingerprint.data = fingerprint(ids)
        return self.render(
            self.bulk_template, bulk=bulk, form=form, described=described, ticked=ticked,
            count=len(ids), counted=counted(len(ids), self.model), sample=sample,
            already_count=matching - len(ids), back=self._bulk_back(),
        ), status

    def _confirmed(self, name, form, concerned):
        """Run the confirmed action and redirect to the grid; or, after a French
        message, the status of the page shown again (nothing changed)."""
        if not form.validate():
            if form.csrf_token.errors:
                flash(SESSION_EXPIRED, "error")
                return 400
            return 422
        try:
            values = BULK_ACTIONS[name].values(form)
        except ValidationError as error:
            flash(error.describe(), "error")
            return 422
        primary_key = self.model._meta.primary_key
        records = list(self.model.select().where(primary_key.in_(concerned)).order_by(primary_key))
        if fingerprint(r._pk for r in records) != form.fingerprint.data:
            flash("Les fiches concernées ont changé depuis l'affichage de cette page (ajoutées, "
                  "modifiées ou supprimées par quelqu'un d'autre)\u00a0: rien n'a été modifié. "
                  "Voici le nouveau décompte\u00a0; confirmez à nouveau si c'est toujours ce que "
                  "vous voulez.", "warning")
            return 409
        if not self._apply(name, records, values):
            return 422
        return redirect(self._bulk_back())

    def _apply(self, name, records, values):
        """Run on `records`, flash the French outcome; False when refused (nothing changed)."""
        try:
            changed = apply_values(records, values)
        except ValidationError as error:
            flash(error.describe(), "error")
            return False
        bulk = BULK_ACTIONS[name]
        unchanged = already_text(bulk, len(records) - changed)
        if changed:
            territory = Territory.get_by_id(values["territory"]) if "territory" in values else None
            message = f"{counted(changed, self.model)} {bulk.done(changed, self.model, territory)}"
            flash(f"{message} ({unchanged})." if unchanged else f"{message}.", "success")
        else:
            flash(f"Aucune fiche modifiée{NBSP}: elles sont déjà {bulk.already[1]}.", "info")
        return True


def already_text(bulk, count):
    """« 3 autres fiches étaient déjà désactivées : inchangées »; "" for none."""
    if count <= 0:
        return ""
    if count == 1:
        return f"1 autre fiche était déjà {bulk.already[0]}{NBSP}: inchangée"
    return f"{format_number(count, 0)} autres fiches étaient déjà {bulk.already[1]}{NBSP}: inchangées"
