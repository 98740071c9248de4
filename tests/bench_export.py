"""Benchmark of the referent grid's XLSX export (not collected by pytest).

    pip install -e '.[bench]'
    python tests/bench_export.py --rows 100000

Builds a throw-away SQLite database of N referents (with structures and
territories), then measures in one run: our export (the real request through
Flask); Flask-Admin's built-in tablib XLSX export, both from our view (its joined
query) and from Flask-Admin's peewee ModelView as shipped (one query per row for
the structure: "stock"); and a bare xlsxwriter constant_memory loop writing the
same columns from the same SQL (the floor). Ours and the floor run interleaved,
--rounds times each (the median is kept: a shared machine is noisy). Prints wall
time, SQL queries and peak Python memory (tracemalloc, in a separate pass so it
does not slow the timed one) at N and at N / 10 rows, and the ratios.
"""
import argparse
import datetime
import os
import re
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_login import login_user  # noqa: E402
from admin_views.auth import SessionUser  # noqa: E402

from app import create_app  # noqa: E402
from models import Referent, Structure, Territory, User, database  # noqa: E402
from models.training import is_trained_expression  # noqa: E402
from documents.spreadsheets import DATE_FORMAT, FORMULA_TRIGGERS, open_workbook  # noqa: E402
from models.db import reading_order  # noqa: E402
from models.formatting import format_phone  # noqa: E402
from peewee import JOIN, fn  # noqa: E402
from models.users import create_or_reset_user  # noqa: E402

PASSWORD = "mot-de-passe-du-banc"
STRUCTURES_PER_TERRITORY = 50
REFERENTS_PER_STRUCTURE = 20
BATCH = 1000
CSRF_RE = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"')


