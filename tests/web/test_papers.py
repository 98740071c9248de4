"""Papers to sign and PDFs (issue 11): the feuille d'émargement (HTML and PDF, one
page per half-day, EU mention), the PDFs read back with pypdf, access rules, and the
offline renderer refusing outside resources."""
import datetime
import io
import os
from pathlib import Path

import pytest
from pypdf import PdfReader

from documents.pdf import RemoteResourceRefused, html_to_pdf
from models import Attendance, Referent, Structure, Territory, Training, database
from tests.helpers import make_network


def pdf_pages(content, name=None):
    """The text of each page of a PDF (bytes), whitespace and line ends as single spaces.
    MAILLAGE_PAPERS_DIR=<folder> keeps the PDF there as <name>.pdf, to look at."""
    assert content.startswith(b"%PDF-"), content[:40]
    if name and os.environ.get("MAILLAGE_PAPERS_DIR"):
        Path(os.environ["MAILLAGE_PAPERS_DIR"], f"{name}.pdf").write_bytes(content)
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]


def pdf_fonts(content):
    fonts = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            descriptor = descriptor.get_object()
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]
            fonts.add(str(font["/BaseFont"]))
    return fonts


@pytest.fixture
def training():
    """A 2-half-day training in the RVC Poitiers, FSE+ co-funded, two people registered."""
    territories, structures = make_network()
    with database.connection_context():
        training = Training.create(date=datetime.date(2026, 11, 24), theme="Accueillir et orienter",
                                   half_days=2, trainer="Inès Morel", place="Salle des fêtes de Migné",
                                   territory=territories["RVC Poitiers"], eu_cofunded=True)
        for nom in ("Durand", "Noir"):
            Attendance.create(training=training, referent=Referent.get(Referent.nom == nom), present=False)
    return training


def emargement(browser, training, pdf=False):
    return browser.get(f"/admin/training/emargement/?id={training.id}" + ("&format=pdf" if pdf else ""))


def test_pdf_has_one_page_per_half_day_with_the_registered_people(as_role, training):
    response = emargement(as_role("viewer"), training, pdf=True)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    pages = pdf_pages(response.data, "emargement")
    assert len(pages) == 2
    for number, text in enumerate(pages, 1):
        assert "Feuille d'émargement" in text
        assert "Accueillir et orienter" in text
        assert f"Demi-journée {number} sur 2" in text
        assert "24/11/2026" in text
        assert "Salle des fêtes de Migné" in text and "Inès Morel" in text
        assert "Alex Durand" in text and "CCAS de Poitiers" in text
        assert "Alex Noir" in text and "Mairie de Migné" in text
        assert "Alex Petit" not in text  # not registered: only the registered are expected
        assert "Cofinancé par l'Union européenne" in text
        assert f"page {number} sur 2" in text
    assert "matin" in pages[0] and "après-midi" in pages[1]
    assert any("DejaVu" in font for font in pdf_fonts(response.data))


def test_without_registrations_the_territory_active_referents_are_listed_and_no_eu_mention(as_role, training):
    with database.connection_context():
        Attendance.delete().execute()
        Training.update(eu_cofunded=False, half_days=3).where(Training.id == training.id).execute()
    text = "\n".join(pages := pdf_pages(emargement(as_role("viewer"), training, pdf=True).data, "emargement-territoire"))
    assert len(pages) == 3
    # RVC Poitiers and its Bassin Poitiers-Nord, active people only
    for name in ("Alex Durand", "Alex Petit", "Alex Roux", "Alex Noir"):
        assert name in text
    for name in ("Alex Blanc", "Alex Vert", "Alex Gris"):  # inactive, or elsewhere
        assert name not in text
    assert "Union européenne" not in text
    assert "Demi-journée 3 sur 3 le ……… / ……… / …………, matin" in pages[2]  # date to write by hand
    assert "Demi-journée 2 sur 3 le 24/11/2026, après-midi" in pages[1]


def test_html_page_is_the_same_document_printable(as_role, training):
    response = emargement(as_role("viewer"), training)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('class="sheet"') == 2
    assert "Alex Durand" in html and "Cofinancé par l&#39;Union européenne" in html
    assert f"/admin/training/emargement/?id={training.id}&amp;format=pdf" in html
    assert "eu-emblem.svg" in html and "http" not in html.split("<body")[1].replace("http://www.w3.org", "")


