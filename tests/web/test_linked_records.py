"""Records that show what belongs to them (issue 9): a structure's page lists its
référent·e·s, antennes and the trainings they attended, and its form edits the
référent·e·s inline; a référent·e's page their trainings and the territories they
relay; a territory's page its parent, sub-territories, structures and coverage.
Related-record pickers are searched by typing and required ones start empty."""
import json
import re
from html import unescape

from models import Attendance, Referent, Structure, Territory, Training, database
from tests.helpers import form_of, make_referent, make_structure, make_territory

SAVED = "La fiche a été enregistrée"


def html_of(response):
    return unescape(response.get_data(as_text=True))


def section(html, section_id):
    """The HTML of the page's <section aria-labelledby=section_id>."""
    match = re.search(rf'<section[^>]*aria-labelledby="{section_id}".*?</section>', html, re.S)
    assert match, f"no section {section_id}"
    return match.group(0)


def link_texts(html):
    """The texts of the links to record pages, in page order."""
    return [unescape(text) for text in re.findall(r'<a href="/admin/\w+/details/\?id=\d+">([^<]+)</a>', html)]


def rows(html):
    return re.findall(r"<tr>\s*<td.*?</tr>", html, re.S)


def read(model, record_id):
    with database.connection_context():
        return model.get_or_none(model.id == record_id)


def count(model):
    with database.connection_context():
        return model.select().count()


def training(theme, date, half_days=1, **fields):
    with database.connection_context():
        return Training.create(theme=theme, date=date, half_days=half_days, **fields)


def attend(training_record, referent, present=True, evaluation=None):
    with database.connection_context():
        return Attendance.create(training=training_record, referent=referent, present=present,
                                 evaluation=evaluation)


# --- a structure's page ----------------------------------------------------------
def test_structure_page_lists_its_referents_antennes_and_trainings(as_role):
    structure = make_structure("CCAS de Poitiers", commune="Poitiers")
    other = make_structure("CCAS de Niort", commune="Niort")
    antenne = make_structure("CCAS de Poitiers — antenne des Couronneries", parent=structure)
    zoe = make_referent(structure, nom="Zola", prenom="Zoé", fonction="Assistante sociale",
                        role="violences", telephone="05 49 00 00 00", courriel="zoe@ccas.fr")
    ana = make_referent(structure, nom="Arnaud", prenom="Ana", actif=False)
    make_referent(other, nom="Bernard")  # not theirs
    held = training("Repérer les violences", "2026-03-10")
    later = training("Accès aux droits", "2026-09-15")
    attend(held, zoe)
    attend(later, ana, present=False)
    attend(later, zoe)

    html = html_of(as_role("viewer").get(f"/admin/structure/details/?id={structure.id}"))

    referents = section(html, "referents")
    assert link_texts(referents) == ["Ana Arnaud", "Zoé Zola"]
    zola_row = rows(referents)[1]
    for shown in ("Assistante sociale", "Référent·e violences", "05 49 00 00 00",
                  "zoe@ccas.fr", "Formé·e"):
        assert shown in zola_row, shown
    assert "Non formé·e" in rows(referents)[0]  # absent is not trained
    assert f'href="/admin/referent/details/?id={zoe.id}"' in referents
    assert "Ajouter un·e référent·e" not in html  # a viewer adds nobody

    assert link_texts(section(html, "antennes")) == ["CCAS de Poitiers — antenne des Couronneries"]
    trainings = section(html, "trainings")
    assert [re.sub(r"<[^>]+>|\s+", " ", row).split() for row in rows(trainings)] == [
        "Accès aux droits 15/09/2026 Ana Arnaud Non".split(),
        "Accès aux droits 15/09/2026 Zoé Zola Oui".split(),
        "Repérer les violences 10/03/2026 Zoé Zola Oui".split(),
    ]
    # The antenne's own page names its parent.
    antenne_html = html_of(as_role("viewer").get(f"/admin/structure/details/?id={antenne.id}"))
    assert "Antenne de" in antenne_html and link_texts(section(antenne_html, "antennes")) == [
        "CCAS de Poitiers (Poitiers)"]


