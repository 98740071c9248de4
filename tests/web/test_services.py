"""The services' pages: /admin/service/ (search accents aside, filters, XLSX export),
inline lines on the structure's form, the structure's page, the data·inclusion export."""
import io
import json

import openpyxl
from data_inclusion.schema import v1

from models import Service, database
from models.services import THEMATIQUE_LABELS
from tests.helpers import LONG_AGO, form_of, make_referent, make_structure, make_territory, page_messages

VIOLENCE = "famille--surmonter-conflits-separation-violence"


def make_service(structure, nom="Permanence juridique", **fields):
    with database.connection_context():
        return Service.create(structure=structure, nom=nom,
                              description=fields.pop("description", "Un service du réseau."), **fields)


def html(response):
    return response.get_data(as_text=True)


def _grid():
    vienne = make_territory("Vienne", kind="departement", departement="86")
    loudun = make_territory("RVC Loudun", parent=vienne)
    cidff = make_structure("CIDFF de la Vienne", typologie="CIDFF", territory=vienne)
    ccas = make_structure("Épicerie solidaire de Loudun", typologie="ASSO", territory=loudun)
    other = make_structure("Centre social", typologie="ASSO")
    make_service(cidff, thematiques=[VIOLENCE], publics=["femmes"], modes_accueil=["en-presentiel"])
    make_service(ccas, nom="Colis alimentaires", thematiques=["equipement-et-alimentation--alimentation"],
                 modes_accueil=["a-distance"], date_maj=LONG_AGO)
    make_service(other, nom="Écrivain public", publics=["tous-publics"])
    return vienne, loudun


def rows(page):
    return sorted(name for name in ("Permanence juridique", "Colis alimentaires", "Écrivain public") if name in page)


def test_grid_search_filters_and_french_labels(as_role):
    vienne, loudun = _grid()
    viewer = as_role("viewer")
    page = html(viewer.get("/admin/service/"))
    assert rows(page) == ["Colis alimentaires", "Permanence juridique", "Écrivain public"]
    assert THEMATIQUE_LABELS[VIOLENCE] in page and "Tous publics" in page  # the schema's French labels
    assert rows(html(viewer.get("/admin/service/?search=epicerie"))) == ["Colis alimentaires"]  # the structure's name, accents aside
    assert rows(html(viewer.get("/admin/service/?search=ECRIVAIN"))) == ["Écrivain public"]
    grid = viewer.get("/admin/service/")
    assert grid.status_code == 200
    view = viewer.client.application.extensions["admin"][0]._views
    service_view = next(v for v in view if getattr(v, "endpoint", None) == "service")
    with viewer.client.application.test_request_context():
        url = service_view.filtered_url(("Territoire", str(vienne.id)))
        assert rows(html(viewer.get(url))) == ["Colis alimentaires", "Permanence juridique"]  # sub-territory included
        url = service_view.filtered_url(("Territoire", str(loudun.id)))
        assert rows(html(viewer.get(url))) == ["Colis alimentaires"]
        url = service_view.filtered_url(("Thématiques", VIOLENCE))
        assert rows(html(viewer.get(url))) == ["Permanence juridique"]
        url = service_view.filtered_url(("Publics", "tous-publics"))
        assert rows(html(viewer.get(url))) == ["Écrivain public"]
        url = service_view.filtered_url(("Modes d'accueil", "a-distance"))
        assert rows(html(viewer.get(url))) == ["Colis alimentaires"]
        url = service_view.filtered_url((next(f.name for f in service_view._filters if str(f.name).startswith("À vérifier")), "1"))
        assert rows(html(viewer.get(url))) == ["Colis alimentaires"]
    assert viewer.get("/admin/service/?flt0_0=pas-un-slug").status_code == 200


def test_grid_exports_xlsx_for_a_viewer(as_role):
    _grid()
    response = as_role("viewer").get("/admin/service/export/xlsx/?search=epicerie")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "Colis alimentaires" in values and "Permanence juridique" not in values


