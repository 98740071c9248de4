"""The `flask --app app …` commands: each says which database it used."""
import functools
import getpass
import os
from pathlib import Path

import click
from flask import current_app

from documents.committee_pack import generate_pack
from documents.importing import SPECS, ImportFileError, apply_import, plan_import
from documents.scenario_workbook import write_comparison_workbook
from models import database
from models.budget import compare
from models.committee import apply_pack_retention, resolve_filters
from models.audit import acting_as, cli_actor, record_event, record_import
from models.backup import BackupError, backup
from models.privacy import (
    RETENTION_ENV, anonymise_referent, inactive_referents, reclaim_free_space, retention_months,
)
from models.schema import applied_migrations, migrate
from models.startup import database_label, startup_lock
from models.users import ROLES, create_or_reset_user
from models.validation import ValidationError
from seeds.loader import load_seeds


def database_used():
    return f"Base utilisée : {database_label(database.obj)}"


class CommandError(click.ClickException):
    """A command's refusal, said in French from the first word, with the database."""

    def show(self, file=None):
        click.echo(f"Erreur : {self.format_message()}", file=file, err=True)
        click.echo(database_used(), file=file, err=True)


def login_name():
    """The operating-system login: the author of what a command writes."""
    try:
        return getpass.getuser() or "Maillage"
    except (KeyError, OSError):  # no login name for this process's user
        return "Maillage"


