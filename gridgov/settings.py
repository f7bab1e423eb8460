"""gridgov settings: one module, read from the environment, failing loudly on bad values."""

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

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
    "axes",  # login throttling per (account, address) and per address: gridgov.accounts.throttle
    "django_otp",  # second factor: TOTP devices and hashed recovery codes (gridgov.accounts)
    "django_otp.plugins.otp_totp",
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
    "gridgov.ledgers",
    "gridgov.workbench",
    "ninja",  # its API docs page then uses the Swagger UI files it ships, not a CDN
    "gridgov.backups",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "gridgov.core.context.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gridgov.core.context.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "gridgov.core.context.RequestUserMiddleware",
    "gridgov.core.context.SessionIdleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "gridgov.accounts.middleware.SignInPolicyMiddleware",  # after messages: it says why it signed out
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "gridgov.core.access.AccessMiddleware",
    "axes.middleware.AxesMiddleware",
    "gridgov.core.errors.ErrorPageMiddleware",
]
# Our own 403 and 404 pages (Chinese or English, with the menu) in every mode, DEBUG included.
CSRF_FAILURE_VIEW = "gridgov.core.views.csrf_failure"

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
    {"NAME": "gridgov.accounts.passwords.UsernameNotInPasswordValidator"},
    {"NAME": "gridgov.accounts.passwords.PasswordHistoryValidator", "OPTIONS": {"count": 5}},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sign-in: passwords the owner chose (forced change at first login, after a reset and after
# GRIDGOV_PASSWORD_MAX_AGE_DAYS; 0 = no expiry), a second factor (TOTP) for the administrators and
# the holders of the reveal or key-population grants (everyone with GRIDGOV_2FA_FOR_EVERYONE=1).
GRIDGOV_PASSWORD_MAX_AGE_DAYS = env_int("GRIDGOV_PASSWORD_MAX_AGE_DAYS", 90)
GRIDGOV_2FA_ENABLED = env_bool("GRIDGOV_2FA_ENABLED", True)  # 0 only to measure its cost (bench)
GRIDGOV_2FA_FOR_EVERYONE = env_bool("GRIDGOV_2FA_FOR_EVERYONE", False)
GRIDGOV_SIGNIN_STEP_SECONDS = env_int("GRIDGOV_SIGNIN_STEP_SECONDS", 10 * 60)  # password change / code pages
GRIDGOV_RECOVERY_CODES = 10
# A password an administrator set (new account, reset) activates only with the security administrator's code.
GRIDGOV_ACTIVATION_CODE_HOURS = env_int("GRIDGOV_ACTIVATION_CODE_HOURS", 72)
GRIDGOV_ACTIVATION_CODE_MAX_FAILURES = 5  # wrong tries (from any address) before the code is void
OTP_TOTP_ISSUER = env_str("GRIDGOV_TOTP_ISSUER", "网格治理")
# API tokens expire (create_api_token --days, at most GRIDGOV_API_TOKEN_MAX_DAYS).
GRIDGOV_API_TOKEN_DAYS = env_int("GRIDGOV_API_TOKEN_DAYS", 90)
GRIDGOV_API_TOKEN_MAX_DAYS = env_int("GRIDGOV_API_TOKEN_MAX_DAYS", 365)

# Login throttling (django-axes, see gridgov.accounts.throttle): failures are counted per (account,
# address) and per address; past the limit that pair or address is refused without checking the
# password for a cool-off that doubles with each lockout of the address within a day. The account
# itself is never locked: its owner signs in from elsewhere, and open sessions and tokens keep working.
AXES_ENABLED = env_bool("GRIDGOV_LOGIN_THROTTLE", True)
AXES_FAILURE_LIMIT = env_int("GRIDGOV_LOGIN_FAILURES_PER_ACCOUNT", 5)  # per (account, address)
GRIDGOV_LOGIN_FAILURES_PER_ADDRESS = env_int("GRIDGOV_LOGIN_FAILURES_PER_ADDRESS", 30)  # any accounts
GRIDGOV_LOGIN_COOLOFF_MINUTES = env_int("GRIDGOV_LOGIN_COOLOFF_MINUTES", 15)
GRIDGOV_LOGIN_COOLOFF_MAX_MINUTES = env_int("GRIDGOV_LOGIN_COOLOFF_MAX_MINUTES", 24 * 60)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_COOLOFF_TIME = "gridgov.accounts.throttle.cool_off"
AXES_HANDLER = "gridgov.accounts.throttle.LoginThrottleHandler"
AXES_LOCKOUT_CALLABLE = "gridgov.accounts.throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "gridgov.core.context.client_ip"  # the address the audit log records
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # refused tries neither count nor extend the lock
AXES_RESET_ON_SUCCESS = False  # the handler resets only the signed-in (account, address) pair
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in the audit log
AXES_USERNAME_FORM_FIELD = "username"

# Idle session expiry.
SESSION_COOKIE_AGE = env_int("GRIDGOV_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = False  # SessionIdleMiddleware moves the expiry on, at most once a minute
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("GRIDGOV_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# HTTPS only in production: redirect plain HTTP, and tell browsers never to use it again (HSTS).
SECURE_SSL_REDIRECT = env_bool("GRIDGOV_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("GRIDGOV_HSTS_SECONDS", 365 * 24 * 3600 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("GRIDGOV_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("GRIDGOV_HSTS_PRELOAD", PRODUCTION)
if env_bool("GRIDGOV_BEHIND_PROXY", False):
    # The reverse proxy terminates TLS and says so; without this every request would look like plain HTTP.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp 4): everything from this site only; no inline script, no inline
# style, no eval. Pages take their behaviour from static files (gridgov/static/js/behaviours.js, the map
# scripts) and their look from static CSS; HTMX runs with its injected styles and eval off (base.html);
# Leaflet draws with no tile server and sets positions through the DOM, which style-src does not govern.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # Leaflet's and Swagger UI's CSS carry a few data: images
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF],  # the field app's service worker
        "manifest-src": [SELF],
        "object-src": [NONE],
        "frame-src": [NONE],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    },
}

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
# Web imports and ledger exports run in a background thread so the page can show progress; off = inside the request.
GRIDGOV_IMPORT_BACKGROUND = env_bool("GRIDGOV_IMPORT_BACKGROUND", True)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Photos and documents attached to records. Never served as public files: each app serves them
# through a scoped view, so MEDIA_URL is left unset.
MEDIA_ROOT = Path(env_str("GRIDGOV_MEDIA_ROOT", str(VAR_DIR / "media")))
GRIDGOV_ATTACHMENT_MAX_BYTES = env_int("GRIDGOV_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
GRIDGOV_PHOTO_MAX_BYTES = env_int("GRIDGOV_PHOTO_MAX_BYTES", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Audit log (等保三级): kept at least 183 days (the database refuses deleting younger rows whatever this says);
# the periodic job seals new rows into the chain every round and checks the whole chain every N hours.
GRIDGOV_AUDIT_RETENTION_DAYS = env_int("GRIDGOV_AUDIT_RETENTION_DAYS", 183)
if GRIDGOV_AUDIT_RETENTION_DAYS < 183:
    raise EnvError("GRIDGOV_AUDIT_RETENTION_DAYS must be at least 183 (audit logs are kept six months)")
GRIDGOV_AUDIT_FULL_CHECK_HOURS = env_int("GRIDGOV_AUDIT_FULL_CHECK_HOURS", 24)
GRIDGOV_AUDIT_EXPORT_MAX_ROWS = env_int("GRIDGOV_AUDIT_EXPORT_MAX_ROWS", 200_000)

# Coverage bounds ("方便群众、便于管理、规模适度"): configurable per deployment.
GRIDGOV_GRID_MIN_HOUSEHOLDS = env_int("GRIDGOV_GRID_MIN_HOUSEHOLDS", 20)
GRIDGOV_GRID_MAX_HOUSEHOLDS = env_int("GRIDGOV_GRID_MAX_HOUSEHOLDS", 300)
GRIDGOV_CLUSTER_MAX_HOUSEHOLDS = env_int("GRIDGOV_CLUSTER_MAX_HOUSEHOLDS", 15)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("GRIDGOV_LOG_LEVEL", "WARNING")},
    # django-axes logs every failed sign-in (with the username and address masked); the audit log has them.
    "loggers": {"axes": {"level": env_str("GRIDGOV_AXES_LOG_LEVEL", "ERROR")}},
}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a throttled sign-in before the password is checked
    "gridgov.accounts.backends.GridgovBackend",
]

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
# The robot takes at most 20 messages a minute (WeCom's limit); a receiver of your own may take more.
GRIDGOV_WECOM_PER_MINUTE = env_int("GRIDGOV_WECOM_PER_MINUTE", 20)
# Where chat groups' robot webhooks may point (WeCom's service; add a private WeCom server's origin).
GRIDGOV_CHAT_WEBHOOK_ORIGINS = env_list("GRIDGOV_CHAT_WEBHOOK_ORIGINS", ["https://qyapi.weixin.qq.com"])

