"""Benchmark of the import of a partner file (not collected by pytest).

    python tests/bench_import.py [--structures 10000] [--referents 100000] [--lines 10000]
                                 [--format csv|xlsx|ods] [--profile]

Builds a throw-away SQLite database the size of a national federation (L:
10 000 structures, 100 000 référent·e·s, inserted in bulk), then a partner file
of N lines: half of them match a known structure by its SIRET (a changed phone
number: an update), half are new structures (with a phone number, an email, a
territory). Measures the preview (`plan_import`, nothing written; median of 3)
and the import (`apply_import` of the same plan, once), each with its time and
SQL queries, and prints the queries per line. Targets (issue 13): preview ≤ 2 s,
import ≤ 3 s, ≤ 1 query per line when writing, a fixed number when planning.
"""
import argparse
import cProfile
import datetime
import io
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stdnum import luhn  # noqa: E402

from app import create_app  # noqa: E402
from documents.importing import ImportPlan, apply_import, plan_import  # noqa: E402
from models import Referent, Structure, Territory, database  # noqa: E402
from models.opening_hours import parse_opening_hours  # noqa: E402
from models.users import create_or_reset_user  # noqa: E402
from models.validation import clean_phone, clean_siret  # noqa: E402

BATCH = 1000
HEADER = ["Nom", "Typologie", "SIRET", "Adresse", "Code postal", "Commune", "Téléphone",
          "Courriel", "Territoire", "Accueille du public"]


def siret(number):
    """A valid SIRET for any number below 10⁹: a SIREN of its own and its key."""
    siren = f"{number // 10_000 + 10_000_000:08d}"
    siren += luhn.calc_check_digit(siren)
    body = f"{siren}{number % 10_000:04d}"
    return body + luhn.calc_check_digit(body)


def phone(number):
    return f"05 49 {number // 10_000 % 100:02d} {number // 100 % 100:02d} {number % 100:02d}"


def build_database(structures, referents):
    today = datetime.date.today()
    with database.atomic():
        Territory.insert_many([{"name": f"Bassin {i}", "kind": "bassin_de_vie"} for i in range(20)]).execute()
        territory_ids = [t.id for t in Territory.select(Territory.id)]
        for start in range(0, structures, BATCH):
            Structure.insert_many([{
                "nom": f"Structure {i}", "typologie": "ASSO", "siret": siret(i), "commune": "Poitiers",
                "telephone": "+33549000000", "territory": territory_ids[i % 20],
                "accueille_du_public": True, "actif": True, "date_maj": today,
            } for i in range(start, min(structures, start + BATCH))]).execute()
        structure_ids = [s.id for s in Structure.select(Structure.id)]
        for start in range(0, referents, BATCH):
            Referent.insert_many([{
                "civilite": "Mme", "prenom": "Claire", "nom": f"Martin {i}", "fonction": "Travailleuse sociale",
                "structure": structure_ids[i % len(structure_ids)], "role": "violences_precarite",
                "courriel": f"c.martin{i}@exemple.fr", "telephone": "+33549000001", "actif": True,
                "date_maj": today,
            } for i in range(start, min(referents, start + BATCH))]).execute()


def partner_rows(lines, known):
    """Half updates of known structures (a new phone number), half new structures."""
    rows = []
    for n in range(lines):
        if n % 2 == 0 and n // 2 < known:
            i = n // 2
            rows.append([f"Structure {i}", "Association", siret(i), "", "86000", "Poitiers",
                         phone(n + 1), "", f"Bassin {i % 20}", "Oui"])
        else:
            i = 1_000_000 + n
            rows.append([f"Nouvelle structure {n}", "CCAS", siret(i), f"{n} rue de la Gare", "86000",
                         "Poitiers", phone(n + 1), f"accueil{n}@exemple.fr", f"Bassin {n % 20}", "Oui"])
    return rows


def partner_file(rows, file_format):
    if file_format == "csv":
        return "\n".join(";".join(row) for row in [HEADER, *rows]).encode()
    if file_format == "xlsx":
        from tests.helpers import xlsx_bytes
        return xlsx_bytes([HEADER, *rows])
    from tests.helpers import ods_bytes
    return ods_bytes([HEADER, *rows])


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


def preview_import(kind, filename, data):
    """What the import page does on upload: the plan, kept as plain values."""
    plan = plan_import(kind, filename, data)
    plan.kept_bytes = plan.kept()
    return plan


def confirm_import(plan, kind, filename, data):
    """What « Confirmer l'import » does (admin_views/imports.py): the preview's plan read
    back, checked still true (one query), written."""
    return apply_import(ImportPlan.from_kept(plan.kept_bytes), author="banc")


def timed(function, profile=False):
    """(wall seconds, CPU seconds, queries, result) of one call; with `profile`, prints
    cProfile's top functions by own time and by cumulative time. The values remembered
    per text (phone numbers, opening hours) are forgotten first: a new file's are new."""
    clean_phone.cache_clear()
    clean_siret.cache_clear()
    parse_opening_hours.cache_clear()
    profiler = cProfile.Profile() if profile else None
    with QueryCounter() as queries:
        start, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        result = function()
        if profiler:
            profiler.disable()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    if profiler:
        for order in ("tottime", "cumulative"):
            stream = io.StringIO()
            pstats.Stats(profiler, stream=stream).sort_stats(order).print_stats(30)
            print(stream.getvalue())
    return elapsed, cpu, queries.count, result


