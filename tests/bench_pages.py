"""Page benchmark (not collected by pytest; not a timed test): grids, forms, dashboard
and "Trouver une aide" at two sizes, for Maillage and for Flask-Admin's stock peewee
view over the same tables.

    pip install -e '.[bench]'
    python tests/bench_pages.py                         # S and L on SQLite
    python tests/bench_pages.py --sizes L --rounds 20   # one size
    MAILLAGE_BENCH_POSTGRES_URL=postgresql://maillage:maillage@127.0.0.1:5432/maillage_bench \\
        python tests/bench_pages.py                     # PostgreSQL too (that database is emptied)

S: 200 structures, 1 000 référent·e·s, 50 trainings, 3 000 attendances (a département);
L: 10 000 / 100 000 / 2 000 / 200 000 (a national federation). Realistic French data
(accented names and communes, E.164 phones). SQLite files are kept in
/tmp/maillage_bench/ (MAILLAGE_BENCH_DIR; --rebuild to rebuild); migrations run on them at each start.

Pages are measured interleaved (every page of both apps once per round) over --rounds
rounds: median and p90 server time (Flask test client: the WSGI app, no network), SQL
queries per request and page weight. Ratios: Maillage / stock Flask-Admin.
"""
import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

os.environ.setdefault("MAILLAGE_ADMIN_EMAIL", "mesure@maillage.local")
os.environ.setdefault("MAILLAGE_ADMIN_PASSWORD", "lune-verte-repere-sur-le-canal")

from flask import Flask  # noqa: E402

from models import Attendance, Referent, Structure, Territory, Training, database  # noqa: E402
from tests.helpers import Browser, QueryCounter  # noqa: E402

SIZES = {"S": (200, 1_000, 50, 3_000), "L": (10_000, 100_000, 2_000, 200_000)}
BENCH_DIR = Path(os.environ.get("MAILLAGE_BENCH_DIR") or Path(tempfile.gettempdir()) / "maillage_bench")

COMMUNES = [
    ("Poitiers", "86000", "86194"), ("Châtellerault", "86100", "86066"), ("Loudun", "86200", "86137"),
    ("Civray", "86400", "86078"), ("Montmorillon", "86500", "86165"), ("Besançon", "25000", "25056"),
    ("Pontarlier", "25300", "25462"), ("Montbéliard", "25200", "25388"), ("École-Valentin", "25480", "25212"),
    ("Saint-Étienne", "42000", "42218"), ("Orléans", "45000", "45234"), ("Évry-Courcouronnes", "91000", "91228"),
    ("Nîmes", "30000", "30189"), ("Bézier", "34500", "34032"), ("Fontenay-le-Comte", "85200", "85092"),
    ("Thouars", "79100", "79329"), ("Niort", "79000", "79191"), ("Angoulême", "16000", "16015"),
    ("Rennes", "35000", "35238"), ("Vannes", "56000", "56260"), ("Quimper", "29000", "29232"),
    ("Grenoble", "38000", "38185"), ("Échirolles", "38130", "38151"), ("Chambéry", "73000", "73065"),
]
KINDS = [
    ("CCAS", "CCAS de {c}"), ("MUNI", "Mairie de {c}"), ("POLICE", "Commissariat de police de {c}"),
    ("GENDARMERIE", "Brigade de gendarmerie de {c}"), ("ASSO", "Épicerie solidaire de {c}"),
    ("CMS", "Centre médico-social de {c}"), ("CIDFF", "CIDFF — antenne de {c}"),
    ("ASSO", "Association « Élan » {c}"), ("CHRS", "CHRS L'Étape {c}"), ("FRANCE_VICTIMES", "France Victimes {c}"),
    ("HOSP", "Hôpital de {c} — urgences"), ("CAF", "CAF — accueil de {c}"),
]
PRENOMS = ["Élodie", "Claire", "Hélène", "Noémie", "Chloé", "Zoé", "Céline", "Agnès", "Françoise", "Inès",
           "Jérôme", "François", "Stéphane", "Loïc", "Benoît", "Gaëlle", "Anaïs", "Léa", "Maëlle", "Théo",
           "Camille", "Sarah", "Karim", "Yasmine", "Aurélie", "Frédéric", "Rémi", "Mélanie", "Océane", "Joël"]
