"""The data·inclusion import page (/admin/data-inclusion/import/): upload, preview with the
counts the CLI's --dry-run gives, « Importer » once, an audit entry with the counts;
viewers refused, bad files refused in French with nothing written."""
import html
import io
import json

from models import AuditEntry, DataInclusionLink, Service, Structure, database
from tests.helpers import CSRF_RE, make_territory
from tests.web.test_data_inclusion_import import TODAY, sample_dataset

URL = "/admin/data-inclusion/import/"


def upload(browser, files, **fields):
    """Post the upload form: files as [(name, bytes or a dict made JSON)]."""
    data = {key: value for key, value in fields.items()}
    data["files"] = [(io.BytesIO(content if isinstance(content, bytes) else json.dumps(content).encode()), name)
                     for name, content in files]
    return browser.post(URL, data, content_type="multipart/form-data")


def confirm(browser, preview, **kwargs):
    token = CSRF_RE.search(preview.data).group(1).decode()
    return browser.client.post(URL + "confirmer/", data={"csrf_token": token}, **kwargs)


def counts():
    with database.connection_context():
        return Structure.select().count(), Service.select().count(), DataInclusionLink.select().count()


def import_events():
    with database.connection_context():
        return [e.detail for e in AuditEntry.select().where(AuditEntry.action == "import").order_by(AuditEntry.id)]


def preview_counts(page):
    """{'Structures': ['3', '0', '0'], 'Services': […]}: the preview's table of counts."""
    rows = {}
    for kind in ("Structures", "Services"):
        start = page.index(f'<th scope="row">{kind}</th>')
        cells = page[start:page.index("</tr>", start)].split('<td class="text-right">')[1:]
        rows[kind] = [cell.split("</td>")[0] for cell in cells]
    return rows


