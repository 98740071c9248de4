"""Editing a scenario's funding plan in one go: each funding line's amount and status
for each year of the scenario, as typed in the grid of the scenario's page."""
from ..db import database
from ..formatting import format_euros, format_number
from ..validation import ValidationError, parse_decimal
from .figures import lines_of
from .models import FUNDING_STATUSES, FundingYear


def plan_years(scenario):
    return list(range(scenario.start_year, scenario.start_year + scenario.duration_years))


def save_funding_plan(scenario, typed):
    """`typed`: (funding line id, year) → (amount text, status code or ''), as in the
    grid. An amount sets that year's own amount (and status: '' = the line's); an empty
    amount gives the year back to the line's yearly amount. All or nothing: a French
    ValidationError naming each wrong cell ('<line id>-<year>'), and nothing saved.
    Return the number of years changed."""
    _, funding_lines = lines_of(scenario)
    lines = {line.id: line for line in funding_lines}
    years = set(plan_years(scenario))
    statuses = {code for code, _ in FUNDING_STATUSES}
    errors, changes = {}, []
    for (line_id, year), (amount_text, status) in typed.items():
        line = lines.get(line_id)
        key = f"{line_id}-{year}"
        if line is None or year not in years:
            errors[key] = ("Cette ligne de financement ou cette année n'est plus dans le scénario : "
                           "rechargez la page.")
            continue
        status = status or None
        if status is not None and status not in statuses:
            errors[key] = f"{line.funder}, {year} : statut inconnu."
            continue
        row = line.loaded_years.get(year)
        if not (amount_text or "").strip():
            if status is not None:
                errors[key] = f"{line.funder}, {year} : indiquez le montant de l'année, ou retirez son statut."
            elif row is not None:
                changes.append(("delete", row))
            continue
        try:
            amount = parse_decimal(amount_text)
        except ValueError:
            errors[key] = f"{line.funder}, {year} : montant illisible « {amount_text} » (exemple : 20 000,00)."
            continue
        if row is not None and row.amount == amount and row.status == status:
            continue
        row = row or FundingYear(funding_line=line, year=year)
        row.amount, row.status = amount, status
        changes.append(("save", row))
    if errors:
        raise ValidationError(errors)
    with database.atomic():
        for action, row in changes:
            try:
                row.delete_instance() if action == "delete" else row.save()
            except ValidationError as error:
                line = lines[row.funding_line_id]
                raise ValidationError({f"{line.id}-{row.year}": f"{line.funder}, {row.year} : {error.describe()}"})
    return len(changes)


def plan_cell(line, year):
    """What the grid shows in a cell: (the year's own amount as typed, its own status,
    the amount that applies when the cell is empty)."""
    row = line.loaded_years.get(year)
    fallback = format_euros(line.amount) if line.amount is not None else "à chiffrer"
    if row is None:
        return "", "", fallback
    return format_number(row.amount, 2), row.status or "", fallback
