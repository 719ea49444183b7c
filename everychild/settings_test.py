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
