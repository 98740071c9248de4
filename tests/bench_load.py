"""Load script (not collected by pytest; not a timed test): N simulated staff against
gunicorn with 3 workers, on loopback only, bounded in users and time.

    python tests/bench_load.py                      # SQLite, fresh database
    MAILLAGE_BENCH_POSTGRES_URL=postgresql://maillage:maillage@127.0.0.1:5432/maillage_proof \\
        python tests/bench_load.py                  # PostgreSQL too (the database is emptied)

(Named bench_*.py, like bench_export.py, so that pytest does not collect it: a
*_test.py file would be.)

Each run: a fresh database, gunicorn started as the README says, 20 staff accounts
(passwords that satisfy the policy), each owning one structure; then 20 concurrent
staff for 60 s (log in once, list grids, search, edit their own structure through the
real edit form — CSRF token and version field — with unique values, export a grid);
then the same again with one worker SIGKILLed mid-run (gunicorn respawns it).
Prints requests, 5xx, transport errors, p50/p95 latency and lost writes: every
acknowledged edit must be found afterwards (the structure holds the last
acknowledged value, or a later one whose answer was lost with the killed worker:
none lost to a concurrent stale save; a save refused as a conflict is not
acknowledged, and counted).
"""
import argparse
import http.cookiejar
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models import Structure, database, open_database  # noqa: E402
from models.schema import migrate  # noqa: E402
from models.users import create_or_reset_user  # noqa: E402
from tests.helpers import form_of  # noqa: E402

HOST = "127.0.0.1"


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def staff_password(i):
    return f"lune-verte-{i:02d}-sur-le-canal"  # 12+ characters, not the email, not common


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies, self.statuses, self.errors = [], {}, 0

    def add(self, seconds, status):
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def error(self):
        with self.lock:
            self.errors += 1


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Staff:
    """One simulated staff member: a cookie jar, their structure, their edits."""

    def __init__(self, base, email, password, structure_id, stats):
        self.base, self.email, self.password, self.structure_id = base, email, password, structure_id
        self.stats = stats
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())
        self.acknowledged, self.conflicts = [], 0
        self.history = []  # (value, acknowledged?) of every edit whose answer came or was lost

    def request(self, path, data=None):
        """(status, body, location) or None when the connection failed."""
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                status, text, location = response.status, response.read(), response.headers.get("Location")
        except urllib.error.HTTPError as error:
            status, text, location = error.code, error.read(), error.headers.get("Location")
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            self.stats.error()
            return None
        self.stats.add(time.perf_counter() - started, status)
        return status, text.decode("utf-8", "replace"), location or ""

    def login(self):
        page = self.request("/login")
        token = form_of(page[1]).values["csrf_token"][0]
        answer = self.request("/login", {"email": self.email, "password": self.password, "csrf_token": token})
        if not answer or answer[0] != 302:
            raise SystemExit(f"login failed for {self.email}: {answer and answer[0]}")

    def edit(self, value):
        url = f"/admin/structure/edit/?id={self.structure_id}"
        page = self.request(url)
        if not page or page[0] != 200:
            return
        form = form_of(page[1])
        data = {name: values for name, values in form.values.items()}
        data["notes"] = value
        answer = self.request(url, data)
        if answer is None:
            self.history.append((value, False))  # saved or not: not acknowledged
        elif answer[0] == 302 and "/edit/" not in answer[2]:
            self.acknowledged.append(value)
            self.history.append((value, True))
        elif "modifiée" in answer[1] or "modifié" in answer[1]:
            self.conflicts += 1

    def run(self, deadline):
        self.login()
        n = 0
        while time.monotonic() < deadline:
            n += 1
            self.request("/admin/structure/")
            self.request("/admin/referent/")
            self.request("/admin/structure/?" + urllib.parse.urlencode({"search": "charge"}))
            self.edit(f"{self.email} édition {n} {time.time_ns()}")
            if n % 5 == 0:
                self.request("/admin/structure/export/xlsx/")


def prepare(url, users):
    """Accounts and their structures, written through the models (gunicorn has migrated)."""
    open_database(url)
    with database.connection_context():
        migrate(database.obj)
        ids = []
        for i in range(users):
            email = f"agent{i:02d}@charge.test"
            create_or_reset_user(email, staff_password(i), role="editor")
            structure = Structure.get_or_none(Structure.nom == f"Structure de charge {i:02d}") or \
                Structure.create(nom=f"Structure de charge {i:02d}", typologie="CCAS", commune="Poitiers")
            ids.append((email, staff_password(i), structure.id))
    database.close()
    return ids


