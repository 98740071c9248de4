"""Load the figures and structures the source documents give. Idempotent."""
import json
from decimal import Decimal
from pathlib import Path

from models import CostLine, FundingLine, Scenario, Structure, Target, Territory, database
from models.budget import FundingYear
from models.meetings import current_year

SEEDS_DIRECTORY = Path(__file__).parent


def read(name):
    return json.loads((SEEDS_DIRECTORY / name).read_text(encoding="utf-8"))


def _money(row, *fields):
    return {k: (Decimal(str(v)) if k in fields and v is not None else v) for k, v in row.items()}


def load_territories():
    """The territories, then who contains whom (a parent may come later in the file)."""
    created = []
    rows = read("territories.json")
    for row in rows:
        row = {key: value for key, value in row.items() if key != "parent"}
        if not Territory.select().where(Territory.name == row["name"]).exists():
            created.append(Territory.create(**row))
    parents = {row["name"]: row.get("parent") for row in rows}
    for territory in created:
        if parents[territory.name]:
            territory.parent = Territory.get(Territory.name == parents[territory.name])
            territory.save()
    return len(created)


def load_structures():
    created = 0
    by_name = {}
    rows = read("structures.json")
    for row in rows:
        row = dict(row)
        territory = row.pop("territory", None)
        row.pop("parent", None)
        existing = Structure.get_or_none(
            (Structure.nom == row["nom"]) & (Structure.commune == row.get("commune"))
        )
        if existing is None:
            if territory:
                row["territory"] = Territory.get(Territory.name == territory)
            existing = Structure.create(**row)
            created += 1
        by_name[row["nom"]] = existing
    for row in rows:  # antennes point at a structure loaded above
        if row.get("parent"):
            structure = by_name[row["nom"]]
            if structure.parent_id is None:
                structure.parent = by_name[row["parent"]]
                structure.save()
    return created


def load_services():
    """The services the source documents name (services.json), each of a seeded structure."""
    from models import Service
    created = 0
    for row in read("services.json"):
        row = dict(row)
        structure = Structure.get(Structure.nom == row.pop("structure"))
        if not Service.select().where((Service.structure == structure) & (Service.nom == row["nom"])).exists():
            Service.create(structure=structure, **row)
            created += 1
    return created


def load_scenarios():
    created = 0
    for row in read("scenarios.json"):
        row = dict(row)
        cost_lines = row.pop("cost_lines", [])
        funding_lines = row.pop("funding_lines", [])
        if Scenario.select().where(Scenario.name == row["name"]).exists():
            continue
        scenario = Scenario.create(**_money(row, "overhead_rate"))
        for line in cost_lines:
            CostLine.create(scenario=scenario, **_money(line, "quantity", "unit_cost", "amount"))
        for line in funding_lines:
            line = dict(line)
            years = line.pop("years", [])
            funding_line = FundingLine.create(scenario=scenario, **_money(line, "amount"))
            for year in years:  # a convention's amount for each of its years
                FundingYear.create(funding_line=funding_line, **_money(year, "amount"))
        created += 1
    return created


def load_targets(year=None):
    """The whole network's yearly targets the documents give (targets.json: indicator,
    value, source), for `year` (default: the year the seeds are loaded); the admins
    set the next years' on /admin/target/."""
    year = year or current_year()
    created = 0
    for row in read("targets.json"):
        exists = Target.select().where(
            (Target.year == year) & Target.territory.is_null() & (Target.indicator == row["indicator"])
        ).exists()
        if not exists:
            Target.create(year=year, territory=None, indicator=row["indicator"], value=row["value"])
            created += 1
    return created


def load_seeds():
    """Return what was created, by kind; running it twice creates nothing."""
    with database.atomic():
        return {
            "territoires": load_territories(),
            "structures": load_structures(),
            "scénarios": load_scenarios(),
            "objectifs": load_targets(),
            "services": load_services(),  # services.json: of the structures above
        }