def test_training_page_and_grid_link_to_the_sheet(as_role, training):
    viewer = as_role("viewer")
    details = viewer.get(f"/admin/training/details/?id={training.id}").get_data(as_text=True)
    assert f"/admin/training/emargement/?id={training.id}" in details
    grid = viewer.get("/admin/training/").get_data(as_text=True)
    assert f"/admin/training/emargement/?id={training.id}" in grid


def test_anonymous_is_sent_to_login_and_unknown_training_is_404(browser, as_role, training):
    response = emargement(browser, training, pdf=True)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert as_role("viewer").get("/admin/training/emargement/?id=999999").status_code == 404
    assert as_role("viewer").get("/admin/training/emargement/?id=abc&format=pdf").status_code == 404


@pytest.mark.parametrize("html", [
    '<img src="http://example.org/logo.png">',
    '<link rel="stylesheet" href="https://cdn.example.org/style.css">',
    '<p style="background: url(//example.org/x.png)">x</p>',
    '<img src="file:///etc/passwd">',
    '<img src="/theme/static/../../../app.py">',
])
def test_renderer_refuses_anything_but_our_static_files(html):
    with pytest.raises(RemoteResourceRefused):
        html_to_pdf(html)


def test_renderer_serves_our_static_files_and_data_urls():
    content = html_to_pdf('<link rel="stylesheet" href="/theme/static/print-document.css">'
                          '<img src="/theme/static/eu-emblem.svg" alt=""><p>Bonjour</p>')
    assert "Bonjour" in pdf_pages(content)[0]


# --- PDF versions of the committee's other documents -------------------------------
def test_committee_cover_pdf_has_contents_key_figures_and_coverage(as_role):
    territories, _ = make_network()
    viewer = as_role("viewer")
    page = viewer.get(f"/admin/documents/dossier-comite/?territory={territories['Vienne'].id}")
    assert page.status_code == 200 and "Télécharger le PDF" in page.get_data(as_text=True)
    response = viewer.get(f"/admin/documents/dossier-comite/?territory={territories['Vienne'].id}&format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = pdf_pages(response.data, "page-de-garde")
    text = " ".join(pages)
    assert len(pages) == 1
    for expected in ("Dossier du comité — Vienne", "Sommaire du classeur", "Couverture du réseau",
                     "Chiffres clés", "RVC Poitiers", "Bassin Poitiers-Nord", "3 / 5", "page 1 sur 1"):
        assert expected in text, expected
    assert "Ailleurs" not in text  # another territory
    assert viewer.get("/admin/documents/dossier-comite/?territory=999999").status_code == 302


def test_scenario_comparison_pdf(as_role):
    from tests.helpers import make_scenario
    first, second = make_scenario("Scénario A"), make_scenario("Scénario B")
    viewer = as_role("viewer")
    compare_page = viewer.get(f"/admin/scenario/compare/?ids={first.id},{second.id}").get_data(as_text=True)
    assert "/admin/documents/comparaison/?ids=" in compare_page
    response = viewer.get(f"/admin/documents/comparaison/?ids={first.id},{second.id}&format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = pdf_pages(response.data, "comparaison")
    text = " ".join(pages)
    assert "Comparaison de 2 scénarios" in text and "Scénario A" in text and "Scénario B" in text
    assert "Montants par catégorie" in pages[-1]  # the chart on a page of its own, not split
    assert len(pages) == 2
    assert viewer.get("/admin/documents/comparaison/?ids=abc&format=pdf").status_code == 302


def test_short_directory_pdf_is_the_printable_page(as_role):
    _territories, structures = make_network()
    with database.connection_context():
        ccas = structures["CCAS de Poitiers"]
        ccas.telephone = "05 49 41 00 00"  # a structure with no phone is left out of the printed directory
        ccas.save()
    viewer = as_role("viewer")
    html = viewer.get("/admin/exports/annuaire-court/").get_data(as_text=True)
    response = viewer.get("/admin/exports/annuaire-court/?format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(pdf_pages(response.data, "annuaire-court"))
    assert "CCAS de Poitiers" in html and "CCAS de Poitiers" in text


def test_every_pdf_needs_a_login(browser):
    for url in ("/admin/documents/dossier-comite/?format=pdf", "/admin/documents/comparaison/?ids=1,2&format=pdf",
                "/admin/exports/annuaire-court/?format=pdf", "/admin/bilan/generer/?year=2026&format=pdf"):
        response = browser.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
