"""Maillage: `python app.py` serves the panel on http://127.0.0.1:5000/.

Production: any WSGI server on `app:create_app()`.
"""
import getpass
import os
import secrets
import sys
from pathlib import Path

import click
from flask import Flask
from flask_babel import Babel

from admin_views import init_admin
from admin_views.auth import blueprint as auth_blueprint, login_manager
from models import Structure, User, database, open_database
from models.db import DEFAULT_DATABASE_URL
from models.committee import generate_pack, resolve_filters
from models.importer import ImportFileError, apply_import, plan_import
from models.budget import compare
from models.scenario_workbook import write_comparison_workbook
from models.schema import applied_migrations, migrate
from models.users import ROLES, create_or_reset_user, generate_password
from models.validation import ValidationError
from seeds.loader import load_seeds

INSTANCE_PATH = Path(__file__).resolve().parent / "instance"
UPLOAD_LIMIT_BYTES = 10 * 1024 * 1024


def _secret_key(instance_path):
    """SECRET_KEY from the environment, else one kept in instance/ across restarts."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = Path(instance_path) / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _database_url(instance_path):
    url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    if url == DEFAULT_DATABASE_URL:  # relative to the project, wherever it is started from
        url = f"sqlite:///{Path(instance_path) / 'maillage.db'}"
    return url


def ensure_admin_account():
    """Create or reset the admin from the environment; on a first start
    without it, create one with a random password shown once."""
    email = os.environ.get("MAILLAGE_ADMIN_EMAIL")
    password = os.environ.get("MAILLAGE_ADMIN_PASSWORD")
    if email and password:
        create_or_reset_user(email, password, role="admin")
    elif not User.select().exists():
        password = generate_password()
        create_or_reset_user("admin@maillage.local", password, role="admin", name="Administrateur")
        # Printed, never logged: the only time this password is shown.
        print(
            "\n  Premier démarrage : compte administrateur créé.\n"
            "  Courriel : admin@maillage.local\n"
            f"  Mot de passe (affiché une seule fois) : {password}\n",
            file=sys.stderr, flush=True,
        )


class CommandError(click.ClickException):
    """A command's refusal, said in French from the first word."""

    def show(self, file=None):
        click.echo(f"Erreur : {self.format_message()}", file=file, err=True)


def login_name():
    """The operating-system login: the author of what a command writes."""
    try:
        return getpass.getuser() or "Maillage"
    except (KeyError, OSError):  # no login name for this process's user
        return "Maillage"


def create_app(config=None):
    app = Flask(__name__, instance_path=str(INSTANCE_PATH))
    config = dict(config or {})
    instance_path = Path(config.pop("INSTANCE_PATH", app.instance_path))
    instance_path.mkdir(parents=True, exist_ok=True)
    app.instance_path = str(instance_path)
    app.config.update(
        SECRET_KEY=_secret_key(instance_path),
        DATABASE_URL=_database_url(instance_path),
        MAX_CONTENT_LENGTH=UPLOAD_LIMIT_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        BABEL_DEFAULT_LOCALE="fr",
        BABEL_DEFAULT_TIMEZONE="Europe/Paris",
        SEED_ON_START=True,
    )
    app.config.update(config)

    db = open_database(app.config["DATABASE_URL"])
    with db.connection_context():
        migrate(db)
        if app.config["SEED_ON_START"] and not Structure.select().exists():
            load_seeds()
        ensure_admin_account()

    @app.before_request
    def open_connection():
        database.connect(reuse_if_open=True)

    @app.teardown_request
    def close_connection(exc):
        if not database.is_closed():
            database.close()

    Babel(app, locale_selector=lambda: "fr")
    login_manager.init_app(app)
    app.register_blueprint(auth_blueprint)
    init_admin(app)
    register_commands(app)
    return app


def register_commands(app):
    @app.cli.command("init-db")
    def init_db():
        """Crée la base si besoin, applique les migrations et dit où en est le schéma."""
        migrate(database.obj)  # the app has already applied them when it started: none left, normally
        applied = applied_migrations(database.obj)
        click.echo(f"Base à jour : {len(applied)} migration(s) appliquée(s), dont la dernière "
                   f"« {applied[-1]} ».")

    @app.cli.command("seed")
    def seed():
        """Charge les données des documents sources (sans doublon)."""
        created = load_seeds()
        click.echo("Ajouté : " + ", ".join(f"{n} {kind}" for kind, n in created.items()))

    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--role", type=click.Choice([code for code, _ in ROLES]), default="viewer")
    @click.option("--name", default=None)
    @click.option("--password", prompt="Mot de passe", hide_input=True,
                  confirmation_prompt="Confirmez le mot de passe")
    def create_user(email, role, name, password):
        """Crée un compte (ou réinitialise son mot de passe)."""
        try:
            user = create_or_reset_user(email, password, role=role, name=name)
        except ValueError as error:
            raise CommandError(str(error))
        click.echo(f"Compte {user.email} ({user.role_label}) enregistré.")

    @app.cli.command("import-structures")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Affiche l'aperçu sans rien enregistrer.")
    def import_structures(path, dry_run):
        """Importe le fichier des partenaires (XLSX ou CSV) : aperçu, puis écriture."""
        try:
            plan = plan_import("structures", path.name, path.read_bytes())
            click.echo("\n".join(plan.report_lines()))
            if not dry_run:
                apply_import(plan)
                click.echo("Import enregistré.")
        except ImportFileError as error:
            raise CommandError(f"Rien n'a été enregistré. {error}")

    @app.cli.command("export-committee")
    @click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--territory", type=int, default=None, help="Numéro du territoire (tous par défaut).")
    @click.option("--scenarios", default="", help="Numéros des scénarios à comparer, séparés par des virgules.")
    @click.option("--author", default=login_name, show_default="identifiant de session",
                  help="Auteur inscrit dans le dossier et son archive.")
    def export_committee(output, territory, scenarios, author):
        """Génère et archive le dossier du comité (XLSX)."""
        try:
            ids = [int(i) for i in scenarios.split(",") if i.strip()]
            pack = generate_pack(resolve_filters(territory, ids), author=author)
        except ValueError:
            raise CommandError("Les scénarios sont des numéros séparés par des virgules.")
        except ValidationError as error:
            raise CommandError(f"Aucun dossier généré. {error.describe()}")
        output.write_bytes(bytes(pack.content))
        click.echo(f"Dossier écrit : {output} (archivé n° {pack.id}, SHA-256 {pack.sha256}).")

    @app.cli.command("export-scenarios")
    @click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--ids", required=True,
                  help="Numéros des scénarios à comparer, séparés par des virgules (2 à 6).")
    @click.option("--author", default=login_name, show_default="identifiant de session",
                  help="Auteur inscrit dans les propriétés du classeur.")
    def export_scenarios(output, ids, author):
        """Écrit le classeur de comparaison de 2 à 6 scénarios (XLSX)."""
        if not output.parent.is_dir():
            raise CommandError(f"Le dossier {output.parent} n'existe pas.")
        try:
            comparison = compare(ids)
        except ValidationError as error:
            raise CommandError(f"Aucun fichier écrit. {error.describe()}")
        for warning in comparison.warnings():
            click.echo(f"Attention : {warning}", err=True)
        write_comparison_workbook(str(output), comparison, author=author)
        click.echo(f"Classeur écrit : {output} ({len(comparison.scenarios)} scénarios comparés).")


if __name__ == "__main__":
    create_app().run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
