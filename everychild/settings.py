"""Settings, all from environment variables, with safe defaults for the demo.

EVERYCHILD_ENV selects the mode: ``demo`` (default: SQLite under var/, demo secrets),
``test`` (the pytest run) or ``production`` (refuses to start without real secrets).
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("EVERYCHILD_VAR_DIR", BASE_DIR / "var"))

ENV = os.environ.get("EVERYCHILD_ENV", "demo")
if ENV not in {"demo", "test", "production"}:
    raise ImproperlyConfigured("EVERYCHILD_ENV must be demo, test or production")
PRODUCTION = ENV == "production"

# Demo secrets are public by design; production refuses them (see _refuse_demo_secrets).
DEMO_SECRET_KEY = "everychild-demo-secret-key-not-for-production-use-0000"
DEMO_DATA_KEY = "everychild-demo-data-key-not-secret-000"
DEMO_AUDIT_KEY = "everychild-demo-audit-hmac-key-not-secret"

SECRET_KEY = os.environ.get("SECRET_KEY", DEMO_SECRET_KEY)
# Key material (32+ characters) for encrypting sensitive identifiers; apart from SECRET_KEY.
EVERYCHILD_DATA_KEY = os.environ.get("EVERYCHILD_DATA_KEY", DEMO_DATA_KEY)
# Earlier data keys, comma-separated, still accepted for decryption after a key rotation.
EVERYCHILD_DATA_KEYS_OLD = [k for k in os.environ.get("EVERYCHILD_DATA_KEYS_OLD", "").split(",") if k]
# HMAC key of the audit hash chains; held outside the database.
EVERYCHILD_AUDIT_KEY = os.environ.get("EVERYCHILD_AUDIT_KEY", DEMO_AUDIT_KEY)


def _refuse_demo_secrets() -> None:
    demo = {
        "SECRET_KEY": (SECRET_KEY, DEMO_SECRET_KEY),
        "EVERYCHILD_DATA_KEY": (EVERYCHILD_DATA_KEY, DEMO_DATA_KEY),
        "EVERYCHILD_AUDIT_KEY": (EVERYCHILD_AUDIT_KEY, DEMO_AUDIT_KEY),
    }
    weak = [name for name, (value, default) in demo.items() if value == default or len(value) < 32]
    if weak:
        raise ImproperlyConfigured(
            "Refusing to start in production without real secrets: " + ", ".join(weak)
        )
    if not os.environ.get("DATABASE_URL"):
        raise ImproperlyConfigured("Refusing to start in production without DATABASE_URL")
    if not os.environ.get("ALLOWED_HOSTS"):
        raise ImproperlyConfigured("Refusing to start in production without ALLOWED_HOSTS")


if PRODUCTION:
    _refuse_demo_secrets()

DEBUG = os.environ.get("DEBUG", "") == "1" and not PRODUCTION
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "django_tasks_rq",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "everychild.core",
    "everychild.places",
    "everychild.accounts",
    "everychild.access",
    "everychild.audit",
    "everychild.notifications",
    "everychild.rules",
    "everychild.registry",
    "everychild.visits",
    "everychild.reports",
    "everychild.cases",
    "everychild.services",
    "everychild.insights",
]

MIDDLEWARE = [
    "everychild.core.middleware.RequestIdMiddleware",
    "everychild.core.middleware.RefusePersonalQueryParams",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "everychild.core.middleware.LoginRequired",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "everychild.accounts.middleware.RequireSecondFactorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "everychild.urls"
WSGI_APPLICATION = "everychild.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "everychild.accounts.context_processors.actor",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "everychild.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{SQLITE_PATH}", conn_max_age=0, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's server, worker and tick write together: WAL lets readers go on, IMMEDIATE
    # takes the write lock at BEGIN (no lock upgrade deadlocks) and the busy timeout waits.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- accounts, login, second factor -----------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if ENV == "test":
    # Tests create many users; argon2 stays the production hasher.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "everychild.accounts.adapter.AccountAdapter"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS = False  # lockout is axes' job, counted per username and address
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_ALLOW_UNVERIFIED_EMAIL = True  # staff without e-mail must be able to enrol
MFA_TOTP_ISSUER = "everychild"
# Production requires a TOTP second factor for every role that sees identities.
EVERYCHILD_REQUIRE_MFA = os.environ.get("EVERYCHILD_REQUIRE_MFA", "1" if PRODUCTION else "0") == "1"

AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))  # hours
# Per username *and* address: a township office shares one address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "everychild.accounts.adapter.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["password", "login", "username"]
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))

SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", str(30 * 60)))  # idle expiry
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE = PRODUCTION and os.environ.get("EVERYCHILD_INSECURE_HTTP", "") != "1"
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
LANGUAGE_COOKIE_SECURE = SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- languages and time ----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- static files: our own, and the pinned npm packages installed by the setup -----------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static", ("vendor", VAR_DIR / "vendor")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

# --- background work ---------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
TASKS_BACKEND = os.environ.get("EVERYCHILD_TASKS", "db")
_db_tasks = {
    "BACKEND": "django_tasks_db.DatabaseBackend",
    "QUEUES": ["default"],
    "OPTIONS": {"id_function": "uuid_utils.compat.uuid7"},
}
_rq_tasks = {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}
TASKS = {"default": _rq_tasks if TASKS_BACKEND == "rq" else _db_tasks, "db": _db_tasks, "rq": _rq_tasks}
RQ_QUEUES = {"default": {"URL": REDIS_URL}}
RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
# Disclosure-control decisions are a pure function of the figures they protect, so they are
# kept by content (insights.queries): shared by the workers in production, per process else.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "insights": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if PRODUCTION else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                        "LOCATION": "insights", "OPTIONS": {"MAX_ENTRIES": 20000}},
}

# --- e-mail (the outbound e-mail channel uses Django's backends) -------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "everychild@localhost")

# --- logging: no personal data, query strings redacted ----------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "everychild.core.logging.RedactQueryStrings"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # A PDF report otherwise logs its progress and every font subset it makes.
        "weasyprint": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "fontTools": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# --- everychild ----------------------------------------------------------------------------
EVERYCHILD_DIVISIONS_VERSION = "2023"
EVERYCHILD_TICK_SECONDS = int(os.environ.get("EVERYCHILD_TICK_SECONDS", "120"))
EVERYCHILD_TICK_JOBS = [
    "everychild.audit.services.checkpoint_heads",
    "everychild.registry.jobs.reclassify_due",
    "everychild.core.outbox.deliver",
    "everychild.visits.jobs.escalate_overdue",
    "everychild.visits.jobs.prune_due_counts",
    "everychild.reports.jobs.escalate_missed",
    "everychild.reports.jobs.route_unrouted",
    "everychild.cases.jobs.escalate_overdue_steps",
    "everychild.services.jobs.escalate_unanswered",
    "everychild.insights.jobs.follow_the_clock",
]
# Aggregates shown to roles that see no identities: cells below this are suppressed.
EVERYCHILD_DISCLOSURE_THRESHOLD = int(os.environ.get("EVERYCHILD_DISCLOSURE_THRESHOLD", "5"))
# PostgreSQL work_mem of `everychild rollup rebuild`'s transaction (its sorts and hashes).
EVERYCHILD_ROLLUP_WORK_MEM = os.environ.get("EVERYCHILD_ROLLUP_WORK_MEM", "1GB")
# PostgreSQL connections on which `everychild rollup rebuild` counts the children at once, each
# a range of provinces (about the database server's cores; each holds that work_mem).
EVERYCHILD_ROLLUP_CONNECTIONS = int(os.environ.get("EVERYCHILD_ROLLUP_CONNECTIONS", "2"))
# At most about this many children in each range of provinces the rebuild counts at a time
# (where the registry holds more per connection, there are more ranges than connections, which
# take them in turn): a range's sorts then stay within that work_mem rather than spill to disk
# (at 10 M children, two ranges of 5 M wrote 6.4 GB of temporary files; eleven, 0.1 GB).
EVERYCHILD_ROLLUP_PART_CHILDREN = int(os.environ.get("EVERYCHILD_ROLLUP_PART_CHILDREN",
                                                     "1000000"))
# Absolute links in e-mails (notifications) point here.
EVERYCHILD_BASE_URL = os.environ.get("EVERYCHILD_BASE_URL", "http://127.0.0.1:8000")
# Topics a lower app emits (everychild.core.outbox) -> the consumers of higher apps.
EVERYCHILD_OUTBOX = {"child.changed": ["visits.plans", "insights.children"],
                     "benefit.changed": ["insights.children"],
                     "visit.changed": ["insights.visits"],
                     "report.changed": ["insights.reports"],
                     "case.changed": ["insights.cases"],
                     "referral.changed": ["insights.referrals"],
                     "report.welfare_concern": ["cases.from_reports"]}
# Tables whose rows are never deleted, whatever code runs (database triggers, audit.guards).
EVERYCHILD_NO_DELETE_TABLES = ["reports_report", "reports_reporttask", "reports_reportaction",
                               "reports_reportamendment", "reports_jointinterview",
                               "reports_linkedservice"]
EVERYCHILD_OUTBOX_CONSUMERS = {
    "visits.plans": "everychild.visits.jobs.refresh_plans",
    "cases.from_reports": "everychild.cases.services.open_from_reports",
    "insights.children": "everychild.insights.jobs.children_changed",
    "insights.visits": "everychild.insights.jobs.visits_changed",
    "insights.reports": "everychild.insights.jobs.reports_changed",
    "insights.cases": "everychild.insights.jobs.cases_changed",
    "insights.referrals": "everychild.insights.jobs.referrals_changed",
}
# Called in a transfer's transaction after a child's rows moved (registry.transfers): the apps
# above the registry keep their rollups and assignments in step.
EVERYCHILD_CHILD_MOVED = ["everychild.visits.plans.child_moved",
                          "everychild.cases.services.child_moved",
                          "everychild.insights.jobs.child_moved"]