# ---------------------------------------------------------------- production at scale (docs/deploy.md)
# Everything below changes nothing unless its environment variable is set.

# Static files without Django views: WhiteNoise in front of the app (hashed, compressed, cached for a
# year with GRIDGOV_STATIC_MANIFEST=1 after `collectstatic`; straight from the source folders without).
if env_bool("GRIDGOV_SERVE_STATIC", False):
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )
    WHITENOISE_USE_FINDERS = not env_bool("GRIDGOV_STATIC_MANIFEST", False)
if env_bool("GRIDGOV_STATIC_MANIFEST", False):
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

# Uploaded files on a storage every app node reaches: a shared directory (GRIDGOV_MEDIA_ROOT on NFS or
# similar) by default, or any Django storage class with its options as JSON (e.g. an S3-compatible one).
GRIDGOV_FILE_STORAGE = _storage_backend = env_str("GRIDGOV_FILE_STORAGE", "")
if _storage_backend:
    import json as _json

    STORAGES = {
        **globals().get(
            "STORAGES", {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
        ),
        "default": {"BACKEND": _storage_backend, "OPTIONS": _json.loads(env_str("GRIDGOV_FILE_STORAGE_OPTIONS", "{}"))},
    }

# Caches shared by every app node: the database (no extra server to run and watch; the app keeps
# little in the cache). Run `manage.py createcachetable` once (make serve does).
if env_bool("GRIDGOV_SHARED_CACHE", False):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "gridgov_cache"}}

