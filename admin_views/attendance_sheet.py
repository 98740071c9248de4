"""« Saisir les présences »: the attendance sheet of one training, mixed into the
trainings' grid (TrainingView). The rules live in models/attendance_sheet.py.

- /admin/training/presences/?id=N: the sheet (every role reads it; editors save it);
- /admin/training/presences/personnes/?q=…: the « Ajouter une personne hors
  territoire » search, as JSON (editors: it only serves to add a line)."""
from flask import abort, flash, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_admin.form import SecureForm

from models import Referent, Structure, ValidationError
from models.attendance_sheet import (
    EVALUATIONS, SEARCH_LIMIT, find_referents, read_sheet, roster, save_sheet,
)
from models.db import ConflictError
from models.formatting import format_date, format_number, format_percent
from models.training import attendance_figures, attendees_by_structure

from .access import EDIT, user_may
from .base import READ_ONLY, SESSION_EXPIRED

EVALUATION_PREFIX = "evaluation-"
SEARCH_MAX_LENGTH = 100  # characters of the search text read
# How templates/attendance_figures.html writes a rate (0.75 → « 75 % ») and a mark (4,3).
FIGURE_FORMATS = {
    "percent": lambda rate: "—" if rate is None else format_percent(rate * 100, 0),
    "mark": lambda value: format_number(value, 1),
}


def _plural(count, one, many):
    return f"{count} {one if count == 1 else many}"


def saved_message(saved, training):
    if not saved.changed:
        return "Aucun changement : la feuille était déjà enregistrée ainsi."
    parts = [part for count, one, many in (
        (saved.created, "présence ajoutée", "présences ajoutées"),
        (saved.updated, "ligne modifiée", "lignes modifiées"),
        (saved.deleted, "ligne retirée", "lignes retirées"),
    ) if count for part in [_plural(count, one, many)]]
    figures = attendance_figures(training)
    return (f"Présences enregistrées ({', '.join(parts)}) : "
            f"{_plural(figures.present, 'personne présente', 'personnes présentes')} "
            f"sur {_plural(figures.registered, 'inscrite', 'inscrites')}.")


def _rows(sheet):
    return [row for group in sheet.groups for row in group.rows]


class AttendanceSheetViews:
    """Mixed into TrainingView (a MaillageModelView): the sheet, its search, and what
    the training's page and edit form show of its attendance."""

    def attendance_url(self, training):
        return url_for(".attendance_view", id=training.id)

    def _training_or_404(self):
        training = self.get_one(request.args.get("id", ""))
        if training is None:
            abort(404)
        return training

    @expose("/presences/", methods=("GET", "POST"))
    def attendance_view(self):
        training = self._training_or_404()
        can_write = user_may(EDIT)
        form = SecureForm(request.form)
        posted = None
        if request.method == "POST":
            if not can_write:
                flash(READ_ONLY, "error")
                return redirect(self.attendance_url(training))
            if not form.validate():
                flash(SESSION_EXPIRED, "error")
                return redirect(self.attendance_url(training))
            try:
                lines = read_sheet(
                    request.form.getlist("listed"), request.form.getlist("present"),
                    request.form.getlist("remove"),
                    {name[len(EVALUATION_PREFIX):]: value for name, value in request.form.items()
                     if name.startswith(EVALUATION_PREFIX)},
                )
                saved = save_sheet(training, request.form.get("version_token", ""),
                                   request.form.get("lines_token", ""), lines)
            except ConflictError as error:
                flash(self.conflict_message(error), "error")
                posted = request.form
            except ValidationError as error:
                flash(f"Enregistrement impossible. {error.describe()}", "error")
                posted = request.form
            else:
                flash(saved_message(saved, training), "success" if saved.changed else "info")
                return redirect(self.attendance_url(training))
        return self._render_sheet(training, form, can_write, posted)

    def _render_sheet(self, training, form, can_write, posted):
        sheet = roster(training)
        added = []
        if posted is not None:
            # A refused save shows the sheet as it was sent: its ticks, evaluations, and
            # the people added from elsewhere; its tokens too (a reload gives new ones).
            listed = {row.referent.id for group in sheet.groups for row in group.rows}
            extra = {int(i) for i in posted.getlist("listed") if i.isdigit() and len(i) < 10} - listed
            if extra:
                added = list(Referent.select(Referent, Structure)
                             .join(Structure, attr="structure").where(Referent.id << list(extra)))
        if posted is not None:
            ticked, removed = set(posted.getlist("present")), set(posted.getlist("remove"))
            state = {str(row.referent.id): (str(row.referent.id) in ticked,
                                            posted.get(f"{EVALUATION_PREFIX}{row.referent.id}", ""),
                                            str(row.referent.id) in removed)
                     for row in _rows(sheet)}
            state.update({str(person.id): (str(person.id) in ticked,
                                           posted.get(f"{EVALUATION_PREFIX}{person.id}", ""), False)
                          for person in added})
        else:
            state = {str(row.referent.id): (bool(row.attendance and row.attendance.present),
                                            str(row.attendance.evaluation or "") if row.attendance else "",
                                            False)
                     for row in _rows(sheet)}
        return self.render(
            "attendance_sheet.html", training=training, sheet=sheet, form=form, added=added,
            state=state, format_date=format_date, **FIGURE_FORMATS,
            can_write=can_write, posted=posted, evaluations=EVALUATIONS,
            version_token=posted.get("version_token", "") if posted else training.version_token,
            lines_token=posted.get("lines_token", "") if posted else sheet.lines_token,
            figures=attendance_figures(training),
            search_url=url_for(".attendance_search_view"), search_limit=SEARCH_LIMIT,
            territory=training.territory if training.territory_id else None,
        )

    @expose("/presences/personnes/")
    def attendance_search_view(self):
        if not user_may(EDIT):
            return jsonify(error=READ_ONLY), 403
        found = find_referents(request.args.get("q", "")[:SEARCH_MAX_LENGTH])
        return jsonify(results=[{
            "id": person.id, "name": f"{person.prenom} {person.nom}",
            "fonction": person.fonction or "",
            "structure": str(person.structure), "structure_id": person.structure_id,
        } for person in found])

    # --- the training's page --------------------------------------------------
    def attendance_context(self, training):
        """What the details page shows: figures, attendees by structure, the link."""
        return {"attendance_figures": attendance_figures(training),
                "attendance_groups": attendees_by_structure(training),
                "attendance_url": self.attendance_url(training), **FIGURE_FORMATS}

    def render(self, template, **kwargs):
        record = kwargs.get("model")
        if template == self.details_template and record is not None:
            kwargs.update(self.attendance_context(record))
        elif template == self.edit_template and record is not None:
            kwargs["attendance_url"] = self.attendance_url(record)
        return super().render(template, **kwargs)