NOMS = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
        "Simon", "Laurent", "Lefèvre", "Michel", "García", "Faure", "Rousseau", "Blanc", "Guérin", "Muller",
        "Hénault", "Lemaître", "Bézier", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Chevalier",
        "Côté", "Bérénger", "Lévêque", "Noël", "Châtelain", "Besnard", "Perrin", "Morel", "Mercier", "Boyer"]
FONCTIONS = ["Assistante sociale", "Conseillère en économie sociale et familiale", "Éducateur spécialisé",
             "Infirmière", "Officier de police judiciaire", "Juriste", "Directrice", "Chargée d'accueil",
             "Psychologue", "Médiatrice", "Adjudant-chef", "Sage-femme"]
THEMES = ["Repérer les violences conjugales", "Accueillir une victime : premiers gestes",
          "Précarité et accès aux droits", "Le téléphone grave danger", "Emprise et contrôle coercitif",
          "Orienter vers l'hébergement d'urgence", "Enfants co-victimes", "Écouter sans juger"]


def phone(rng):
    return "+33" + rng.choice("1234567") + "".join(rng.choice("0123456789") for _ in range(8))


def _with_search_text(model, rows):
    """Rows as the models' save() would write them: the folded search text too (when
    the model keeps one)."""
    if "search_text" in model._meta.fields:
        from models.search import search_document
        for row in rows:
            row["search_text"] = search_document(model, row)
    return rows


def _insert(model, rows, batch=500):
    rows = _with_search_text(model, rows)
    for start in range(0, len(rows), batch):
        model.insert_many(rows[start:start + batch]).execute()