def test_add_a_referent_from_the_structure_page_comes_back_to_it(as_role):
    structure = make_structure("CCAS de Loudun")
    make_structure("ASKORIA")  # first in the list: where a référent·e used to land
    editor = as_role("editor")
    page_url = f"/admin/structure/details/?id={structure.id}"
    html = html_of(editor.get(page_url))
    add_url = re.search(r'href="([^"]+)">Ajouter un·e référent·e<', html).group(1).replace("&amp;", "&")
    assert add_url.startswith("/admin/referent/new/?")

    form = html_of(editor.get(add_url))
    picker = re.search(r'<input[^>]*name="structure"[^>]*>', form).group(0)
    assert f'value="{structure.id}"' in picker and "CCAS de Loudun" in picker

    response = editor.post(add_url, {"prenom": "Inès", "nom": "Lemoine", "structure": structure.id,
                                     "role": "violences", "date_maj": "01/03/2026"})
    assert response.status_code == 302 and response.headers["Location"].endswith(page_url)
    with database.connection_context():
        assert [(r.nom, r.structure_id) for r in Referent.select()] == [("Lemoine", structure.id)]


# --- a référent·e's page -----------------------------------------------------------
def test_referent_page_lists_their_trainings_and_the_territories_they_relay(as_role):
    structure = make_structure()
    claire = make_referent(structure, nom="Martin")
    other = make_referent(structure, nom="Durand")
    first = training("Repérer les violences", "2026-03-10", half_days=2)
    second = training("Accès aux droits", "2026-09-15")
    training("Sans elle", "2026-10-01")
    attend(first, claire, evaluation=4)
    attend(second, claire, present=False)
    attend(second, other)
    vienne = make_territory("Vienne", kind="departement", resource_person=claire)
    make_territory("Bassin de Loudun", kind="bassin_de_vie", resource_person=claire, parent=vienne)
    make_territory("Bassin de Civray", kind="bassin_de_vie", resource_person=other)

    response = as_role("viewer").get(f"/admin/referent/details/?id={claire.id}")
    html = html_of(response)
    trainings = section(html, "trainings")
    assert [re.sub(r"<[^>]+>|\s+", " ", row).split() for row in rows(trainings)] == [
        "15/09/2026 Accès aux droits 1 Non".split(),
        "10/03/2026 Repérer les violences 2 Oui 4".split(),
    ]
    assert link_texts(section(html, "relayed")) == ["Bassin de Loudun", "Vienne"]
    # The privacy actions stay (an admin sees both).
    admin_html = html_of(as_role("admin").get(f"/admin/referent/details/?id={claire.id}"))
    assert "Exporter ses données" in admin_html and "Anonymiser" in admin_html


# --- a territory's page ------------------------------------------------------------
def test_territory_page_lists_parent_children_structures_and_coverage(as_role):
    vienne = make_territory("Vienne", kind="departement")
    poitiers = make_territory("RVC Poitiers", parent=vienne)
    loudun = make_territory("RVC Loudun", parent=vienne)
    bassin = make_territory("Bassin de Lusignan", kind="bassin_de_vie", parent=poitiers)
    make_territory("Deux-Sèvres", kind="departement")
    covered = make_structure("CCAS de Lusignan", territory=bassin)
    make_referent(covered)
    make_structure("CCAS de Loudun", territory=loudun)
    make_structure("Mairie de Poitiers", typologie="MUNI", territory=poitiers)
    make_structure("CCAS de Niort")  # no territory

    viewer = as_role("viewer")
    html = html_of(viewer.get(f"/admin/territory/details/?id={vienne.id}"))
    assert link_texts(section(html, "children")) == ["RVC Loudun", "RVC Poitiers"]
    assert link_texts(section(html, "structures")) == ["CCAS de Loudun", "CCAS de Lusignan", "Mairie de Poitiers"]
    assert "(3)" in section(html, "structures")
    coverage = section(html, "coverage")
    assert re.search(r"Structures accueillant du public</th><td[^>]*>3<", coverage)
    assert re.search(r"au moins un·e référent·e actif·ve</th>\s*<td[^>]*>1 \(33\u00a0%\)<", coverage)
    assert "Aucun\u00a0: ce territoire" in section(html, "parent")

    html = html_of(viewer.get(f"/admin/territory/details/?id={poitiers.id}"))
    assert link_texts(section(html, "parent")) == ["Vienne"]
    assert link_texts(section(html, "children")) == ["Bassin de Lusignan"]
    assert link_texts(section(html, "structures")) == ["CCAS de Lusignan", "Mairie de Poitiers"]


# --- searchable pickers ------------------------------------------------------------
def lookup(browser, view, name, query, **params):
    response = browser.get(f"/admin/{view}/ajax/lookup/", query_string={"name": name, "query": query, **params})
    assert response.status_code == 200, response.status_code
    return [label for _id, label in json.loads(response.get_data(as_text=True))]


