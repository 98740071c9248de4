"""What every response says to the browser (Content-Security-Policy and the other
security headers, no caching of pages and downloads), the session cookie's `Secure`
flag under HTTPS, and the settings of sessions and login throttling."""
import datetime
import os
import secrets

from flask import g, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from models.committee import PACK_MAX_COUNT, PACK_RETENTION_DAYS, PACKS_PER_HOUR


def _flag(text):
    return text.strip().lower() in ("1", "true", "yes", "oui", "on")


# name: (read from the environment as, default). A value given to create_app() wins.
SETTINGS = {
    "MAILLAGE_SESSION_IDLE_HOURS": (float, 8),      # a session unused this long ends
    "MAILLAGE_SESSION_MAX_DAYS": (float, 7),        # and any session ends this long after login
    "MAILLAGE_LOGIN_MAX_FAILURES": (int, 5),        # failed logins for one email or one address…
    "MAILLAGE_LOGIN_WINDOW_MINUTES": (int, 15),     # …within this window: logins wait (429)
    "MAILLAGE_HTTPS": (_flag, False),               # the cookie is always `Secure`
    "MAILLAGE_BEHIND_PROXY": (_flag, False),        # trust X-Forwarded-For/-Proto/-Host of one proxy
    "MAILLAGE_PACK_RETENTION_DAYS": (int, PACK_RETENTION_DAYS),  # committee packs older are deleted…
    "MAILLAGE_PACK_MAX_COUNT": (int, PACK_MAX_COUNT),  # …and those beyond the newest N, at each new pack
    "MAILLAGE_PACKS_PER_HOUR": (int, PACKS_PER_HOUR),  # committee packs one person may generate per hour
}

# Static files keep their browser cache; everything else (pages, exports, downloads) is never stored.
CACHEABLE_ENDPOINTS = {"static", "theme.stylesheet", "theme.favicon"}

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def read_settings(app):
    for name, (kind, default) in SETTINGS.items():
        if name in app.config:
            continue
        raw = os.environ.get(name, "").strip()
        try:
            app.config[name] = kind(raw) if raw else default
        except ValueError:
            raise RuntimeError(f"Erreur : {name} doit être un nombre, pas « {raw} ».") from None


def csp_nonce():
    """This response's nonce: the one script tags carry (Admin(csp_nonce_generator=…))."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy(nonce):
    """Scripts and styles from Maillage itself only: no inline script without this
    response's nonce, no inline <style> nor style attribute (select2 and the date
    picker style through the DOM, which the policy allows), no plug-in, no framing,
    forms post here only."""
    return "; ".join((
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self'",
        "img-src 'self' data:",  # Bootstrap's icons are data: URLs in its stylesheet
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


def add_security_headers(response):
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(csp_nonce())
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    endpoint = request.endpoint or ""
    if endpoint not in CACHEABLE_ENDPOINTS and not endpoint.endswith(".static"):
        # Pages show names and phone numbers, downloads hold them: kept by no cache,
        # not even the browser's (the back button after logout shows nothing).
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    return response


class SessionCookie(SecureCookieSessionInterface):
    """The session cookie is `Secure` when the request came over HTTPS (directly, or
    through a proxy that says so when MAILLAGE_BEHIND_PROXY=1), or always with
    MAILLAGE_HTTPS=1."""

    def get_cookie_secure(self, app):
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


def init_security(app):
    read_settings(app)
    # The signed cookie itself is refused past the absolute lifetime (Flask's default: 31 days).
    app.config["PERMANENT_SESSION_LIFETIME"] = datetime.timedelta(days=app.config["MAILLAGE_SESSION_MAX_DAYS"])
    if app.config["MAILLAGE_HTTPS"]:
        app.config["SESSION_COOKIE_SECURE"] = True
    app.session_interface = SessionCookie()
    if app.config["MAILLAGE_BEHIND_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1)
    app.after_request(add_security_headers)
