"""What a grid offers a user: filters that follow the data, sorting by names, search."""
import html
import json
import re

from models import Territory, database
from tests.helpers import grid_column, make_referent, make_scenario, make_structure, make_territory


def page_of(browser, url):
    response = browser.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.get_data(as_text=True))


def filter_group(page, label):
    """One filter of the grid's filter menu (JSON in the page, maybe \\u-escaped)."""
    escaped = json.dumps(label)  # as Flask's tojson writes it: non-ASCII and ' escaped
    for key in (f'"{label}": ', escaped + ": ", escaped.replace("'", "\\u0027") + ": "):
        if key + "[" in page:
            start = page.index(key + "[") + len(key)
            return json.JSONDecoder().raw_decode(page, start)[0][0]
    raise AssertionError(f"Pas de filtre « {label} » sur la page.")


def filter_options(page, label):
    """The (value, label) choices the grid offers for one filter."""
    return [tuple(option) for option in filter_group(page, label)["options"] or []]


def filtered_url(url, page, label, value):
    """The grid at `url` filtered on `label` = `value`, as the filter menu builds it."""
    return f"{url}?flt0_{filter_group(page, label)['arg']}={value}"


def sorted_url(page, header, descending=False):
    """The link of a column header, as a click on it would follow."""
    link = re.search(rf'href="([^"]*sort=\d+[^"]*)"[^>]*>\s*{re.escape(header)}', page).group(1)
    return link + ("&desc=1" if descending and "desc=1" not in link else "")


def listed_names(page):
    return grid_column(page, "nom")


def test_related_filters_offer_the_current_records_by_name(as_role):
    browser = as_role("viewer")
    make_territory("Vienne Sud")
    assert filter_options(page_of(browser, "/admin/structure/"), "Territoire") == [
        (str(Territory.get(Territory.name == "Vienne Sud").id), "Vienne Sud")
    ]
    created = make_territory("Bassin de Châtellerault")  # after the panel has started
    later = make_territory("Âge d'or (réseau)")
    options = [name for _, name in filter_options(page_of(browser, "/admin/structure/"), "Territoire")]
    assert options == ["Âge d'or (réseau)", "Bassin de Châtellerault", "Vienne Sud"]  # accents sort as letters
    with database.connection_context():
        later.delete_instance()
    options = [value for value, _ in filter_options(page_of(browser, "/admin/structure/"), "Territoire")]
    assert str(later.id) not in options and str(created.id) in options


def test_attendance_filter_offers_trainings_created_after_start(as_role):
    from models import Training

    browser = as_role("viewer")
    page_of(browser, "/admin/attendance/")
    with database.connection_context():
        Training.create(theme="Repérer les violences", date="2026-12-03", half_days=1)
    page = page_of(browser, "/admin/attendance/")
    assert filter_options(page, "Formation") == []  # typed, not listed: read on demand
    lookup = browser.get(f"/admin/attendance/ajax/lookup/?name=filter:{filter_group(page, 'Formation')['arg']}&query=")
    assert [name for _, name in lookup.get_json()] == ["Repérer les violences (03/12/2026)"]


def test_joined_columns_sort_by_name(as_role):
    browser = as_role("viewer")
    # Created in an order where ids and names disagree.
    zeta, alpha = make_territory("Zêta"), make_territory("Alpha")
    make_structure("CCAS A", territory=zeta)
    make_structure("CCAS B", territory=alpha)
    page = page_of(browser, "/admin/structure/")
    assert listed_names(page_of(browser, sorted_url(page, "Territoire"))) == ["CCAS B", "CCAS A"]
    assert listed_names(page_of(browser, sorted_url(page, "Territoire", descending=True))) == ["CCAS A", "CCAS B"]


def test_cost_lines_sort_by_scenario_name(as_role):
    from models import CostLine

    browser = as_role("viewer")
    with database.connection_context():
        for name in ("Scénario Z", "Scénario A"):
            CostLine.create(scenario=make_scenario(name), category="Personnel", designation=f"Ligne {name}",
                            amount=1000)
    page = page_of(browser, "/admin/costline/")
    page = page_of(browser, sorted_url(page, "Scénario"))
    assert page.index("Ligne Scénario A") < page.index("Ligne Scénario Z")


def test_search_finds_accented_capitals_whatever_the_case(as_role):
    make_structure("Brigade de gendarmerie d'École-Valentin", typologie="GENDARMERIE")
    make_structure("CCAS de Poitiers")
    browser = as_role("viewer")
    for term in ("école", "ÉCOLE", "École"):
        assert listed_names(page_of(browser, f"/admin/structure/?search={term}")) == [
            "Brigade de gendarmerie d'École-Valentin"
        ], term
    assert listed_names(page_of(browser, "/admin/structure/?search=poitiers")) == ["CCAS de Poitiers"]