def test_structure_picker_finds_by_words_accents_and_case_aside_in_reading_order(as_role):
    make_structure("Épicerie solidaire", commune="Poitiers")
    make_structure("Epicerie sociale de Niort", commune="Niort")
    make_structure("CCAS de Poitiers", commune="Poitiers")
    for number in range(30):
        make_structure(f"Association {number:02d}")
    viewer = as_role("viewer")
    assert lookup(viewer, "referent", "structure", "epicerie") == [
        "Epicerie sociale de Niort (Niort)", "Épicerie solidaire (Poitiers)"]
    assert lookup(viewer, "referent", "structure", "ÉPICERIE poit") == ["Épicerie solidaire (Poitiers)"]
    assert lookup(viewer, "referent", "structure", "poitiers") == [
        "CCAS de Poitiers (Poitiers)", "Épicerie solidaire (Poitiers)"]
    # At most 20, whatever the page asks, in reading order; the next page goes on.
    first = lookup(viewer, "referent", "structure", "association", limit=500)
    assert first == [f"Association {n:02d}" for n in range(20)]
    assert lookup(viewer, "referent", "structure", "association", offset=20) == [
        f"Association {n:02d}" for n in range(20, 30)]
    # Opened without typing: the first ones (10 a page, as the picker asks).
    assert lookup(viewer, "referent", "structure", "") == [f"Association {n:02d}" for n in range(10)]


def test_other_pickers_search_their_records(as_role):
    vienne = make_territory("Vienne", kind="departement")
    make_territory("Châtellerault")
    claire = make_referent(make_structure(), nom="Durand", prenom="Clémence")
    training("Repérer les violences", "2026-03-10")
    viewer = as_role("viewer")
    assert lookup(viewer, "territory", "parent", "chatel") == ["Châtellerault"]
    assert lookup(viewer, "territory", "resource_person", "clemence dur") == [str(claire)]
    assert lookup(viewer, "structure", "territory", "vien") == [vienne.name]
    assert lookup(viewer, "structure", "parent", "ccas") == ["CCAS de Poitiers"]
    assert lookup(viewer, "training", "territory", "VIENNE") == ["Vienne"]
    assert lookup(viewer, "attendance", "training", "reperer") == ["Repérer les violences (10/03/2026)"]
    assert lookup(viewer, "attendance", "referent", "durand") == ["Clémence Durand"]


def test_picker_refuses_anonymous_users_and_unknown_pickers(app, as_role, browser):
    make_structure("Épicerie solidaire")
    response = browser.get("/admin/referent/ajax/lookup/?name=structure&query=epicerie")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "Épicerie" not in response.get_data(as_text=True)
    viewer = as_role("viewer")
    assert viewer.get("/admin/referent/ajax/lookup/?name=notes&query=a").status_code == 404


def test_required_pickers_start_empty(as_role):
    make_structure("ASKORIA")
    make_territory("Vienne")
    editor = as_role("editor")
    form = html_of(editor.get("/admin/referent/new/"))
    picker = re.search(r'<input[^>]*name="structure"[^>]*>', form).group(0)
    assert 'data-role="select2-ajax"' in picker and "value=" not in picker and "ASKORIA" not in picker
    assert 'data-placeholder="Tapez pour chercher…"' in picker
    assert "data-allow-blank" not in picker  # required: no « clear » cross
    form = html_of(editor.get("/admin/structure/new/"))
    territory = re.search(r'<input[^>]*name="territory"[^>]*>', form).group(0)
    assert "value=" not in territory and 'data-allow-blank="1"' in territory  # optional
    typology = re.search(r'<select[^>]*name="typologie".*?</select>', form, re.S).group(0)
    assert re.search(r'<option selected value="__None">— choisir —</option>', typology), typology[:300]


def test_saving_a_referent_without_structure_says_so_and_writes_nothing(as_role):
    make_structure("ASKORIA")
    editor = as_role("editor")
    for structure in ("", "__None", "999999", "abc"):
        response = editor.post("/admin/referent/new/", {"prenom": "Inès", "nom": "Lemoine", "structure": structure,
                                                        "role": "violences", "date_maj": "01/03/2026"})
        assert response.status_code == 200, (structure, response.status_code)
        assert "Choisissez la structure du ou de la référent·e." in html_of(response), structure
        assert 'value="Lemoine"' in html_of(response)  # the input is kept
    assert count(Referent) == 0


def test_saving_a_structure_without_typology_says_so_and_writes_nothing(as_role):
    editor = as_role("editor")
    for typology in (None, "__None", ""):
        data = {"nom": "Épicerie solidaire", "date_maj": "01/03/2026", "accueille_du_public": "y", "actif": "y"}
        if typology is not None:
            data["typologie"] = typology
        response = editor.post("/admin/structure/new/", data)
        assert response.status_code == 200, typology
        assert "Choisissez la typologie de la structure." in html_of(response), typology
    assert count(Structure) == 0
    response = editor.post("/admin/structure/new/", {**data, "typologie": "ASSO"})
    assert response.status_code == 302
    with database.connection_context():
        assert [(s.nom, s.typologie) for s in Structure.select()] == [("Épicerie solidaire", "ASSO")]


