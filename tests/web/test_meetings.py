"""Meetings (/admin/meeting/) and targets (/admin/target/) through the real pages:
the compte rendu's file is checked by its content and size (refused in French, nothing
saved), downloaded with the grid's own role checks; structures are picked by typing;
the grid's territory filter includes sub-territories; targets are set by admins only."""
import datetime
import html
import io
import json
import re
import zipfile

from models import Meeting, MeetingStructure, Target, database
from models.meetings import ATTACHMENT_MAX_BYTES, MEETING_FORM_REMINDER
from tests.helpers import QueryCounter, make_network, make_structure, make_territory, page_messages

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def zipped(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = zipped({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
ODT = zipped({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<office:document/>"})
XLSX = zipped({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})


def meeting_form(**fields):
    data = {"date": "12/03/2026", "kind": "cellule_operationnelle", "territory": "__None",
            "participants": "9", "minutes": "Point sur les permanences.", "decisions": "",
            "next_meeting_date": ""}
    data.update(fields)
    return data


def create(browser, **fields):
    return browser.post("/admin/meeting/new/", meeting_form(**fields), follow_redirects=True)


def meetings():
    with database.connection_context():
        return list(Meeting.select().order_by(Meeting.id))


def test_an_editor_records_a_meeting_with_its_structures_and_file(as_role):
    ccas, cidff = make_structure("CCAS de Poitiers"), make_structure("CIDFF de la Vienne")
    editor = as_role("editor")
    form_page = editor.get("/admin/meeting/new/").get_data(as_text=True)
    assert MEETING_FORM_REMINDER in form_page
    response = create(editor, structures=f"{ccas.id},{cidff.id}",
                      attachment=(io.BytesIO(PDF), "compte rendu mars.pdf"))
    assert response.status_code == 200, page_messages(response)
    [meeting] = meetings()
    assert (meeting.participants, meeting.attachment_name, meeting.attachment_size) == (9, "compte rendu mars.pdf", len(PDF))
    assert bytes(meeting.attachment) == PDF
    with database.connection_context():
        assert sorted(s.nom for s in meeting.structures) == ["CCAS de Poitiers", "CIDFF de la Vienne"]
    details = editor.get(f"/admin/meeting/details/?id={meeting.id}").get_data(as_text=True)
    assert "CCAS de Poitiers, CIDFF de la Vienne" in details
    assert f"/admin/meeting/fichier/?id={meeting.id}" in details


def test_docx_and_odt_are_accepted(as_role):
    editor = as_role("editor")
    for name, content in (("cr.docx", DOCX), ("cr.odt", ODT)):
        create(editor, attachment=(io.BytesIO(content), name))
    assert [m.attachment_name for m in meetings()] == ["cr.docx", "cr.odt"]


def test_a_program_renamed_pdf_is_refused_in_french_and_nothing_is_saved(as_role):
    structure = make_structure()
    editor = as_role("editor")
    for name, content in (("compte-rendu.pdf", EXE), ("tableau.docx", XLSX), ("cr.odt", b"PK\x03\x04broken")):
        response = create(editor, structures=str(structure.id), attachment=(io.BytesIO(content), name))
        assert response.status_code == 200
        assert any(f"« {name} » n'est pas un document PDF, DOCX (Word) ou ODT (LibreOffice) lisible" in m
                   for m in page_messages(response)), page_messages(response)
    misnamed = create(editor, attachment=(io.BytesIO(PDF), "cr.docx"))
    assert any("est un document PDF, mais son nom ne finit pas par .pdf" in m for m in page_messages(misnamed))
    assert meetings() == []
    with database.connection_context():
        assert MeetingStructure.select().count() == 0


def test_a_file_over_the_size_limit_is_refused(as_role):
    editor = as_role("editor")
    big = PDF + b"0" * ATTACHMENT_MAX_BYTES
    response = create(editor, attachment=(io.BytesIO(big), "gros.pdf"))
    assert any("Le fichier pèse 5,1\u00a0Mo\u00a0: 5,0\u00a0Mo au plus." in m for m in page_messages(response)), \
        page_messages(response)
    assert meetings() == []


def test_the_file_is_downloaded_by_those_who_may_read_meetings(as_role, browser):
    editor = as_role("editor")
    create(editor, attachment=(io.BytesIO(PDF), "cr.pdf"))
    create(editor)  # no file
    with_file, without_file = meetings()
    viewer = as_role("viewer")
    download = viewer.get(f"/admin/meeting/fichier/?id={with_file.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"] and "cr.pdf" in download.headers["Content-Disposition"]
    for url in (f"/admin/meeting/fichier/?id={without_file.id}", "/admin/meeting/fichier/?id=999999",
                "/admin/meeting/fichier/?id=abc", "/admin/meeting/fichier/?id=99999999999999999999"):
        assert viewer.get(url).status_code == 404, url
    anonymous = browser.get(f"/admin/meeting/fichier/?id={with_file.id}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_an_edit_keeps_the_file_unless_replaced_or_removed(as_role):
    editor = as_role("editor")
    create(editor, attachment=(io.BytesIO(PDF), "cr.pdf"))
    [meeting] = meetings()
    url = f"/admin/meeting/edit/?id={meeting.id}"
    page = editor.get(url).get_data(as_text=True)
    assert "Fichier actuel\u00a0: cr.pdf" in page
    token = re.search(r'name="version_token" type="hidden" value="([^"]*)"', page).group(1)
    editor.post(url, meeting_form(participants="12", version_token=token), follow_redirects=True)
    [meeting] = meetings()
    assert (meeting.participants, meeting.attachment_name, bytes(meeting.attachment)) == (12, "cr.pdf", PDF)
    token = re.search(r'name="version_token" type="hidden" value="([^"]*)"',
                      editor.get(url).get_data(as_text=True)).group(1)
    editor.post(url, meeting_form(remove_attachment="y", version_token=token), follow_redirects=True)
    [meeting] = meetings()
    assert (meeting.attachment, meeting.attachment_name, meeting.attachment_size) == (None, None, None)


def test_the_next_meeting_cannot_come_before_this_one(as_role):
    response = create(as_role("editor"), next_meeting_date="01/03/2026", participants="-1")
    messages = page_messages(response)
    assert any("La prochaine réunion ne peut pas précéder celle-ci (12/03/2026)" in m for m in messages), messages
    assert any("ne peut pas être négatif" in m for m in messages), messages
    assert meetings() == []


def test_structures_are_found_by_typing(as_role):
    make_structure("CCAS de Poitiers", commune="Poitiers")
    make_structure("CIDFF", commune="Châtellerault")
    viewer = as_role("editor")
    found = viewer.get("/admin/meeting/ajax/lookup/?name=structures&query=chât")
    assert [label for _id, label in json.loads(found.data)] == ["CIDFF (Châtellerault)"]
    assert viewer.get("/admin/meeting/ajax/lookup/?name=structures&query=").status_code == 200


def test_the_territory_filter_includes_sub_territories(as_role):
    vienne = make_territory("Vienne", kind="departement")
    poitiers = make_territory("RVC Poitiers", parent=vienne)
    doubs = make_territory("Doubs", kind="departement")
    editor = as_role("editor")
    for territory, participants in ((poitiers, "3"), (vienne, "5"), (doubs, "7")):
        create(editor, territory=str(territory.id), participants=participants)
    page = editor.get(f"/admin/meeting/?flt0_0={vienne.id}").get_data(as_text=True)
    shown = sorted(re.findall(r'<td class="col-participants">\s*(\d+)\s*</td>', page))
    assert shown == ["3", "5"]


def test_the_grid_sends_the_same_queries_at_any_size(as_role):
    territory = make_territory()
    structures = [make_structure(f"Structure {i}") for i in range(3)]
    viewer = as_role("viewer")
    counts = []
    for size in (3, 60):
        with database.connection_context(), database.atomic():
            for i in range(size):
                meeting = Meeting(date=datetime.date(2026, 1, 1 + i % 28), territory=territory, kind="autre")
                meeting.structures = structures
                meeting.attach("cr.pdf", PDF)
                meeting.save()
        with QueryCounter() as queries:
            assert viewer.get("/admin/meeting/").status_code == 200
        counts.append(queries.count)
    assert counts[0] == counts[1], counts


def test_targets_are_set_by_admins_only(as_role):
    admin = as_role("admin")
    response = admin.post("/admin/target/new/", {"year": "2026", "territory": "__None",
                                                 "indicator": "sessions_formation", "value": "2"},
                          follow_redirects=True)
    assert response.status_code == 200
    with database.connection_context():
        assert [(t.year, t.territory_id, t.value) for t in Target.select()] == [(2026, None, 2)]
    duplicate = admin.post("/admin/target/new/", {"year": "2026", "territory": "__None",
                                                  "indicator": "sessions_formation", "value": "3"},
                           follow_redirects=True)
    assert any("existe déjà pour tout le réseau en 2026" in m for m in page_messages(duplicate))
    editor = as_role("editor")
    assert "Sessions de formation" in editor.get("/admin/target/").get_data(as_text=True)
    refused = editor.get("/admin/target/new/", follow_redirects=True)
    assert any("fixés par les administrateur·rice·s" in m for m in page_messages(refused))
    editor.post("/admin/target/new/", {"year": "2027", "territory": "__None",
                                       "indicator": "sessions_formation", "value": "9"},
                form_url="/admin/meeting/new/")
    with database.connection_context():
        assert Target.select().count() == 1
    assert "Objectifs" in as_role("viewer").get("/admin/target/").get_data(as_text=True)


def test_meetings_are_counted_per_year_territory_and_kind(as_role):
    territories, _ = make_network()
    today = datetime.date.today()
    with database.connection_context():
        for kind, territory in (("cellule_operationnelle", "RVC Poitiers"), ("cellule_operationnelle", "RVC Poitiers"),
                                ("comite_pilotage", "Vienne")):
            Meeting.create(date=today, kind=kind, territory=territories[territory])
        Meeting.create(date=today + datetime.timedelta(days=400), kind="autre", territory=territories["Vienne"])
    viewer = as_role("viewer")
    assert "Bilan par année, territoire et type" in viewer.get("/admin/meeting/").get_data(as_text=True)
    page = html.unescape(viewer.get("/admin/meeting/bilan/").get_data(as_text=True))
    rows = {cells[0]: cells[1:] for cells in (
        re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", page, re.S))}
    assert rows["RVC Poitiers"] == ["0", "2", "0", "0", "0", "0", "2"]
    assert rows["Vienne"] == ["0", "0", "1", "0", "0", "0", "1"]  # the one next year is not held yet
