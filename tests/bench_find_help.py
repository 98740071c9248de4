"""Benchmark of « Trouver une aide » (not collected by pytest).

    python tests/bench_find_help.py [--services 10000] [--runs 30] [--database-url URL]

Builds a throw-away database (SQLite by default) with a département, 10 réseaux and
their bassins, 2 000 structures with référent·e·s, and N services spread over the
thématiques, publics and zones; then times the page's search through the Flask test
client (the real request: login, view, query, template) for a few typical searches,
and prints the median and 90th percentile server time of each (wall clock, and the
process's CPU time, less sensitive to a busy machine). Target: < 200 ms.
"""
import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import create_app  # noqa: E402
from models import Referent, Service, Structure, Territory, database  # noqa: E402
from models.directory import THEMATIQUES  # noqa: E402
from models.users import create_or_reset_user  # noqa: E402

PASSWORD = "mot-de-passe-du-banc"
STRUCTURES = 2000
PUBLICS = ["femmes", "familles", "jeunes", "tous-publics", "seniors", ""]
HOURS = ["Mo-Fr 09:00-12:00,14:00-17:00", "We 14:00-17:00", "Mo,Th 09:00-12:30", "", "Tu-Sa 10:00-18:00"]


def build(services):
    random.seed(12)
    today = datetime.date.today()
    with database.atomic():
        vienne = Territory.create(name="Vienne", kind="departement", departement="86")
        reseaux = [Territory.create(name=f"RVC {i}", kind="reseau", parent=vienne) for i in range(10)]
        bassins = [Territory.create(name=f"Bassin {i}", parent=reseaux[i % 10]) for i in range(30)]
        communes = [(f"Commune {i}", f"86{i:03d}") for i in range(1, 280)]
        rows = []
        for i in range(STRUCTURES):
            name, code = communes[i % len(communes)]
            rows.append({"nom": f"Structure {i}", "typologie": "ASSO", "commune": name, "code_insee": code,
                         "territory": random.choice(bassins + reseaux).id, "actif": True,
                         "date_maj": today, "version": 1, "accueille_du_public": True,
                         "horaires_accueil": random.choice(HOURS) or None})
        for start in range(0, len(rows), 500):
            Structure.insert_many(rows[start:start + 500]).execute()
        structure_ids = [s.id for s in Structure.select(Structure.id)]
        Referent.insert_many([{"prenom": "Prénom", "nom": f"Nom {i}", "structure": sid, "role": "violences",
                               "actif": True, "date_maj": today, "version": 1}
                              for i, sid in enumerate(structure_ids)]).execute()
        codes = [code for _name, code in communes]
        slugs = [code for code, _label in THEMATIQUES]
        rows = []
        for i in range(services):
            zone = random.choice([["86"], [random.choice(codes)], random.sample(codes, 3), [], ["france"]])
            rows.append({
                "structure": random.choice(structure_ids), "nom": f"Service {i}",
                "description": "Un service du réseau, décrit en une phrase.",
                "thematiques": ",".join(sorted(random.sample(slugs, 2))),
                "publics": random.choice(PUBLICS) or None, "zone_eligibilite": ",".join(sorted(zone)) or None,
                "modes_mobilisation": "telephoner", "horaires_accueil": random.choice(HOURS) or None,
                "date_maj": today - datetime.timedelta(days=random.randint(0, 500)), "version": 1})
        for start in range(0, len(rows), 500):
            Service.insert_many(rows[start:start + 500]).execute()
    return reseaux[3].id


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-find-help-")
    url = args.database_url or f"sqlite:///{folder}/bench.db"
    os.environ.pop("MAILLAGE_ADMIN_EMAIL", None)
    app = create_app({"INSTANCE_PATH": folder, "DATABASE_URL": url, "SEED_ON_START": False, "TESTING": True})
    with database.connection_context():
        reseau = build(args.services)
        create_or_reset_user("bench@test.fr", PASSWORD, role="viewer")
        total = Service.select().count()
    client = app.test_client()
    from tests.helpers import Browser
    browser = Browser(client)
    assert browser.login("bench@test.fr", PASSWORD).status_code == 302
    searches = {
        "besoin + commune": "?besoin=violences-conjugales&commune=86042",
        "besoin + territoire + public": f"?besoin=logement&territoire={reseau}&public=femmes",
        "commune seule": "?commune=Commune+17",
        "besoin + commune + ouvert le mercredi": "?besoin=emploi&commune=86120&quand=mercredi",
        "territoire + ouvert maintenant": f"?territoire={reseau}&quand=maintenant",
    }
    print(f"{total} services, {STRUCTURES} structures, base {url.split(':')[0]}, {args.runs} requêtes par recherche")
    for label, query in searches.items():
        times, cpu = [], []
        for _ in range(args.runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(f"/admin/trouver-une-aide/{query}")
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)  # SQLite runs in this process too
            assert response.status_code == 200
        found = response.get_data(as_text=True).split('id="resultats">')[1].split("</h2>")[0].split()[0:2]
        times.sort()
        p90 = times[int(len(times) * 0.9) - 1]
        cpu.sort()
        print(f"{label:40} médiane {statistics.median(times):6.1f} ms   p90 {p90:6.1f} ms   "
              f"(CPU médiane {statistics.median(cpu):6.1f} ms, p90 {cpu[int(len(cpu) * 0.9) - 1]:6.1f} ms)   "
              f"({' '.join(found)})")
    print(f"Charge de la machine (load average) : {os.getloadavg()[0]:.1f} sur {os.cpu_count()} cœurs")


if __name__ == "__main__":
    main()