def test_attendance_grid_searches_referents_and_trainings(as_role):
    from models import Attendance, Training

    structure = make_structure()
    with database.connection_context():
        training = Training.create(theme="Repérer les violences", date="2026-12-03", half_days=1)
        other = Training.create(theme="Accès aux droits", date="2026-12-10", half_days=1)
        Attendance.create(training=training, referent=make_referent(structure, nom="Martin"))
        Attendance.create(training=other, referent=make_referent(structure, nom="Durand"))
    browser = as_role("viewer")
    page = page_of(browser, "/admin/attendance/?search=durand")
    assert grid_column(page, "referent") == ["Claire Durand"]
    page = page_of(browser, "/admin/attendance/?search=repérer")
    assert grid_column(page, "referent") == ["Claire Martin"]


def test_referents_filter_by_their_structure_territory(as_role):
    north, south = make_territory("Nord Vienne"), make_territory("Sud Vienne")
    make_referent(make_structure("CCAS de Loudun", territory=north), nom="Martin")
    make_referent(make_structure("CCAS de Civray", territory=south), nom="Durand")
    browser = as_role("viewer")
    page = page_of(browser, "/admin/referent/")
    assert listed_names(page) == ["Durand", "Martin"]
    page = page_of(browser, filtered_url("/admin/referent/", page, "Territoire", south.id))
    assert listed_names(page) == ["Durand"]


def test_names_sort_as_a_reader_expects_case_and_accents_aside(as_role):
    for name in ("Éducation nationale", "CPAM de la Vienne", "Commissariat de Poitiers", "eau et solidarité"):
        make_structure(name)
    expected = ["Commissariat de Poitiers", "CPAM de la Vienne", "eau et solidarité", "Éducation nationale"]
    browser = as_role("viewer")
    page = page_of(browser, "/admin/structure/")
    assert listed_names(page) == expected  # the default order
    assert listed_names(page_of(browser, sorted_url(page, "Nom", descending=True))) == expected[::-1]


def test_coded_columns_sort_by_the_label_shown(as_role):
    # Codes ETAT < HOSP < JUSTICE; labels Hôpital < Justice < Service de l'État.
    for name, code in (("Préfecture", "ETAT"), ("CHU", "HOSP"), ("Tribunal", "JUSTICE")):
        make_structure(name, typologie=code)
    browser = as_role("viewer")
    page = page_of(browser, sorted_url(page_of(browser, "/admin/structure/"), "Typologie"))
    assert listed_names(page) == ["CHU", "Tribunal", "Préfecture"]


def test_form_lists_offer_records_in_alphabetical_order(as_role):
    for name in ("Éducation nationale", "CPAM de la Vienne", "Commissariat de Poitiers"):
        make_structure(name)
    # The structure picker is a type-ahead (admin_views/fields.py): what it offers before typing.
    response = as_role("editor").get("/admin/referent/ajax/lookup/?name=structure&query=")
    assert [label for _id, label in response.get_json()] == [
        "Commissariat de Poitiers", "CPAM de la Vienne", "Éducation nationale",
    ]


def filter_arg(page, label, widget):
    """The URL argument of the first `label` filter drawn with `widget` (datepicker…)."""
    start = page.index(f'"{label}": [') + len(f'"{label}": ')
    group = json.JSONDecoder().raw_decode(page, start)[0]
    return next(operation["arg"] for operation in group if operation["type"] == widget)


def test_date_filters_read_french_dates_and_periods(as_role):
    from models import Training

    with database.connection_context():
        for theme, day in (("Janvier", "2027-01-15"), ("Mars", "2027-03-10")):
            Training.create(theme=theme, date=day, half_days=1)
    browser = as_role("viewer")
    page = page_of(browser, "/admin/training/")
    on_day, period = filter_arg(page, "Date", "datepicker"), filter_arg(page, "Date", "daterangepicker")
    assert grid_column(page, "theme") == ["Mars", "Janvier"]
    found = page_of(browser, f"/admin/training/?flt0_{on_day}=15/01/2027")
    assert grid_column(found, "theme") == ["Janvier"]
    found = page_of(browser, f"/admin/training/?flt0_{period}=01/03/2027 au 31/03/2027")
    assert grid_column(found, "theme") == ["Mars"]
    found = page_of(browser, f"/admin/training/?flt0_{period}=2027-01-01 to 2027-01-31")  # Flask-Admin's form
    assert grid_column(found, "theme") == ["Janvier"]
    for wrong in ("31/02/2027", "01/04/2027 au 01/03/2027"):
        refused = browser.get(f"/admin/training/?flt0_{on_day if 'au' not in wrong else period}={wrong}")
        assert refused.status_code == 200
        assert "Valeur de filtre non valide" in html.unescape(refused.get_data(as_text=True))
