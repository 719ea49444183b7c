"""Settings for the pytest run: the real settings in test mode, plain static storage."""

import os

os.environ["EVERYCHILD_ENV"] = "test"

from everychild.settings import *  # noqa: E402,F403
from everychild.settings import STORAGES  # noqa: E402

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - WhiteNoise warns on a missing root
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not SQLite's shared-cache memory database: there, a browser test's concurrent
    # requests (a page and its service worker) fail at once on a table lock instead of
    # waiting out the busy timeout, as they do on the real file database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-everychild.sqlite3")}  # noqa: F405