def build(size):
    """Fill the (migrated, empty) database with one size's data."""
    n_structures, n_referents, n_trainings, n_attendances = SIZES[size]
    rng = random.Random(13)
    today = datetime.date(2026, 11, 24)
    with database.atomic():
        territories = []
        for name, kind in (("Vienne", "departement"), ("RVC Poitiers", "reseau"), ("RVC Châtellerault", "reseau"),
                           ("RVC Loudun", "reseau"), ("Doubs", "departement"), ("Bassin de Besançon", "bassin_de_vie")):
            territories.append(Territory.insert(name=name, kind=kind, version=1).execute())
        structures = []
        for index in range(n_structures):
            commune, code_postal, code_insee = COMMUNES[index % len(COMMUNES)]
            typologie, pattern = KINDS[(index // len(COMMUNES)) % len(KINDS)]
            number = index // (len(COMMUNES) * len(KINDS))
            nom = pattern.format(c=commune) + (f" {number + 1}" if number else "")
            structures.append(dict(
                nom=nom, typologie=typologie, commune=commune, code_postal=code_postal, code_insee=code_insee,
                adresse=f"{rng.randint(1, 120)} rue de l'Église", telephone=phone(rng),
                courriel=f"accueil{index}@exemple.fr", territory=rng.choice(territories),
                accueille_du_public=True, actif=rng.random() > 0.05, thematiques="[]", publics="[]",
                reseaux_porteurs="[]", date_maj=today - datetime.timedelta(days=rng.randint(0, 700)), version=1,
            ))
        _insert(Structure, structures)
        structure_ids = [row[0] for row in Structure.select(Structure.id).order_by(Structure.id).tuples()]
        referents = []
        for index in range(n_referents):
            prenom, nom = rng.choice(PRENOMS), rng.choice(NOMS)
            referents.append(dict(
                civilite=rng.choice(["Mme", "M.", ""]), prenom=prenom, nom=nom, fonction=rng.choice(FONCTIONS),
                structure=structure_ids[index % len(structure_ids)], role="violences_precarite",
                courriel=f"{prenom[0].lower()}.{index}@exemple.fr", telephone=phone(rng), actif=rng.random() > 0.1,
                date_maj=today - datetime.timedelta(days=rng.randint(0, 700)), version=1,
            ))
        _insert(Referent, referents)
        referent_ids = [row[0] for row in Referent.select(Referent.id).order_by(Referent.id).tuples()]
        trainings = [dict(
            date=today - datetime.timedelta(days=rng.randint(-60, 900)), theme=rng.choice(THEMES),
            half_days=rng.choice([1, 1, 2]), trainer="CIDFF", cost_per_half_day="350.00", room_cost="0.00",
            place=rng.choice(COMMUNES)[0], territory=rng.choice(territories), capacity=30, version=1,
        ) for _ in range(n_trainings)]
        _insert(Training, trainings)
        training_ids = [row[0] for row in Training.select(Training.id).order_by(Training.id).tuples()]
        per_training = n_attendances // n_trainings
        attendances = []
        for position, training_id in enumerate(training_ids):
            start = (position * per_training) % len(referent_ids)
            for offset in range(per_training):
                attendances.append(dict(
                    training=training_id, referent=referent_ids[(start + offset * 7) % len(referent_ids)],
                    present=rng.random() > 0.15, evaluation=None, version=1,
                ))
        _insert(Attendance, attendances, batch=1000)


def prepare_database(url, size, rebuild):
    """The database of `size` at `url`, built when empty (or asked); the connection open."""
    from models import open_database
    from models.schema import migrate
    db = open_database(url)
    db.connect(reuse_if_open=True)
    if rebuild and db.table_exists("structure"):
        if url.startswith("postgres"):
            db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        else:
            db.close()
            Path(url.split(":///", 1)[1]).unlink()
            db = open_database(url)
            db.connect()
    started = time.perf_counter()
    migrate(db)
    if Referent.select().count() != SIZES[size][1]:
        if Structure.select().exists():  # another size: start again
            db.close()
            return prepare_database(url, size, True)
        build(size)
        print(f"  built {size} in {time.perf_counter() - started:.1f} s", flush=True)
    if url.startswith("postgres"):
        db.execute_sql("ANALYZE")
    else:
        db.execute_sql("ANALYZE")
    db.close()
    return db


# --- Flask-Admin's stock peewee view over the same tables -----------------------------
def stock_app(db):
    from flask_admin import Admin
    from flask_admin.contrib.peewee import ModelView
    from playhouse.flask_utils import FlaskDB

    app = Flask("stock")
    app.config["SECRET_KEY"] = "bench"
    admin = Admin(app, url="/stock", name="stock")

    class StockReferent(ModelView):
        column_list = ("nom", "prenom", "fonction", "structure", "role", "courriel", "telephone", "actif", "date_maj")
        column_searchable_list = ("nom", "prenom", "fonction", "courriel")
        column_filters = (Structure.nom, "actif", "role")
        column_sortable_list = ("nom", "prenom", ("structure", Structure.nom), "actif", "date_maj")
        column_default_sort = "nom"

    class StockAttendance(ModelView):
        column_list = ("training", "referent", "present", "evaluation")
        # Referent's columns only: stock Flask-Admin cannot join Training after Referent here.
        column_searchable_list = (Referent.nom, Referent.prenom)
        column_filters = (Training.theme, "present")
        column_sortable_list = (("training", Training.theme), ("referent", Referent.nom), "present", "evaluation")

    class StockStructure(ModelView):
        column_list = ("nom", "typologie", "commune", "territory", "telephone", "accueille_du_public", "actif", "date_maj")
        column_searchable_list = ("nom", "commune", "siret", "courriel", "code_postal")
        column_filters = ("typologie", "commune", "actif", Territory.name)
        column_sortable_list = ("nom", "typologie", "commune", ("territory", Territory.name), "actif", "date_maj")
        column_default_sort = "nom"

    class StockTraining(ModelView):
        column_searchable_list = ("theme", "trainer", "place")

    for view, model in ((StockReferent, Referent), (StockAttendance, Attendance),
                        (StockStructure, Structure), (StockTraining, Training)):
        admin.add_view(view(model, endpoint=f"stock_{model.__name__.lower()}"))
    from flask_babel import Babel
    Babel(app)
    FlaskDB(app, db)
    return app


def filter_arg(app, endpoint, filter_name):
    """The `flt0_…` query argument of a view's filter named `filter_name` ("=" kind)."""
    view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == endpoint)
    for index, flt in enumerate(view._filters or ()):
        if str(flt.name) == filter_name and type(flt).__name__.endswith("FilterEqual"):
            return f"flt0_{view.get_filter_arg(index, flt)}"
    for index, flt in enumerate(view._filters or ()):
        if str(flt.name) == filter_name:
            return f"flt0_{view.get_filter_arg(index, flt)}"
    raise LookupError(f"{endpoint}: no filter {filter_name}")


def sort_index(app, endpoint, column):
    view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == endpoint)
    names = [name for name, _ in view._list_columns]
    return names.index(column)