def test_training_and_attendance_pickers_require_their_records_in_french(as_role):
    editor = as_role("editor")
    response = editor.post("/admin/attendance/new/", {"training": "", "referent": "", "present": "y"})
    html = html_of(response)
    assert "Choisissez la formation." in html and "Choisissez le ou la référent·e." in html
    assert count(Attendance) == 0


def test_edit_form_shows_the_chosen_record_and_keeps_it(as_role):
    territory = make_territory("Bassin de Civray", kind="bassin_de_vie")
    structure = make_structure("CCAS de Civray", territory=territory)
    editor = as_role("editor")
    url = f"/admin/structure/edit/?id={structure.id}"
    response = editor.get(url)
    picker = re.search(r'<input[^>]*name="territory"[^>]*>', html_of(response)).group(0)
    assert f'value="{territory.id}"' in picker and "Bassin de Civray" in picker
    form = form_of(response)
    saved = editor.client.post(url, data={**form.values, "commune": ["Civray"]})
    assert saved.status_code == 302, html_of(saved)[:3000]
    now = read(Structure, structure.id)
    assert (now.territory_id, now.commune) == (territory.id, "Civray")


# --- référent·e·s inline on the structure's form --------------------------------------
def inline_index(values, nom):
    return next(name.split("-")[1] for name, value in values.items()
                if name.startswith("referents-") and name.endswith("-nom") and value == [nom])


def test_structure_form_adds_and_edits_referents_inline(as_role):
    structure = make_structure("CCAS de Loudun")
    martin = make_referent(structure, nom="Martin", fonction="CESF")
    editor = as_role("editor")
    url = f"/admin/structure/edit/?id={structure.id}"
    form = form_of(editor.get(url))
    index = inline_index(form.values, "Martin")
    values = {**form.values, f"referents-{index}-fonction": ["Assistante sociale"],
              "referents-9-prenom": ["Inès"], "referents-9-nom": ["Lemoine"],
              "referents-9-role": ["personne_ressource"], "referents-9-fonction": ["Directrice"],
              "referents-9-actif": ["y"]}
    response = editor.client.post(url, data=values)
    assert response.status_code == 302, html_of(response)[:3000]
    with database.connection_context():
        assert [(r.prenom, r.nom, r.fonction, r.role, r.structure_id, r.version)
                for r in Referent.select().order_by(Referent.nom)] == [
            ("Inès", "Lemoine", "Directrice", "personne_ressource", structure.id, 1),
            ("Claire", "Martin", "Assistante sociale", "violences_precarite", structure.id, martin.version + 1),
        ]


def test_inline_referent_changed_meanwhile_is_not_overwritten(as_role):
    structure = make_structure("CCAS de Loudun")
    martin = make_referent(structure, nom="Martin")
    alice, bob = as_role("editor"), as_role("editor")
    url = f"/admin/structure/edit/?id={structure.id}"
    bob_form = form_of(bob.get(url))
    saved = alice.post(f"/admin/referent/edit/?id={martin.id}",
                       {**{k: v[0] for k, v in form_of(alice.get(f"/admin/referent/edit/?id={martin.id}")).values.items()},
                        "fonction": "Juriste"})
    assert saved.status_code == 302, html_of(saved)[:2000]
    index = inline_index(bob_form.values, "Martin")
    response = bob.client.post(url, data={**bob_form.values, f"referents-{index}-fonction": ["CESF"]})
    html = html_of(response)
    assert response.status_code == 200 and "Enregistrement refusé" in html
    assert "Juriste" in html  # what Alice wrote, told to Bob
    assert read(Referent, martin.id).fonction == "Juriste"


def test_deleting_an_inline_referent_with_attendances_is_refused_in_french(as_role):
    structure = make_structure("CCAS de Loudun")
    martin = make_referent(structure, nom="Martin")
    attend(training("Repérer les violences", "2026-03-10"), martin)
    editor = as_role("editor")
    url = f"/admin/structure/edit/?id={structure.id}"
    form = form_of(editor.get(url))
    index = inline_index(form.values, "Martin")
    response = editor.client.post(url, data={**form.values, f"del-referents-{index}": ["y"],
                                             "commune": ["Loudun"]})
    html = html_of(response)
    assert response.status_code == 200, response.status_code
    assert "Référent·e «\u00a0Claire Martin\u00a0» — Suppression impossible" in html and "1 présence" in html
    assert read(Referent, martin.id) is not None
    assert read(Structure, structure.id).commune is None  # all or nothing