# Connection pooling in each process (Django 5.2 + psycopg_pool); persistent connections are then off.
if DATABASE_URL and env_bool("GRIDGOV_DB_POOL", False):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env_int("GRIDGOV_DB_POOL_MIN", 1),
        "max_size": env_int("GRIDGOV_DB_POOL_MAX", 4),
        "timeout": env_int("GRIDGOV_DB_POOL_TIMEOUT", 10),
    }

# Through pgbouncer in transaction pooling mode: no server-side cursors (they live across transactions).
if DATABASE_URL and env_bool("GRIDGOV_DB_PGBOUNCER", False):
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True

# Read replicas (PostgreSQL streaming replication): read-only views and blocks marked for them read
# there (gridgov.core.replicas); writes, transactions, sessions and sign-in stay on the primary.
GRIDGOV_REPLICA_URLS = env_list("GRIDGOV_REPLICA_URLS", [])
GRIDGOV_REPLICA_MAX_LAG_SECONDS = env_int("GRIDGOV_REPLICA_MAX_LAG_SECONDS", 5)
GRIDGOV_REPLICA_CHECK_SECONDS = env_int("GRIDGOV_REPLICA_CHECK_SECONDS", 1)
GRIDGOV_REPLICA_RETRY_SECONDS = env_int("GRIDGOV_REPLICA_RETRY_SECONDS", 5)
GRIDGOV_READ_YOUR_WRITES_SECONDS = env_int("GRIDGOV_READ_YOUR_WRITES_SECONDS", 10)
GRIDGOV_READY_NEEDS_REPLICA = env_bool("GRIDGOV_READY_NEEDS_REPLICA", False)
for _number, _url in enumerate(GRIDGOV_REPLICA_URLS, start=1):
    _replica = dj_database_url.parse(_url, conn_max_age=CONN_MAX_AGE)
    _replica.setdefault("OPTIONS", {}).setdefault("connect_timeout", env_int("GRIDGOV_REPLICA_CONNECT_TIMEOUT", 2))
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica{_number}"] = _replica
if GRIDGOV_REPLICA_URLS:
    DATABASE_ROUTERS = ["gridgov.core.replicas.ReplicaRouter"]
    MIDDLEWARE.append("gridgov.core.replicas.ReplicaMiddleware")

# Behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto.
if env_bool("GRIDGOV_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Logs: one JSON object a line on stdout.
GRIDGOV_LOG_FORMAT = env_str("GRIDGOV_LOG_FORMAT", "text")
if GRIDGOV_LOG_FORMAT == "json":
    LOGGING["formatters"] = {"json": {"()": "gridgov.core.logs.JsonFormatter"}}
    LOGGING["handlers"]["console"]["formatter"] = "json"
    LOGGING["handlers"]["console"]["stream"] = "ext://sys.stdout"
    LOGGING["root"]["level"] = env_str("GRIDGOV_LOG_LEVEL", "INFO")