def pages(maillage, stock, ids):
    """[(label, Maillage URL, stock URL or None)]."""
    structure, referent, training, attendance, commune_structure = ids
    rows = "page_size=20"
    stock_rows = "page_size=20"
    out = []
    for label, endpoint, stock_endpoint, search, flt, stock_flt, value, joined in (
        ("référent·e·s", "referent", "stock_referent", "elodie martin", "Structure", "Structure / Nom", structure, "structure"),
        ("présences", "attendance", "stock_attendance", "martin", "Formation", "Training / Theme", training, "referent"),
        ("structures", "structure", "stock_structure", "chatellerault", "Territoire", "Territory / Name", ids_territory(), "territory"),
    ):
        stock_value = {"referent": Structure, "attendance": Training, "structure": Territory}[endpoint]
        stock_value = stock_value.get_by_id(value)
        stock_value = urllib.parse.quote(getattr(stock_value, {"referent": "nom", "attendance": "theme", "structure": "name"}[endpoint]))
        base, stock_base = f"/admin/{endpoint}/", f"/stock/{stock_endpoint}/"
        m_arg, s_arg = filter_arg(maillage, endpoint, flt), filter_arg(stock, stock_endpoint, stock_flt)
        m_sort, s_sort = sort_index(maillage, endpoint, joined), sort_index(stock, stock_endpoint, joined)
        out += [
            (f"{label}: default", f"{base}?{rows}", f"{stock_base}?{stock_rows}"),
            (f"{label}: search", f"{base}?{rows}&search={search}", f"{stock_base}?{stock_rows}&search={search}"),
            (f"{label}: filter", f"{base}?{rows}&{m_arg}={value}", f"{stock_base}?{stock_rows}&{s_arg}={stock_value}"),
            (f"{label}: sort joined", f"{base}?{rows}&sort={m_sort}", f"{stock_base}?{stock_rows}&sort={s_sort}"),
            (f"{label}: page 50", f"{base}?{rows}&page=49", f"{stock_base}?{stock_rows}&page=49"),
        ]
    out.append(("référent·e·s: default page size", "/admin/referent/", "/stock/stock_referent/"))
    for endpoint, record_id in (("training", training), ("attendance", attendance),
                                ("structure", structure), ("referent", referent)):
        out.append((f"form {endpoint}: edit", f"/admin/{endpoint}/edit/?id={record_id}",
                    f"/stock/stock_{endpoint}/edit/?id={record_id}"))
        out.append((f"form {endpoint}: create", f"/admin/{endpoint}/new/", f"/stock/stock_{endpoint}/new/"))
    out.append(("dashboard", "/admin/", None))
    out.append(("dashboard: after a change", "/admin/", None))  # its figures added up again
    help_url = find_help_url(maillage)
    if help_url:
        out.append(("Trouver une aide", help_url, None))
    return out


def touch_a_structure():
    """A record saved (a line in the history), as by a colleague."""
    with database.connection_context():
        Structure.create(nom=f"Structure ajoutée {time.time_ns()}", typologie="CCAS")


