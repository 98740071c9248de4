"""Maillage: `python app.py` serves the panel on http://127.0.0.1:5000/ with
Gunicorn's pre-forked workers where the system can fork (Linux, macOS: every core
serves pages), with waitress's threads elsewhere (Windows); FLASK_DEBUG=1 gives
Werkzeug's reloader and debugger instead.

Production: any WSGI server on `app:create_app()`, with any number of workers:
the start-up work runs under a lock (models/startup.py).
"""
import contextlib
import gc
import logging
import os
import secrets
import sys
from pathlib import Path

import waitress
from flask import Flask
from flask_babel import Babel
from playhouse.flask_utils import FlaskDB

from admin_views import init_admin
from admin_views.auth import blueprint as auth_blueprint, login_manager
from commands import register_commands
from models import Structure, User, database, open_database
from models.db import DEFAULT_DATABASE_URL, release_pooled_connections, remember_text_collation
from models.schema import migrate
from models.startup import database_label, startup_lock
from models.users import create_or_reset_user, generate_password
from seeds.loader import load_seeds

INSTANCE_PATH = Path(__file__).resolve().parent / "instance"
UPLOAD_LIMIT_BYTES = 10 * 1024 * 1024


def _secret_key(instance_path):
    """SECRET_KEY from the environment, else one kept in instance/ across restarts."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = Path(instance_path) / "secret_key"
    if not key_file.exists():
        # Written aside then linked in place: workers starting together all read
        # the one key that got there first, never a half-written file.
        draft = key_file.with_name(f".secret_key.{os.getpid()}")
        draft.write_text(secrets.token_hex(32))
        draft.chmod(0o600)
        try:
            with contextlib.suppress(FileExistsError):  # another worker's key won
                os.link(draft, key_file)
        finally:
            draft.unlink()
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
        try:
            create_or_reset_user(email, password, role="admin")
        except ValueError as error:  # the password rules (models/users.py), said before anything starts
            raise SystemExit(f"Erreur : MAILLAGE_ADMIN_PASSWORD refusé. {error}") from None
    elif not User.select().exists():
        password = generate_password("admin@maillage.local")
        create_or_reset_user("admin@maillage.local", password, role="admin", name="Administrateur")
        # Printed, never logged: the only time this password is shown.
        print(
            "\n  Premier démarrage : compte administrateur créé.\n"
            "  Courriel : admin@maillage.local\n"
            f"  Mot de passe (affiché une seule fois) : {password}\n",
            file=sys.stderr, flush=True,
        )


class RequestConnection(FlaskDB):
    """A connection per request (peewee's FlaskDB); one already open in this
    thread (a CLI command, a test) is reused instead of refused."""

    def connect_db(self):
        self.database.connect(reuse_if_open=True)


def configure_logging():
    """Maillage's log lines (exports, imports, logins) on standard error, with
    their time, whatever server runs the app; a host's own logging set up
    before us is kept."""
    logger = logging.getLogger("maillage")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s : %(message)s"))
        logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)


def create_app(config=None):
    configure_logging()
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
    with startup_lock(db):  # one process at a time; each re-reads what is left to do
        migrate(db)
        if app.config["SEED_ON_START"] and not Structure.select().exists():
            load_seeds()
        ensure_admin_account()
        remember_text_collation()  # PostgreSQL's ICU collation, looked up once per process
    release_pooled_connections(db)

    RequestConnection(app, db)
    Babel(app, locale_selector=lambda: "fr")
    login_manager.init_app(app)
    app.register_blueprint(auth_blueprint)
    init_admin(app)
    register_commands(app)
    return app


def main(config=None):
    """`python app.py`: say where to go and which database is used, then serve."""
    app = create_app(config)
    host, port = "127.0.0.1", int(os.environ.get("PORT", "5000"))
    print(
        f"\n  Maillage est lancé : ouvrez http://{host}:{port}/ dans votre navigateur.\n"
        f"  Base de données : {database_label(database.obj)}\n"
        "  Pour l'arrêter : Ctrl+C dans cette fenêtre.\n",
        flush=True,
    )
    if os.environ.get("FLASK_DEBUG") == "1":  # development: reloader and debugger
        app.run(host=host, port=port, debug=True, use_reloader=True)
    elif hasattr(os, "fork"):
        serve_preforked(app, host, port)
    else:
        waitress.serve(app, host=host, port=port, threads=8, ident="Maillage")


def worker_count():
    """MAILLAGE_WORKERS, else one process per core and one more: Python runs one
    thread at a time per process, so a single process would leave cores idle."""
    return int(os.environ.get("MAILLAGE_WORKERS") or (os.cpu_count() or 1) + 1)


def serve_preforked(app, host, port):
    """Gunicorn running the app already created (start-up work done once, here): its
    workers fork from this process, each with threads so a long download does not
    hold the others."""
    from gunicorn.app.base import BaseApplication  # fork only: not installed on Windows

    options = {"bind": f"{host}:{port}", "workers": worker_count(), "worker_class": "gthread",
               "threads": 4, "timeout": 120, "proc_name": "maillage"}

    class PreforkedServer(BaseApplication):
        def load_config(self):
            for name, value in options.items():
                self.cfg.set(name, value)

        def load(self):
            return app

    # What start-up made is kept for the workers' lifetime: out of the cycle collector's
    # passes (each worker's full passes no longer walk it, pages stay shared between
    # processes); 60 → 73 req/s at S (tests/bench_throughput.py).
    gc.freeze()
    PreforkedServer().run()


if __name__ == "__main__":
    main()
