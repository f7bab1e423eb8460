"""gridgov settings: one module, read from the environment, failing loudly on bad values."""

from pathlib import Path

import dj_database_url

from gridgov.utils.crypto import decode_master_key, new_master_key
from gridgov.utils.env import EnvError, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("GRIDGOV_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("GRIDGOV_DEBUG", False)
PRODUCTION = env_bool("GRIDGOV_PRODUCTION", False)


def _dev_secret(name: str) -> str:
    """In development a secret is generated once into var/ (git-ignored); production must set it."""
    path = VAR_DIR / name
    if PRODUCTION:
        raise EnvError(f"set {name.upper().replace('.', '_')} in the environment for production")
    if not path.exists():
        path.write_text(new_master_key())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env_str("GRIDGOV_SECRET_KEY", "") or _dev_secret("secret.key")
GRIDGOV_MASTER_KEY = env_str("GRIDGOV_MASTER_KEY", "") or _dev_secret("master.key")
decode_master_key(GRIDGOV_MASTER_KEY)  # fail at start-up, not at the first encryption

ALLOWED_HOSTS = env_list("GRIDGOV_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("GRIDGOV_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "gridgov.core",
    "gridgov.audit",
    "gridgov.places",
    "gridgov.accounts",
    "gridgov.households",
    "gridgov.personnel",
    "gridgov.coverage",
    "gridgov.registers",
    "gridgov.demo",
    "gridgov.matters",
    "django_tasks",
    "django_tasks_db",
    "gridgov.notifications",
    "gridgov.open311",
    "gridgov.visits",
    "gridgov.keypersons",
    "gridgov.patrols",
    "gridgov.chatnotices",
    "gridgov.publicity",
    "gridgov.deliberations",
    "gridgov.deeds",
    "gridgov.cleanups",
    "gridgov.campaigns",
    "gridgov.field",
    "gridgov.stats",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "gridgov.core.context.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gridgov.core.context.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "gridgov.core.context.RequestUserMiddleware",
    "gridgov.core.context.SessionIdleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "gridgov.core.access.AccessMiddleware",
]

ROOT_URLCONF = "gridgov.urls"
WSGI_APPLICATION = "gridgov.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "gridgov" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gridgov.core.context.navigation",
            ],
        },
    },
]

# SQLite (WAL) by default; DATABASE_URL selects PostgreSQL.
DATABASE_URL = env_str("DATABASE_URL", "")
CONN_MAX_AGE = env_int("GRIDGOV_CONN_MAX_AGE", 600)
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=CONN_MAX_AGE)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "gridgov.core.sqlite",  # Django's, plus batched write transactions (core.writes)
            "NAME": env_str("GRIDGOV_SQLITE_PATH", str(VAR_DIR / "gridgov.sqlite3")),
            "CONN_MAX_AGE": CONN_MAX_AGE,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                    " PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=268435456;"
                    # Checkpoint every 40 MB of WAL instead of 4 MB: a page written many times is copied once,
                    # and the file is synced a tenth as often (an Open311 filing: 4.2 -> 3.6 ms).
                    " PRAGMA wal_autocheckpoint=10000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "gridgov.accounts.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout and idle session expiry.
GRIDGOV_MAX_FAILED_LOGINS = env_int("GRIDGOV_MAX_FAILED_LOGINS", 5)
GRIDGOV_LOCKOUT_MINUTES = env_int("GRIDGOV_LOCKOUT_MINUTES", 30)
SESSION_COOKIE_AGE = env_int("GRIDGOV_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = False  # SessionIdleMiddleware moves the expiry on, at most once a minute
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("GRIDGOV_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "gridgov" / "locale"]
TIME_ZONE = env_str("GRIDGOV_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "gridgov" / "static",
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
]
# Map tiles from an intranet tile server, e.g. http://tiles.example.internal/{z}/{x}/{y}.png; empty: the maps
# draw the places' boundaries alone (no request leaves the intranet).
GRIDGOV_TILE_URL = env_str("GRIDGOV_TILE_URL", "")

# Uploads: Excel registers only, bounded in size and in what they may unpack to.
GRIDGOV_UPLOAD_MAX_BYTES = env_int("GRIDGOV_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
GRIDGOV_UPLOAD_MAX_UNPACKED_BYTES = env_int("GRIDGOV_UPLOAD_MAX_UNPACKED_BYTES", 400 * 1024 * 1024)
GRIDGOV_UPLOAD_MAX_RATIO = env_int("GRIDGOV_UPLOAD_MAX_RATIO", 200)
GRIDGOV_IMPORT_MAX_ROWS = env_int("GRIDGOV_IMPORT_MAX_ROWS", 200_000)
# Web imports run in a background thread so the page can show progress; off = inside the request.
GRIDGOV_IMPORT_BACKGROUND = env_bool("GRIDGOV_IMPORT_BACKGROUND", True)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Photos and documents attached to records. Never served as public files: each app serves them
# through a scoped view, so MEDIA_URL is left unset.
MEDIA_ROOT = Path(env_str("GRIDGOV_MEDIA_ROOT", str(VAR_DIR / "media")))
GRIDGOV_ATTACHMENT_MAX_BYTES = env_int("GRIDGOV_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
GRIDGOV_PHOTO_MAX_BYTES = env_int("GRIDGOV_PHOTO_MAX_BYTES", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Coverage bounds ("方便群众、便于管理、规模适度"): configurable per deployment.
GRIDGOV_GRID_MIN_HOUSEHOLDS = env_int("GRIDGOV_GRID_MIN_HOUSEHOLDS", 20)
GRIDGOV_GRID_MAX_HOUSEHOLDS = env_int("GRIDGOV_GRID_MAX_HOUSEHOLDS", 300)
GRIDGOV_CLUSTER_MAX_HOUSEHOLDS = env_int("GRIDGOV_CLUSTER_MAX_HOUSEHOLDS", 15)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("GRIDGOV_LOG_LEVEL", "WARNING")},
}

AUTHENTICATION_BACKENDS = ["gridgov.accounts.backends.GridgovBackend"]

# Django's task API (django-tasks backport) with its database backend: no extra server.
# `manage.py run_periodic` enqueues the deadline job and the outbox delivery, and runs them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Statistics rollups (gridgov.stats): off = every figure is counted from the records. Reads fall back to the
# records too when the periodic refresh has not run for STALE seconds; GRACE covers timeline rows committed late.
GRIDGOV_STATS_ROLLUPS = env_bool("GRIDGOV_STATS_ROLLUPS", True)
GRIDGOV_STATS_STALE_SECONDS = env_int("GRIDGOV_STATS_STALE_SECONDS", 300)
GRIDGOV_STATS_GRACE_SECONDS = env_int("GRIDGOV_STATS_GRACE_SECONDS", 120)
# WeCom group robot (企业微信群机器人) webhook for red matters and supervision cards; empty = off.
GRIDGOV_WECOM_WEBHOOK_URL = env_str("GRIDGOV_WECOM_WEBHOOK_URL", "")