def ids_territory():
    return Territory.select(Territory.id).where(Territory.name == "RVC Châtellerault").scalar()


def find_help_url(app):
    for rule in app.url_map.iter_rules():
        if "aide" in rule.rule and "GET" in rule.methods and "<" not in rule.rule:
            return rule.rule + "?q=hebergement&commune=poitiers"
    return None


def measure(client, url):
    with QueryCounter() as queries:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return elapsed, queries.count, len(response.data)


SLOW_SECONDS = 5


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def run(url, size, rounds, rebuild):
    from app import create_app
    db = prepare_database(url, size, rebuild)
    instance = BENCH_DIR / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    maillage = create_app({"INSTANCE_PATH": instance, "DATABASE_URL": url, "SEED_ON_START": False})
    db = database.obj
    stock = stock_app(db)
    browser = Browser(maillage.test_client())
    assert browser.login(os.environ["MAILLAGE_ADMIN_EMAIL"], os.environ["MAILLAGE_ADMIN_PASSWORD"]).status_code == 302
    stock_client = stock.test_client()
    with database.connection_context():
        middle = lambda model: model.select(model.id).order_by(model.id).offset(model.select().count() // 2).scalar()  # noqa: E731
        ids = (middle(Structure), middle(Referent), middle(Training), middle(Attendance), None)
        listed = pages(maillage, stock, ids)
    for _label, m_url, _s_url in listed:  # warm-up (templates compiled, caches filled): not counted
        measure(browser.client, m_url)
    results = {}
    for round_number in range(rounds):
        for label, m_url, s_url in listed:
            if label.endswith("after a change"):
                touch_a_structure()
            for kind, client, page_url in (("maillage", browser.client, m_url), ("stock", stock_client, s_url)):
                runs = results.setdefault((label, kind), [])
                if page_url is None or (kind == "stock" and runs and runs[0][0] > SLOW_SECONDS):
                    continue  # a stock page over 5 s (its forms list 100 000 rows): measured once
                runs.append(measure(client, page_url))
    return listed, results


def report(backend, size, listed, results, rounds):
    print(f"\n## {backend}, {size} ({rounds} rounds; ms median / p90, queries, KB)")
    print("| page | Maillage ms (p90) | q | KB | stock ms (p90) | q | KB | ratio time | ratio KB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, _m, s_url in listed:
        cells = []
        figures = {}
        for kind in ("maillage", "stock"):
            runs = results.get((label, kind))
            if not runs:
                cells += ["–", "–", "–"]
                continue
            times = [r[0] * 1000 for r in runs]
            median, p90 = statistics.median(times), percentile(times, 0.9)
            queries = sorted({r[1] for r in runs})
            weight = runs[-1][2] / 1024
            figures[kind] = (median, weight)
            once = " (1 run)" if len(runs) == 1 and rounds > 1 else ""
            cells += [f"{median:.1f} ({p90:.1f}){once}", "/".join(map(str, queries)), f"{weight:.0f}"]
        if len(figures) == 2:
            cells += [f"{figures['maillage'][0] / figures['stock'][0]:.2f}",
                      f"{figures['maillage'][1] / figures['stock'][1]:.2f}"]
        else:
            cells += ["–", "–"]
        print(f"| {label} | " + " | ".join(cells) + " |", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="S,L")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    BENCH_DIR.mkdir(exist_ok=True)
    backends = []
    if args.only != "postgresql":
        backends.append(("SQLite", lambda size: f"sqlite:///{BENCH_DIR / f'bench_{size}.db'}"))
    postgres = os.environ.get("MAILLAGE_BENCH_POSTGRES_URL")
    if postgres and args.only != "sqlite":
        backends.append(("PostgreSQL", lambda size: postgres))
    for backend, url_of in backends:
        for size in args.sizes.split(","):
            print(f"# {backend} {size}: preparing", flush=True)
            listed, results = run(url_of(size), size, args.rounds, args.rebuild)
            report(backend, size, listed, results, args.rounds)


if __name__ == "__main__":
    main()
