"""The schema is held to this list: a new table or column (personal data, often)
fails here until someone adds it below, in a reviewed change that says what it
holds and why (RGPD: data minimisation, art. 5-1-c)."""
from models import database
from models.db import is_sqlite

ALLOWED_SCHEMA = {
    "schema_migration": {"id", "name", "applied"},
    "territory": {"id", "name", "kind", "departement", "area_type", "notes", "resource_person_id", "parent_id",
                  "version"},
    "structure": {"id", "nom", "typologie", "siret", "adresse", "complement_adresse", "code_postal",
                  "code_insee", "commune", "telephone", "courriel", "site_web", "horaires_accueil",
                  "accueille_du_public", "territory_id", "parent_id", "thematiques", "publics",
                  "reseaux_porteurs", "places", "actif", "date_maj", "description", "notes",
                  "version",
                  # the folded copy of the searched fields (models/search.py): nothing new
                  "search_text"},
    # Professional contacts only: no private address, birth date or personal phone.
    "referent": {"id", "civilite", "prenom", "nom", "fonction", "structure_id", "role", "courriel",
                 "telephone", "date_designation", "actif", "date_maj", "notes", "version",
                 "search_text"},  # folded copy of name, function, email and phone: nothing new
    # What a structure offers (data·inclusion v1 Service): professional contact details
    # only (the service's phone and email, the référent·e to call by reference), no person helped.
    "service": {"id", "structure_id", "nom", "description", "type", "thematiques", "publics",
                "publics_precisions", "modes_accueil", "modes_mobilisation", "mobilisable_par",
                "mobilisation_precisions", "lien_mobilisation", "frais", "frais_precisions",
                "conditions_acces", "zone_eligibilite", "telephone", "courriel", "referent_id",
                "horaires_accueil", "adresse", "complement_adresse", "code_postal", "code_insee",
                "commune", "date_maj", "version"},
    # Where an imported structure or service came from (data·inclusion source and id) and
    # the values it had when imported, to tell local edits from the source's.
    "data_inclusion_link": {"id", "kind", "structure_id", "service_id", "source", "source_id",
                            "imported_at", "imported_values"},
    "training": {"id", "date", "theme", "half_days", "trainer", "cost_per_half_day", "room_cost",
                 "place", "territory_id", "capacity", "notes", "version",
                 # « Cofinancé par le FSE+ »: printed on its attendance sheets
                 "eu_cofunded",
                 "search_text"},  # folded copy of theme, trainer and place
    "attendance": {"id", "training_id", "referent_id", "present", "evaluation", "version"},
    "scenario": {"id", "name", "description", "operator", "overhead_rate", "start_year",
                 "duration_years", "status", "updated_at", "indexation_rate", "version"},
    "cost_line": {"id", "scenario_id", "category", "designation", "quantity", "unit", "unit_cost",
                  "amount", "is_one_off", "account", "notes", "version"},
    "funding_line": {"id", "scenario_id", "funder", "funder_kind", "kind", "amount", "status", "notes",
                     "version"},
    # A funding line's amount (and status) for one year: money, no person.
    "funding_year": {"id", "funding_line_id", "year", "amount", "status", "version"},
    # Network meetings: date, territory, kind, a NUMBER of participants (never names), the
    # compte rendu (text, and one PDF/DOCX/ODT file with its name and size), decisions.
    "meeting": {"id", "date", "territory_id", "kind", "participants", "minutes", "attachment",
                "attachment_name", "attachment_size", "decisions", "next_meeting_date", "version"},
    # Which structures were represented at a meeting (structures, not people).
    "meeting_structure": {"id", "meeting_id", "structure_id"},
    # Yearly targets per territory (or the whole network): an indicator and a number.
    "network_target": {"id", "year", "territory_id", "indicator", "value", "version"},
    "committee_pack": {"id", "created_at", "author", "filters", "filename", "sha256", "size",
                       "content"},
    # Yearly activity reports as generated (aggregates only: counts, money, territories).
    "activity_report": {"id", "created_at", "author", "year", "territory_id", "filters", "filename",
                        "sha256", "size", "content"},
    # Staff accounts: the password as an Argon2 hash, a session token (never a password).
    "user_account": {"id", "email", "name", "role", "password_hash", "active", "created_at",
                     "last_login", "session_token", "version"},
    "login_failure": {"id", "email", "address", "created_at"},
    "audit_entry": {"id", "created_at", "actor", "action", "model", "record_id", "label", "changes",
                    "detail"},
}

# SQLite only (migration 0013): the FTS5 index of each search_text column above — the
# same folded copy, and the index's own bookkeeping tables (terms, blocks, sizes).
FTS5_SHADOW_COLUMNS = {"": {"search_text"}, "_config": {"k", "v"}, "_data": {"id", "block"},
                       "_docsize": {"id", "sz"}, "_idx": {"segid", "term", "pgno"}}
SQLITE_SEARCH_INDEXES = {f"{table}_search{suffix}": columns
                         for table in ("structure", "referent", "training")
                         for suffix, columns in FTS5_SHADOW_COLUMNS.items()}


def actual_schema(db):
    return {table: {column.name for column in db.get_columns(table)} for table in db.get_tables()}


def test_the_schema_is_the_reviewed_list(app):
    with database.connection_context():
        schema = actual_schema(database.obj)
        allowed = {**ALLOWED_SCHEMA, **(SQLITE_SEARCH_INDEXES if is_sqlite() else {})}
    unexpected = {table: sorted(columns - allowed.get(table, set()))
                  for table, columns in schema.items() if columns - allowed.get(table, set())}
    missing = {table: sorted(columns - schema.get(table, set()))
               for table, columns in allowed.items() if columns - schema.get(table, set())}
    assert unexpected == {}, f"Tables or columns not in the reviewed list: {unexpected}"
    assert missing == {}, f"Listed but absent (update the list): {missing}"