def base_file(directory, structures, referents, cache):
    """The database of `structures` and `referents` built once (kept in `cache` if given:
    building L takes 40 s), copied into `directory` for each round."""
    cached = Path(cache) / f"bench-import-{structures}-{referents}.db" if cache else None
    if cached and cached.exists():
        print(f"Base : {structures} structures, {referents} référent·e·s (reprise de {cached})")
        return cached
    built = Path(directory) / "base.db"
    create_app({"INSTANCE_PATH": directory, "DATABASE_URL": f"sqlite:///{built}", "SEED_ON_START": False})
    with database.connection_context():
        started = time.perf_counter()
        build_database(structures, referents)
        print(f"Base : {structures} structures, {referents} référent·e·s "
              f"({time.perf_counter() - started:.1f} s)")
    database.close()  # the last connection closed: the WAL is checkpointed into the file
    if cached:
        shutil.copyfile(built, cached)
    return built


def fresh_copy(base, target):
    """`target` made a copy of `base` again (the previous round wrote into it)."""
    if database.obj is not None and not database.is_closed():
        database.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(base, target)


def web_rounds(app, base, work, data, filename, args):
    """The import page as an editor waits for it (Flask's test client, no network):
    the upload (plan, page, error file) then « Confirmer l'import » (plan again, writes)."""
    from tests.helpers import PASSWORD, Browser, confirm_import, upload_import

    url = "/admin/structure/import/"
    uploads, confirms = [], []
    for _round in range(args.rounds):
        fresh_copy(base, work)
        with database.connection_context():
            create_or_reset_user("banc@exemple.fr", PASSWORD, role="editor")
        browser = Browser(app.test_client())
        browser.login("banc@exemple.fr")
        upload = timed(lambda: upload_import(browser, url, data, filename), profile=args.profile and _round == 0)
        assert upload[3].status_code == 200, upload[3].status_code
        uploads.append((*upload[:3], len(upload[3].data)))
        confirm = timed(lambda: confirm_import(browser, url), profile=args.profile and _round == 0)
        assert confirm[3].status_code == 302, confirm[3].data[:300]
        confirms.append(confirm)
    report("page aperçu", uploads, args.lines, f"page de {uploads[0][3] / 1000:.0f} Ko")
    report("page import", confirms, args.lines, "(« Confirmer l'import »)")


def report(name, runs, lines, extra=""):
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    queries = runs[0][2]
    print(f"{name:<14}: médiane {wall:6.2f} s (CPU {cpu:5.2f} s ; {', '.join(f'{r[0]:.2f}' for r in runs)})  "
          f"{queries:5d} requêtes ({queries / lines:.3f} par ligne)  {extra}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--structures", type=int, default=10_000)
    parser.add_argument("--referents", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3, help="mesures de chaque étape (médiane)")
    parser.add_argument("--format", choices=("csv", "xlsx", "ods"), default="csv")
    parser.add_argument("--cache", help="dossier où garder la base construite d'un passage à l'autre")
    parser.add_argument("--web", action="store_true",
                        help="mesurer aussi les pages : dépôt du fichier (aperçu) et « Confirmer l'import »")
    parser.add_argument("--profile", action="store_true",
                        help="profil cProfile de l'aperçu et de l'import (temps propre et cumulé)")
    args = parser.parse_args()
    os.environ.pop("MAILLAGE_ADMIN_EMAIL", None)
    with tempfile.TemporaryDirectory() as directory:
        base = base_file(directory, args.structures, args.referents, args.cache)
        work = Path(directory) / "bench.db"
        fresh_copy(base, work)
        app = create_app({"INSTANCE_PATH": directory, "DATABASE_URL": f"sqlite:///{work}",
                          "SEED_ON_START": False})
        data = partner_file(partner_rows(args.lines, args.structures), args.format)
        filename = f"partenaires.{args.format}"
        print(f"Fichier : {args.lines} lignes, {args.format.upper()}, {len(data) / 1e6:.1f} Mo")
        previews, applies, confirms = [], [], []
        for _round in range(args.rounds):
            fresh_copy(base, work)
            with database.connection_context():
                previews.append(timed(lambda: preview_import("structures", filename, data)))
                plan = previews[-1][3]
                applies.append(timed(lambda: apply_import(plan, author="banc")))
            fresh_copy(base, work)
            with database.connection_context():
                # What « Importer » does: the preview's plan again (checked still true), then the writes.
                plan = preview_import("structures", filename, data)
                confirms.append(timed(lambda: confirm_import(plan, "structures", filename, data)))
        report("aperçu", previews, args.lines, previews[0][3].summary())
        for error in previews[0][3].errors[:5]:
            print("  erreur :", error)
        report("écritures", applies, args.lines, applies[0][3])
        report("import", confirms, args.lines, "(plan de l'aperçu relu et vérifié + écritures, comme « Confirmer »)")
        if args.web:
            web_rounds(app, base, work, data, filename, args)
        if args.profile:
            fresh_copy(base, work)
            with database.connection_context():
                print("=== aperçu ===")
                plan = timed(lambda: preview_import("structures", filename, data), profile=True)[3]
                print("=== import ===")
                timed(lambda: confirm_import(plan, "structures", filename, data), profile=True)
        if not database.is_closed():
            database.close()


if __name__ == "__main__":
    main()
