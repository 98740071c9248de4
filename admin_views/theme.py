"""The panel's stylesheet and scripts, served by Maillage itself.

Flask-Admin's flatly swatch opens with an @import of Google Fonts: offline every
page waits for it, online every visit is reported to Google. Maillage serves the
same stylesheet without that line; its font stack falls back to the system fonts.
"""
import functools
import re
from pathlib import Path

import flask_admin
from flask import Blueprint, Response, send_from_directory

SWATCH = "flatly"
SWATCH_FILE = (Path(flask_admin.__file__).parent / "static" / "bootstrap" / "bootstrap4"
               / "swatch" / SWATCH / "bootstrap.min.css")
REMOTE_IMPORT_RE = re.compile(r"@import url\((?:https?:)?//[^)]*\);?")

# static/: what Maillage adds to the panel (maillage-fr.js puts its widgets in French).
blueprint = Blueprint("theme", __name__, static_folder="static", static_url_path="/theme/static")


@functools.cache
def offline_stylesheet():
    return REMOTE_IMPORT_RE.sub("", SWATCH_FILE.read_text(encoding="utf-8"))


@blueprint.route("/theme/bootstrap.min.css")
def stylesheet():
    response = Response(offline_stylesheet(), mimetype="text/css")
    response.cache_control.max_age = 24 * 3600
    return response


@blueprint.route("/favicon.ico")
def favicon():
    """The tab's icon (an SVG, which browsers take at this address too): asked on every page."""
    response = send_from_directory(blueprint.static_folder, "favicon.svg", mimetype="image/svg+xml")
    response.cache_control.max_age = 7 * 24 * 3600
    return response