def test_upload_preview_then_import_writes_the_counts_and_an_audit_entry(as_role):
    editor = as_role("editor")
    assert "Importer depuis data·inclusion" in editor.get("/admin/structure/").get_data(as_text=True)  # the menu
    preview = upload(editor, [("dataset.json", sample_dataset())])
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200, page[:2000]
    assert preview_counts(page) == {"Structures": ["3", "0", "0"], "Services": ["3", "0", "0"]}
    assert counts() == (0, 0, 0) and import_events() == []  # a preview writes nothing
    done = confirm(editor, preview, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "structures\u00a0: 3 créée(s), 0 mise(s) à jour" in text
    assert counts() == (3, 3, 6)
    assert import_events() == ["Import data·inclusion : - Structures : 3 créé(e)s, 0 mis(es) à jour, "
                               "0 inchangé(e)s - Services : 3 créé(e)s, 0 mis(es) à jour, 0 inchangé(e)s"]
    again = upload(editor, [("dataset.json", sample_dataset())]).get_data(as_text=True)
    assert preview_counts(again) == {"Structures": ["0", "0", "3"], "Services": ["0", "0", "3"]}


def test_the_confirmation_imports_once(as_role):
    editor = as_role("editor")
    preview = upload(editor, [("dataset.json", sample_dataset())], departement="86")
    cookie = editor.client.get_cookie("session").value
    assert confirm(editor, preview).status_code == 302 and counts() == (2, 2, 4)
    editor.client.set_cookie("session", cookie)  # the same confirmation again (another tab, a double click)
    second = confirm(editor, preview, follow_redirects=True)
    assert "Cet import a déjà été confirmé" in second.get_data(as_text=True)
    third = confirm(editor, preview, follow_redirects=True)  # the session no longer holds it
    assert "Aucun import en attente" in third.get_data(as_text=True)
    assert counts() == (2, 2, 4) and len(import_events()) == 1


def test_a_viewer_is_refused(as_role):
    viewer = as_role("viewer")
    assert viewer.get(URL).status_code == 403
    refused = viewer.client.post(URL + "confirmer/", data={})
    assert refused.status_code == 403
    assert "Importer depuis data·inclusion" not in viewer.get("/admin/structure/").get_data(as_text=True)
    assert counts() == (0, 0, 0)


def test_bad_files_get_a_french_message_and_nothing_is_written(as_role):
    editor = as_role("editor")
    for files, expected in (
        ([("notes.txt", b"pas du json {")], "n'est ni un fichier JSON"),
        ([("dataset.json", sample_dataset()), ("lignes.jsonl", b'{"source": "x", "id": "1"}\n{oops')],
         "« lignes.jsonl », ligne 2 : JSON illisible"),
        ([("latin1.csv", "source;id;nom\nx;1;Société".encode("latin-1"))], "n'est pas un texte UTF-8"),
        ([("vide.json", b"   ")], "« vide.json » est vide"),
        ([], "Choisissez au moins un fichier"),
        ([("gros.json", b" " * (5 * 1024 * 1024 + 1))], "« gros.json » : le fichier dépasse la taille maximale de 5 Mo"),
    ):
        response = upload(editor, files)
        page = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 400 and expected in page, (expected, page[:3000])
        assert 'class="alert alert-danger"' in page and "Importer</button>" not in page
    for departement, communes, expected in (("8", "", "Code de département invalide"),
                                            ("", "86194, Poitiers", "Le code INSEE doit comporter 5 caractères")):
        page = html.unescape(upload(editor, [("dataset.json", sample_dataset())], departement=departement,
                                    communes=communes).get_data(as_text=True))
        assert expected in page
    assert counts() == (0, 0, 0) and import_events() == []
    assert "Aucun import en attente" in confirm(editor, editor.get(URL), follow_redirects=True).get_data(as_text=True)


def test_a_departement_or_communes_keep_only_their_records(as_role):
    editor = as_role("editor")
    page = upload(editor, [("dataset.json", sample_dataset())], departement="25").get_data(as_text=True)
    assert preview_counts(page) == {"Structures": ["1", "0", "0"], "Services": ["1", "0", "0"]}
    assert "4 enregistrement(s) hors du périmètre choisi" in page and "département 25" in page
    page = upload(editor, [("dataset.json", sample_dataset())], communes="86137").get_data(as_text=True)
    assert preview_counts(page)["Structures"] == ["1", "0", "0"]
    territory = make_territory("Vienne", kind="departement", departement="86")
    preview = upload(editor, [("dataset.json", sample_dataset())], departement="86", territory=str(territory.id))
    confirm(editor, preview)
    with database.connection_context():
        kept = {s.nom: s.territory_id for s in Structure.select()}
        assert kept == {"CIDFF de la Vienne": territory.id, "CCAS de Loudun": territory.id}
        assert {s.structure.nom for s in Service.select()} == set(kept)


def test_two_files_conflicts_and_errors_in_the_preview(as_role):
    editor = as_role("editor")
    data = sample_dataset()
    confirm(editor, upload(editor, [("dataset.json", data)]))
    with database.connection_context():
        cidff = Structure.get(Structure.nom == "CIDFF de la Vienne")
        cidff.telephone = "05 49 00 00 00"  # edited in Maillage since
        cidff.save()
    data["structures"][0]["telephone"] = "+33549111111"
    data["structures"][1]["code_postal"] = "8620"
    structures = "\n".join(json.dumps(s) for s in data["structures"]).encode()
    services = ("source;id;structure_id;nom;description;date_maj;zone_eligibilite\n"
                f"dora;dora--s9;dora--cidff86;Domiciliation;Adresse postale pour les démarches.;{TODAY};86\n").encode()
    preview = upload(editor, [("structures.jsonl", structures), ("services.csv", services)])
    page = preview.get_data(as_text=True)
    assert preview_counts(page) == {"Structures": ["0", "0", "2"], "Services": ["1", "0", "0"]}
    assert "<td>Structure « CIDFF de la Vienne »</td><td>Téléphone</td><td>+33549000000</td><td>+33549111111</td>" in page
    assert "<td>structures.jsonl</td><td>2</td><td>structure : champ « code_postal » invalide" in page
    confirm(editor, preview)
    with database.connection_context():
        assert Structure.get(Structure.id == cidff.id).telephone == "+33549000000"  # kept
        assert Service.get(Service.nom == "Domiciliation").structure_id == cidff.id
