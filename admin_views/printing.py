"""Printable pages and their PDF (documents/pdf.py), one way for every document.

A printable page is a template rendered standalone (no menu); the same HTML, asked
with `format=pdf`, is sent as a PDF made on the server. The static files the page
names are served to WeasyPrint from disk, under the address the theme blueprint gives
them (so a Maillage mounted under a prefix still works).
"""
import functools
import io
import logging
from urllib.parse import urlencode

from flask import render_template, request, send_file, url_for

from documents.pdf import PDF_MIMETYPE, STATIC_DIRECTORY, timed_html_to_pdf
from documents.spreadsheets import dated_filename

log = logging.getLogger("maillage.exports")


def wants_pdf():
    return request.args.get("format") == "pdf"


def pdf_url():
    """This page's address with format=pdf."""
    arguments = request.args.to_dict(flat=False)
    arguments["format"] = ["pdf"]
    return f"{request.path}?{urlencode(arguments, doseq=True)}"


def html_pdf(html):
    """(PDF bytes, seconds) of a page's HTML, its static files read from disk."""
    return timed_html_to_pdf(html, {url_for("theme.static", filename=""): STATIC_DIRECTORY})


def render_pdf(template, **context):
    """(PDF bytes, seconds) of a printable template (in a request, or a test_request_context)."""
    return html_pdf(render_template(template, pdf_url=None, back_url=None, **context))


def pdf_response(filename, html):
    content, seconds = html_pdf(html)
    log.info("PDF %s : %d octets en %.2f s", filename, len(content), seconds)
    return send_file(io.BytesIO(content), mimetype=PDF_MIMETYPE, download_name=filename)


def printable(template, filename, back_url=None, **context):
    """The page (HTML), or its PDF when the request says format=pdf."""
    if wants_pdf():
        return pdf_response(filename, render_template(template, pdf_url=None, back_url=None, **context))
    return render_template(template, pdf_url=pdf_url(), back_url=back_url, **context)


def pdf_on_request(stem):
    """Decorates a view that returns a printable page's HTML: with format=pdf the same
    page is sent as `<stem>-<date>.pdf`."""
    def decorate(view):
        @functools.wraps(view)
        def run(*args, **kwargs):
            result = view(*args, **kwargs)
            if wants_pdf() and isinstance(result, str):
                return pdf_response(dated_filename(stem, "pdf"), result)
            return result
        return run
    return decorate
