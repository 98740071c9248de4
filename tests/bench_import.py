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
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stdnum import luhn  # noqa: E402

from app import create_app  # noqa: E402
from documents.importing import apply_import, plan_import  # noqa: E402
from models import Referent, Structure, Territory, database  # noqa: E402

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


def timed(function, profile=False):
    profiler = cProfile.Profile() if profile else None
    with QueryCounter() as queries:
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        result = function()
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - start
    if profiler:
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(25)
        print(stream.getvalue())
    return elapsed, queries.count, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--structures", type=int, default=10_000)
    parser.add_argument("--referents", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--format", choices=("csv", "xlsx", "ods"), default="csv")
    parser.add_argument("--profile", action="store_true", help="profil cProfile de l'aperçu et de l'import")
    args = parser.parse_args()
    os.environ.pop("MAILLAGE_ADMIN_EMAIL", None)
    with tempfile.TemporaryDirectory() as directory:
        create_app({"INSTANCE_PATH": directory, "DATABASE_URL": f"sqlite:///{directory}/bench.db",
                    "SEED_ON_START": False})
        with database.connection_context():
            started = time.perf_counter()
            build_database(args.structures, args.referents)
            print(f"Base : {args.structures} structures, {args.referents} référent·e·s "
                  f"({time.perf_counter() - started:.1f} s)")
            data = partner_file(partner_rows(args.lines, args.structures), args.format)
            print(f"Fichier : {args.lines} lignes, {args.format.upper()}, {len(data) / 1e6:.1f} Mo")
            previews = [timed(lambda: plan_import("structures", f"partenaires.{args.format}", data))
                        for _ in range(3)]
            elapsed = statistics.median(p[0] for p in previews)
            queries, plan = previews[0][1], previews[0][2]
            print(f"aperçu  : {elapsed:6.2f} s  {queries:6d} requêtes "
                  f"({queries / args.lines:.3f} par ligne)  {plan.summary()}")
            for error in plan.errors[:5]:
                print("  erreur :", error)
            if args.profile:
                timed(lambda: plan_import("structures", f"partenaires.{args.format}", data), profile=True)
            elapsed, queries, counts = timed(lambda: apply_import(plan, author="banc"), profile=args.profile)
            print(f"import  : {elapsed:6.2f} s  {queries:6d} requêtes "
                  f"({queries / args.lines:.3f} par ligne)  {counts}")
            written = Structure.select().count()
            print(f"Structures après l'import : {written}")


if __name__ == "__main__":
    main()
