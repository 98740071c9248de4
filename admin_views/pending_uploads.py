"""An uploaded file kept between its preview and its confirmation, imported once.

Mixed into the import views (admin_views/imports.py, admin_views/data_inclusion_import.py),
which have a `kind` and a `list_endpoint`. The preview keeps the bytes in the instance
folder under a random name remembered by the session; the confirmation claims them by
an atomic rename, so of two confirmations at once (double click, two tabs) one imports
and the other is told it was done.
"""
import os
import secrets
import time
from pathlib import Path

from flask import current_app, flash, redirect, request, session, url_for
from flask_admin.form import SecureForm
from markupsafe import Markup

PENDING_UPLOAD_SECONDS = 3600
# A confirmed upload's file is renamed with this suffix (the claim) and emptied: the
# empty marker tells a second confirmation of the same preview that it was done.
CLAIMED_SUFFIX = ".confirme"


class ConfirmForm(SecureForm):
    pass


class PendingUpload:
    @property
    def _session_key(self):
        return f"import-{self.kind}"

    def _pending_path(self, token):
        directory = Path(current_app.instance_path) / "imports"
        directory.mkdir(mode=0o700, exist_ok=True)
        return directory / f"{self.kind}-{token}"

    def _forget_stale_uploads(self):
        """Previews never confirmed are deleted after an hour."""
        limit = time.time() - PENDING_UPLOAD_SECONDS
        for path in self._pending_path("x").parent.iterdir():
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)

    def _keep_upload(self, data, **details):
        """Keep `data` for the confirmation (the previous preview's file goes); the
        session remembers its token with `details`. Return the token."""
        self._forget_stale_uploads()
        previous = session.get(self._session_key)
        if previous:  # its file, and what was kept beside it (plan, errors)
            upload = self._pending_path(previous["token"])
            for path in upload.parent.glob(upload.name + "*"):
                path.unlink(missing_ok=True)
        token = secrets.token_hex(16)
        self._pending_path(token).write_bytes(data)
        session[self._session_key] = {"token": token, **details}
        return token

    def _claim(self, token):
        """The pending upload's bytes, for this request only: the file is renamed
        (atomic: of two requests at once, one finds it gone), read, then emptied.
        (None, True) when another request already took it, (None, False) when
        there is nothing to take."""
        path = self._pending_path(token)
        claimed = path.with_name(path.name + CLAIMED_SUFFIX)
        try:
            os.rename(path, claimed)
        except FileNotFoundError:
            return None, claimed.exists()
        data = claimed.read_bytes()
        claimed.write_bytes(b"")
        return data, False

    def _take_pending(self):
        """(details, bytes) of the preview being confirmed; (None, a response) when the
        form expired, it was already confirmed or nothing is pending."""
        if not ConfirmForm(request.form).validate():
            flash("Confirmation refusée (formulaire expiré) : rechargez la page.", "error")
            return None, redirect(url_for(".index"))
        pending = session.pop(self._session_key, None)
        data, taken = self._claim(pending["token"]) if pending else (None, False)
        if taken:
            return None, self._already_done()
        if data is None:
            flash("Aucun import en attente : déposez à nouveau le fichier.", "error")
            return None, redirect(url_for(".index"))
        return pending, data

    def _release_claim(self, pending):
        """Nothing was written: the marker goes, a later confirmation finds nothing pending."""
        self._pending_path(pending["token"] + CLAIMED_SUFFIX).unlink(missing_ok=True)

    def _already_done(self):
        grid = url_for(f"{self.list_endpoint}.index_view")
        flash(Markup(
            "Cet import a déjà été confirmé (double clic ou autre onglet)\u00a0: il n'est fait "
            'qu\'une fois. <a href="{}">Voir la liste</a>'
        ).format(grid), "info")
        return redirect(grid)