def worker_pids(master):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def gunicorn_command(workers, port):
    return ["gunicorn", "-w", str(workers), "-b", f"{HOST}:{port}", "--timeout", "120", "app:create_app()"]


def start_server(url, workers, instance, command=gunicorn_command):
    """The server `command(workers, port)` started on `url`, once it answers; (process, base URL)."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "charge-" + os.urandom(8).hex(), "PORT": str(port),
           "MAILLAGE_ADMIN_EMAIL": "admin@charge.test", "MAILLAGE_ADMIN_PASSWORD": "un-gestionnaire-patient-du-reseau"}
    log = open(Path(instance) / "server.log", "w")
    server = subprocess.Popen(command(workers, port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://{HOST}:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/login", timeout=2)
            break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        raise SystemExit(f"the server did not start: see {log.name}")
    return server, base


def run_phase(label, url, base, server, accounts, seconds, kill):
    stats = Stats()
    staff = [Staff(base, email, password, sid, stats) for email, password, sid in accounts]
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=s.run, args=(deadline,)) for s in staff]
    for thread in threads:
        thread.start()
    killed = None
    if kill:
        time.sleep(seconds / 3)
        killed = worker_pids(server.pid)[0]
        os.kill(killed, signal.SIGKILL)
    for thread in threads:
        thread.join()

    open_database(url)
    lost = []
    with database.connection_context():
        for member in staff:
            structure = Structure.get_by_id(member.structure_id)
            if not member.acknowledged:
                continue
            last = max(i for i, (_, acked) in enumerate(member.history) if acked)
            allowed = {value for value, _ in member.history[last:]}  # the last ack, or a later unanswered one
            if structure.notes not in allowed:
                lost.append((member.email, member.acknowledged[-1], structure.notes))
    database.close()
    latencies = sorted(stats.latencies)
    p50 = statistics.median(latencies)
    p95 = statistics.quantiles(latencies, n=20)[18]
    acks = sum(len(m.acknowledged) for m in staff)
    fivexx = sum(n for status, n in stats.statuses.items() if status >= 500)
    print(f"{label}: {len(latencies)} requests in {seconds} s, 5xx={fivexx}, transport errors="
          f"{stats.errors}{f' (worker {killed} SIGKILLed)' if killed else ''}, p50={p50:.3f} s, "
          f"p95={p95:.3f} s, edits acknowledged={acks}, conflicts={sum(m.conflicts for m in staff)}, "
          f"unanswered={sum(len(m.history) - len(m.acknowledged) for m in staff)}, lost writes={len(lost)}, "
          f"statuses={dict(sorted(stats.statuses.items()))}", flush=True)
    for item in lost:
        print("  LOST:", item)
    return fivexx, len(lost)


def fresh_postgres(url):
    import psycopg2
    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(urllib.parse.urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    args.users, args.seconds = min(args.users, 50), min(args.seconds, 300)  # bounded

    targets = []
    if args.only in (None, "sqlite"):
        targets.append("sqlite")
    if args.only in (None, "postgresql") and os.environ.get("MAILLAGE_BENCH_POSTGRES_URL"):
        targets.append(os.environ["MAILLAGE_BENCH_POSTGRES_URL"])
    failures = 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(2))  # `timeout`: stop gunicorn too (finally)
    for target in targets:
        instance = tempfile.mkdtemp(prefix="maillage-charge-")
        if target == "sqlite":
            url, name = f"sqlite:///{instance}/charge.db", "SQLite"
        else:
            fresh_postgres(target)
            url, name = target, "PostgreSQL"
        server, base = start_server(url, args.workers, instance)
        try:
            accounts = prepare(url, args.users)
            for label, kill in ((f"{name}, {args.workers} workers", False),
                                (f"{name}, {args.workers} workers, one killed mid-run", True)):
                fivexx, lost = run_phase(label, url, base, server, accounts, args.seconds, kill)
                failures += fivexx + lost
        finally:
            server.terminate()
            server.wait(30)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