def test_editor_creates_a_service_and_reads_french_messages(as_role):
    structure = make_structure("CIDFF de la Vienne", typologie="CIDFF")
    editor = as_role("editor")
    form = form_of(editor.get(f"/admin/service/new/?structure={structure.id}"))
    assert form.values.get("structure") == [str(structure.id)]
    bad = editor.client.post("/admin/service/new/", data={
        **form.values, "nom": ["Permanence"], "description": ["Informer sur les droits."],
        "zone_eligibilite": ["86, 8"], "horaires_accueil": ["lundi matin"]})
    messages = " ".join(page_messages(bad))
    assert "Code(s) non reconnu(s) : 8" in messages and "OpenStreetMap" in messages
    with database.connection_context():
        assert Service.select().count() == 0
    good = editor.client.post("/admin/service/new/", data={
        **form.values, "nom": ["Permanence"], "description": ["Informer sur les droits."],
        "zone_eligibilite": ["86194, 86"], "thematiques": [VIOLENCE], "publics": ["femmes"],
        "horaires_accueil": ["We 14:00-17:00"], "telephone": ["05 49 00 00 00"]})
    assert good.status_code == 302, page_messages(good)
    with database.connection_context():
        saved = Service.get()
        assert (saved.structure_id, saved.zone_eligibilite, saved.telephone) == (structure.id, ["86", "86194"], "+33549000000")


def test_services_inline_on_the_structure_form_and_listed_on_its_page(as_role):
    structure = make_structure("CIDFF de la Vienne", typologie="CIDFF")
    existing = make_service(structure, thematiques=[VIOLENCE])
    editor = as_role("editor")
    url = f"/admin/structure/edit/?id={structure.id}"
    form = form_of(editor.get(url))
    index = next(name.split("-")[1] for name, value in form.values.items()
                 if name.startswith("services-") and name.endswith("-nom") and value == ["Permanence juridique"])
    assert form.values[f"services-{index}-zone_eligibilite"] == [""]
    response = editor.client.post(url, data={
        **form.values, f"services-{index}-zone_eligibilite": ["86"],
        "services-9-nom": ["Groupe de parole"], "services-9-description": ["Un groupe chaque mois."],
        "services-9-publics": ["femmes"], "services-9-date_maj": ["01/12/2026"]})
    assert response.status_code == 302, page_messages(response)
    with database.connection_context():
        assert [(s.nom, s.zone_eligibilite) for s in Service.select().order_by(Service.nom)] == [
            ("Groupe de parole", []), ("Permanence juridique", ["86"])]
        assert Service.get_by_id(existing.id).version == existing.version + 1
    page = html(as_role("viewer").get(f"/admin/structure/details/?id={structure.id}"))
    assert "Services proposés (2)" in page and "Groupe de parole" in page
    assert THEMATIQUE_LABELS[VIOLENCE] in page
    assert "Ajouter un service" not in page  # a viewer reads only


def test_deleting_a_structure_deletes_its_services(as_role):
    structure = make_structure("Ancienne asso", typologie="ASSO")
    make_service(structure)
    editor = as_role("editor")
    response = editor.post("/admin/structure/delete/", {"id": structure.id}, form_url="/admin/structure/")
    assert response.status_code == 302
    with database.connection_context():
        assert Service.select().count() == 0


def test_data_inclusion_export_of_services_follows_the_v1_schema(as_role):
    structure = make_structure("CIDFF de la Vienne", typologie="CIDFF", commune="Poitiers")
    referent = make_referent(structure, nom="Durand")
    make_service(structure, thematiques=[VIOLENCE], publics=["femmes"], zone_eligibilite=["86"],
                 modes_mobilisation=["telephoner"], frais="gratuit", telephone="0549000000",
                 horaires_accueil="Mo-Fr 09:00-12:00", referent=referent, lien_mobilisation="cidff86.fr")
    make_service(make_structure("Inactive", actif=False), nom="Hors export")
    response = as_role("viewer").get("/admin/service/data-inclusion.jsonl")
    assert response.status_code == 200
    records = [v1.Service.model_validate(json.loads(line)) for line in response.data.decode().splitlines()]
    assert [r.nom for r in records] == ["Permanence juridique"]
    record = records[0]
    assert record.structure_id == str(structure.id) and record.source == "maillage"
    assert record.thematiques == {v1.Thematique.FAMILLE__SURMONTER_CONFLITS_SEPARATION_VIOLENCE}
    assert record.zone_eligibilite == ["86"] and record.frais == v1.Frais.GRATUIT
    assert record.contact_nom_prenom is None  # open data: no référent·e's name
    assert "Durand" not in response.data.decode()