def build_database(rows):
    """Territories, structures and `rows` referents, inserted in bulk."""
    structures = max(1, rows // REFERENTS_PER_STRUCTURE)
    territories = max(1, structures // STRUCTURES_PER_TERRITORY)
    today = datetime.date.today()
    with database.atomic():
        Territory.insert_many(
            [{"name": f"Bassin {i}", "kind": "bassin_de_vie"} for i in range(territories)]
        ).execute()
        territory_ids = [t.id for t in Territory.select(Territory.id)]
        for start in range(0, structures, BATCH):
            Structure.insert_many([{
                "nom": f"Structure {i}", "typologie": "CCAS", "commune": "Poitiers",
                "telephone": "+33549000000", "territory": territory_ids[i % territories],
                "accueille_du_public": True, "actif": True, "date_maj": today,
            } for i in range(start, min(structures, start + BATCH))]).execute()
        structure_ids = [s.id for s in Structure.select(Structure.id)]
        for start in range(0, rows, BATCH):
            Referent.insert_many([{
                "civilite": "Mme", "prenom": "Claire", "nom": f"Martin {i}",
                "fonction": "Travailleuse sociale", "structure": structure_ids[i % structures],
                "role": "violences_precarite", "courriel": f"c.martin{i}@exemple.fr",
                "telephone": "+33549000001", "actif": True, "date_maj": today,
            } for i in range(start, min(rows, start + BATCH))]).execute()


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __enter__(self):
        original = database.obj.execute_sql

        def counting(sql, *args, **kwargs):
            self.count += 1
            return original(sql, *args, **kwargs)

        database.obj.execute_sql = counting
        return self

    def __exit__(self, *exc):
        del database.obj.execute_sql


def ours(app, client):
    response = client.get("/admin/referent/export/xlsx/", buffered=False)
    assert response.status_code == 200, response.status_code
    size = sum(len(chunk) for chunk in response.iter_encoded())  # streamed, as a server would
    response.close()
    return size


def builtin(app, client):
    """Flask-Admin's own tablib export of the same view and request."""
    view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", "") == "referent")
    with app.test_request_context("/admin/referent/export/xlsx/"):
        login_user(SessionUser(User.get(User.email == "bench@exemple.fr")))
        view.export_types = ["xlsx"]
        view._export_columns = view.get_export_columns()
        response = view._export_tablib("xlsx", "/admin/referent/")
        return len(response.get_data())


def stock(app, client):
    """Flask-Admin's tablib export from its peewee ModelView as shipped (no joins)."""
    response = client.get("/admin/referent_stock/export/xlsx/")
    assert response.status_code == 200, response.status_code
    return len(response.get_data())


def add_stock_view(app):
    """The referent grid as Flask-Admin's own peewee ModelView would give it."""
    from flask_admin.contrib.peewee import ModelView

    class StockReferentView(ModelView):
        column_list = ("nom", "prenom", "fonction", "structure", "role", "courriel",
                       "telephone", "actif", "date_maj")
        can_export = True
        export_types = ["xlsx"]

    app.extensions["admin"][0].add_view(
        StockReferentView(Referent, name="Stock", endpoint="referent_stock"))


def bare(app, client):
    """The floor: what the export writes, hand-written. The grid's SQL (same joins,
    same reading order from the same index) selecting only the exported columns, as
    tuples; the same typed cells — labels for codes, formatted phone numbers, Oui/Non,
    dates as dates, text neutralised and written with write_string in the wrap format —
    through xlsxwriter's typed calls; no title, widths nor row heights."""
    territory = Territory.alias("export_territory")
    query = (
        Referent.select(
            Referent.nom, Referent.prenom, Referent.fonction, Structure.nom, Structure.commune,
            fn.COALESCE(territory.name, ""), Referent.role, Referent.courriel, Referent.telephone,
            is_trained_expression(), Referent.actif, Referent.date_maj, Referent.civilite,
            Referent.date_designation, Referent.notes,
        ).join(Structure, JOIN.LEFT_OUTER)
        .join(territory, JOIN.LEFT_OUTER, on=(Structure.territory == territory.id))
        .order_by(reading_order(Referent.nom)).tuples()
    )
    roles, civilites = dict(Referent.role.choices), dict(Referent.civilite.choices)

    def safe(text):
        return "'" + text if text.startswith(FORMULA_TRIGGERS) else text

    with tempfile.TemporaryFile() as output:
        workbook = open_workbook(output, constant_memory=True)
        wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        date = workbook.add_format({"num_format": DATE_FORMAT})
        sheet = workbook.add_worksheet("Référent·e·s")
        text, day = sheet.write_string, sheet.write_datetime
        for row, (nom, prenom, fonction, structure, commune, territoire, role, courriel, telephone,
                  trained, actif, date_maj, civilite, designation, notes) in enumerate(
                      query.iterator(), start=4):
            text(row, 0, safe(nom), wrap)
            text(row, 1, safe(prenom), wrap)
            if fonction:
                text(row, 2, safe(fonction), wrap)
            if structure:
                text(row, 3, safe(f"{structure} ({commune})" if commune else structure), wrap)
            if territoire:
                text(row, 4, safe(territoire), wrap)
            text(row, 5, roles.get(role, role), wrap)
            if courriel:
                text(row, 6, safe(courriel), wrap)
            if telephone:
                text(row, 7, safe(format_phone(telephone)), wrap)
            text(row, 8, "Oui" if trained else "Non")
            text(row, 9, "Oui" if actif else "Non")
            if date_maj:
                day(row, 10, date_maj, date)
            if civilite:
                text(row, 11, civilites.get(civilite, civilite), wrap)
            if designation:
                day(row, 12, designation, date)
            if notes:
                text(row, 13, safe(notes), wrap)
        workbook.close()
        return output.tell()


def measure(function, app, client):
    with QueryCounter() as queries:
        start, cpu = time.perf_counter(), time.process_time()
        size = function(app, client)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return (elapsed, cpu), queries.count, size


def peak_memory(function, app, client):
    tracemalloc.start()
    try:
        function(app, client)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def make_app(directory, rows):
    app = create_app({
        "INSTANCE_PATH": directory, "DATABASE_URL": f"sqlite:///{directory}/bench.db",
        "SEED_ON_START": False,
    })
    add_stock_view(app)
    with database.connection_context():
        create_or_reset_user("bench@exemple.fr", PASSWORD, role="viewer")
        build_database(rows)
    client = app.test_client()
    token = CSRF_RE.search(client.get("/login").data).group(1).decode()
    client.post("/login", data={"email": "bench@exemple.fr", "password": PASSWORD, "csrf_token": token})
    return app, client


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--skip-builtin", action="store_true", help="sans les exports tablib (lents)")
    parser.add_argument("--rounds", type=int, default=3, help="passes alternées de ours et bare (médiane)")
    args = parser.parse_args()
    os.environ.pop("MAILLAGE_ADMIN_EMAIL", None)
    results = {}
    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        app, client = make_app(directory, args.rows)
        print(f"Base de {args.rows} référent·e·s construite en {time.perf_counter() - started:.1f} s")
        # Wall time, and CPU time (the export, Flask and SQLite all run in this
        # process: its CPU time does not count what other programs take).
        times, cpu_times = {"ours": [], "bare": []}, {"ours": [], "bare": []}
        for _ in range(args.rounds):
            for name, function in (("ours", ours), ("bare", bare)):
                (elapsed, cpu), queries, size = measure(function, app, client)
                times[name].append(elapsed)
                cpu_times[name].append(cpu)
                print(f"  {name:6} {elapsed:8.2f} s (CPU {cpu:6.2f} s)  {queries:3d} requêtes SQL  "
                      f"fichier {size / 1e6:6.1f} Mo")
        runs = [("ours", ours), ("bare", bare)]
        if not args.skip_builtin:
            runs += [("builtin", builtin), ("stock", stock)]
        for name, function in runs:
            if name in times:
                elapsed, (_, queries, size) = statistics.median(times[name]), measure(function, app, client)
            else:
                (elapsed, _), queries, size = measure(function, app, client)
            memory = peak_memory(function, app, client)
            results[name] = (elapsed, queries, memory)
            print(f"{name:8} {elapsed:8.2f} s  {queries:3d} requêtes SQL  "
                  f"pic mémoire {memory / 1e6:8.1f} Mo  fichier {size / 1e6:6.1f} Mo")
    with tempfile.TemporaryDirectory() as directory:
        small_rows = max(1, args.rows // 10)
        app, client = make_app(directory, small_rows)
        small_memory = peak_memory(ours, app, client)
        print(f"ours à {small_rows} lignes : pic mémoire {small_memory / 1e6:.1f} Mo")
    ours_time, _, ours_memory = results["ours"]
    print(f"ours / bare (temps, médianes): {ours_time / results['bare'][0]:.2f} (cible ≤ 1,1)")
    ratios = [o / b for o, b in zip(times["ours"], times["bare"])]
    print("ours / bare par passe      : " + ", ".join(f"{r:.2f}" for r in ratios))
    cpu_ratio = statistics.median(cpu_times["ours"]) / statistics.median(cpu_times["bare"])
    print(f"ours / bare (temps CPU, médianes): {cpu_ratio:.2f} (cible ≤ 1,1)")
    if "builtin" in results:
        print(f"builtin / ours (temps)    : {results['builtin'][0] / ours_time:.1f} (cible ≥ 6)")
        print(f"stock / ours (temps)      : {results['stock'][0] / ours_time:.1f} (cible ≥ 6)")
    print(f"mémoire {args.rows} / {small_rows} : {ours_memory / small_memory:.2f} (cible ≤ 1,2)")


if __name__ == "__main__":
    main()