def register_commands(app):
    def command(name):
        """An app command that ends by saying which database it used."""
        def register(function):
            @functools.wraps(function)
            def run(*args, **kwargs):
                result = function(*args, **kwargs)
                click.echo(database_used())
                return result
            return app.cli.command(name)(run)
        return register

    @command("init-db")
    def init_db():
        """Crée la base si besoin, applique les migrations et dit où en est le schéma."""
        # the app applied them when it started, under the start-up lock: none left, normally
        with startup_lock(database.obj):
            migrate(database.obj)
        applied = applied_migrations(database.obj)
        click.echo(f"Base à jour : {len(applied)} migration(s) appliquée(s), dont la dernière "
                   f"« {applied[-1]} ».")

    @command("seed")
    def seed():
        """Charge les données des documents sources (sans doublon)."""
        created = load_seeds()
        click.echo("Ajouté : " + ", ".join(f"{n} {kind}" for kind, n in created.items()))

    @command("create-user")
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

    @command("import-structures")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Affiche l'aperçu sans rien enregistrer.")
    def import_structures(path, dry_run):
        """Importe le fichier des partenaires (XLSX ou CSV) : aperçu, puis écriture."""
        try:
            plan = plan_import("structures", path.name, path.read_bytes())
            click.echo("\n".join(plan.report_lines()))
            if not dry_run:
                record_import(SPECS["structures"].model, path.name, apply_import(plan, author=login_name()))
                click.echo("Import enregistré.")
        except ImportFileError as error:
            raise CommandError(f"Rien n'a été enregistré. {error}")

    @command("import-data-inclusion")
    @click.argument("paths", nargs=-1, required=True,
                    type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--departement", default=None, help="Ne garder qu'un département (exemple : 86).")
    @click.option("--commune", "communes", multiple=True, help="Ne garder que ces communes (code INSEE, répétable).")
    @click.option("--territory", type=int, default=None, help="Territoire des structures créées (numéro).")
    @click.option("--dry-run", is_flag=True, help="Affiche l'aperçu sans rien enregistrer.")
    def import_data_inclusion_command(paths, departement, communes, territory, dry_run):
        """Importe un jeu de données data·inclusion v1 (structures et services : JSON, JSON lines ou CSV)."""
        from documents.data_inclusion_import import DataInclusionFileError, import_data_inclusion
        try:
            with acting_as(cli_actor(login_name())):
                report = import_data_inclusion([(p.name, p.read_bytes()) for p in paths], departement=departement,
                                               communes=communes, territory=territory, dry_run=dry_run)
        except DataInclusionFileError as error:
            raise CommandError(f"Rien n'a été enregistré. {error}")
        click.echo("\n".join(report.lines()))

    @command("export-committee")
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
        # The archive's bounds hold for the command as for the page (no hourly rate:
        # whoever runs commands runs the server).
        expired = apply_pack_retention(current_app.config["MAILLAGE_PACK_RETENTION_DAYS"],
                                       current_app.config["MAILLAGE_PACK_MAX_COUNT"])
        if expired:
            click.echo(f"Dossiers plus anciens que la durée de conservation supprimés : {expired}.")

    @command("export-scenarios")
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
        record_event("export", "Scenario", detail=(
            f"Comparaison de {len(comparison.scenarios)} scénarios "
            f"({', '.join(str(s) for s in comparison.scenarios)}) ; fichier {output.name}"))
        click.echo(f"Classeur écrit : {output} ({len(comparison.scenarios)} scénarios comparés).")

    @command("report")
    @click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--year", type=int, required=True, help="Année du bilan.")
    @click.option("--territory", type=int, default=None,
                  help="Numéro du territoire (avec ses sous-territoires ; tout le réseau par défaut).")
    @click.option("--author", default=login_name, show_default="identifiant de session",
                  help="Auteur inscrit dans le bilan et son archive.")
    def report(output, year, territory, author):
        """Génère et archive le bilan d'activité de l'année (.xlsx ou .pdf selon OUTPUT)."""
        from admin_views.activity_report import report_pdf  # the PDF is the printable page's template
        from documents.activity_report import generate_report
        from models.activity_report import activity_figures, resolve_report

        extension = output.suffix.lower().lstrip(".")
        if extension not in ("xlsx", "pdf"):
            raise CommandError(f"Le fichier {output.name} doit finir par .xlsx ou .pdf.")
        if not output.parent.is_dir():
            raise CommandError(f"Le dossier {output.parent} n'existe pas.")
        try:
            year, territory = resolve_report(year, territory)
        except ValidationError as error:
            raise CommandError(f"Aucun bilan généré. {error.describe()}")
        with app.test_request_context():
            archived = generate_report(activity_figures(year, territory), extension, author, report_pdf)
        output.write_bytes(bytes(archived.content))
        click.echo(f"Bilan écrit : {output} ({archived.filters} ; archivé n° {archived.id}, "
                   f"SHA-256 {archived.sha256}).")

    @command("backup")
    @click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
    def backup_database(output):
        """Copie la base en service (SQLite : fichier vérifié ; PostgreSQL : pg_dump)."""
        try:
            report = backup(database.obj, output)
        except BackupError as error:
            raise CommandError(str(error))
        click.echo("\n".join(report.lines()))
        if not report.done:
            raise SystemExit(1)

    @command("purge-inactive")
    @click.option("--months", type=int, default=None,
                  help=f"Durée de conservation en mois (par défaut {RETENTION_ENV}, sinon 36).")
    @click.option("--dry-run", is_flag=True, help="Liste les fiches sans rien modifier.")
    def purge_inactive(months, dry_run):
        """Anonymise les référent·e·s inactif·ve·s au-delà de la durée de conservation (RGPD)."""
        try:
            months = retention_months(months if months is not None else app.config.get(
                RETENTION_ENV, os.environ.get(RETENTION_ENV)))
        except ValueError as error:
            raise CommandError(str(error))
        referents = list(inactive_referents(months))
        click.echo(f"{len(referents)} référent·e(s) sans mise à jour ni formation depuis {months} mois"
                   + (" (aperçu : rien n'est modifié)." if dry_run else "."))
        for referent in referents:
            click.echo(f"  n° {referent.id} : {referent} — {referent.structure.nom} — "
                       f"{'actif·ve' if referent.actif else 'inactif·ve'}, mis à jour le "
                       f"{referent.date_maj:%d/%m/%Y}")
        if dry_run:
            return
        packs = set()
        for referent in referents:
            packs.update(anonymise_referent(referent).packs_deleted)
        clean = reclaim_free_space()
        click.echo(f"{len(referents)} fiche(s) anonymisée(s), {len(packs)} dossier(s) du comité "
                   f"supprimé(s)." + ("" if clean else " Attention : le fichier de la base n'a pas "
                                      "pu être entièrement nettoyé (lecture en cours) ; relancez "
                                      "la commande plus tard."))

    # Whatever a command writes is signed « ligne de commande (<login>) » in the audit history.
    for cli_command in app.cli.commands.values():
        cli_command.callback = _signed_by_login(cli_command.callback)


def _signed_by_login(callback):
    @functools.wraps(callback)
    def run(*args, **kwargs):
        with acting_as(cli_actor(login_name())):
            return callback(*args, **kwargs)
    return run
