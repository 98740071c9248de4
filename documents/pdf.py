"""HTML pages rendered from our templates → PDF, made on the server by WeasyPrint.

One function, `html_to_pdf(html)`: the same HTML a printable page sends to the browser
becomes an A4 PDF (the page size, margins and « page x sur y » footer are the
templates' own print stylesheet, static/print-document.css). Offline by design: the
page is read against a base address that is never resolved (BASE_URL, under the
reserved `.invalid` domain) and every resource goes through OfflineFetcher, which
serves the panel's static files from disk, accepts `data:` URLs, and refuses anything
else (http, https, file, ftp…): a template that names an outside resource fails with
RemoteResourceRefused instead of waiting on the network or leaking a request.
Fonts are the system's (DejaVu Sans, from Debian's fonts-dejavu-core), embedded and
subset by WeasyPrint.
"""
import mimetypes
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

BASE_HOST = "maillage.invalid"
BASE_URL = f"http://{BASE_HOST}/"
STATIC_DIRECTORY = Path(__file__).resolve().parent.parent / "admin_views" / "static"
# URL path prefix → folder served from disk (the theme blueprint's static route).
STATIC_ROUTES = {"/theme/static/": STATIC_DIRECTORY}
PDF_MIMETYPE = "application/pdf"


class RemoteResourceRefused(ValueError):
    """A page asked for a resource that is not one of our static files."""


class _Refused(FatalURLFetchingError):
    """Stops WeasyPrint at once (it swallows ordinary fetch errors)."""


class OfflineFetcher(URLFetcher):
    """Serves STATIC_ROUTES from disk and data: URLs; refuses everything else."""

    def __init__(self, routes=None):
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        self.routes = {prefix: Path(folder).resolve() for prefix, folder in (routes or STATIC_ROUTES).items()}

    def local_file(self, url):
        """The static file `url` names, or None."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc != BASE_HOST:
            return None
        path = unquote(parts.path)
        for prefix, folder in self.routes.items():
            if path.startswith(prefix):
                candidate = (folder / path[len(prefix):]).resolve()
                if candidate.is_relative_to(folder) and candidate.is_file():
                    return candidate
        return None

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        found = self.local_file(url)
        if found is None:
            raise _Refused(url)
        mime = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=found.read_bytes(), headers={"Content-Type": mime})


def html_to_pdf(html, routes=None):
    """The PDF (bytes) of an HTML page; RemoteResourceRefused when the page names a
    resource outside our static files."""
    document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=OfflineFetcher(routes))
    try:
        return document.write_pdf()
    except _Refused as refused:
        raise RemoteResourceRefused(
            f"Le document demande une ressource extérieure ({refused.args[0][:200]}) : "
            "Maillage ne lit que ses propres fichiers.") from None


def timed_html_to_pdf(html, routes=None):
    """(PDF bytes, seconds it took): for the logs and the benchmarks."""
    started = time.perf_counter()
    content = html_to_pdf(html, routes)
    return content, time.perf_counter() - started
