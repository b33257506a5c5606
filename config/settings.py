"""Kuyakusho settings: one file, driven by the environment.

Environment variables:
    DATABASE_URL     default ``sqlite:///var/kuyakusho.sqlite3`` (PostgreSQL in production/CI)
    SECRET_KEY       default: generated once into ``var/secret_key`` (never committed)
    DEBUG            "1" to turn on debugging (off by default)
    ALLOWED_HOSTS    comma separated, default "127.0.0.1,localhost"
    KUYAKUSHO_VAR    folder for the SQLite database, keys and generated files (default ``var/``)
    CACHE_URL        redis://… for a Redis cache (default: a table in the database)
    TRUSTED_PROXIES  addresses/networks of reverse proxies whose X-Forwarded-For is believed
"""

from __future__ import annotations

import os
import secrets
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KUYAKUSHO_VAR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(64))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "axes",
    "ninja",  # serves its Swagger UI from our static files, not a CDN
    "kuyakusho.core",
    "kuyakusho.accounts",
    "kuyakusho.audit",
    "kuyakusho.offices",
    "kuyakusho.payments",
    "kuyakusho.residents",
    "kuyakusho.seals",
    "kuyakusho.certificates",
    "kuyakusho.queues",
    "kuyakusho.guide",
    "kuyakusho.opendata",  # open data catalogue (CKAN action API, DCAT)
    "kuyakusho.identity",
    "kuyakusho.facilities",  # public facilities: vacancy, registration, lottery, booking
    "kuyakusho.portal",
    "kuyakusho.reports",  # street reports (ねりまちレポーター), Open311
    "kuyakusho.console",
    "kuyakusho.kiosk",
    "kuyakusho.planning",  # planning: coverage, workload, peak simulation
    "kuyakusho.demo",
    "kuyakusho.operations",  # production: health, metrics, backups and the restore drill, periodic jobs
]

MIDDLEWARE = [
    "kuyakusho.operations.logs.RequestIdMiddleware",  # first: every log line of the request carries its id
    "kuyakusho.operations.metrics.MetricsMiddleware",
    "kuyakusho.core.middleware.RequestLogMiddleware",
    "kuyakusho.core.middleware.NoStoreMiddleware",
    "kuyakusho.core.middleware.ApiErrorShapeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kuyakusho.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kuyakusho.audit.context.AuditContextMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "kuyakusho.core.middleware.ApplicationErrorMiddleware",
    "kuyakusho.operations.unavailable.DatabaseUnavailableMiddleware",  # 503, never 500, when the database is busy
    "axes.middleware.AxesMiddleware",  # last: turns a throttled login into the login page's answer
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kuyakusho.core.context_processors.ward",
                "kuyakusho.console.context_processors.console_menu",
            ],
            "builtins": ["kuyakusho.core.templatetags.kuyakusho"],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kuyakusho.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL for concurrent readers; IMMEDIATE so that a write transaction takes the
    # write lock when it begins (no "database is locked" upgrades half-way). A checkpoint every
    # 10,000 pages (about 40 MB of log) rather than SQLite's 1,000: the pages every notification
    # writes (the audit trail's and the counters' last pages) are copied back once per checkpoint,
    # and the database file is synced less often (0.6 → 0.45 ms per notification's commit at
    # 740,000 residents).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                        "PRAGMA wal_autocheckpoint=10000;",
    }
else:
    # Test databases are per process, so that several test runs on one machine never share one.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
    if _env_bool("DATABASE_PREPARED", default=True):
        # Parameters bound by the server and statements prepared after 5 uses: the same few queries run
        # all day, and parsing and planning them again cost more than running them (about 0.2–0.35 ms of
        # a 0.5–1 ms query). Set DATABASE_PREPARED=0 behind a transaction-pooling PgBouncer.
        DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}

# --- Production: pooled database connections (kuyakusho.operations; docs/operations.md) -------------------
# On PostgreSQL each process keeps a pool of at most DATABASE_POOL_MAX_SIZE connections (psycopg_pool through
# Django's OPTIONS["pool"]): a request waits up to DATABASE_POOL_TIMEOUT seconds for a free one and is then
# answered 503 (kuyakusho.operations.unavailable), so workers × machines × max size stays under the server's
# max_connections. Every connection is checked before it is handed out, so a restarted server is reconnected to
# without restarting the application. DATABASE_POOL=0 (e.g. behind PgBouncer) keeps one connection per thread
# for CONN_MAX_AGE seconds with health checks instead.
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3" and _env_bool("DATABASE_POOL", default=True):
    from psycopg_pool import ConnectionPool

    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections; Django hands each one back
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("DATABASE_POOL_MIN_SIZE", "2")),
        "max_size": int(os.environ.get("DATABASE_POOL_MAX_SIZE", "10")),
        "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
        "max_idle": float(os.environ.get("DATABASE_POOL_MAX_IDLE", "600")),
        "max_lifetime": float(os.environ.get("DATABASE_POOL_MAX_LIFETIME", "3600")),
        "check": ConnectionPool.check_connection,
    }
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# --- end of pooled connections -------------------------------------------------------------------------------

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# --- Staff sign-in: password, throttling, second factor -------------------------------------------------
AUTH_USER_MODEL = "accounts.Staff"
# django-axes first: it refuses a throttled username/address before any password is checked. Django's ModelBackend
# runs the password hasher for unknown usernames too, so they take as long as a wrong password.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "console:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed logins (django-axes, counted in the database so that every process sees them). Each entry of
# AXES_LOCKOUT_PARAMETERS has its limit in LOGIN_FAILURE_LIMITS: a username from one address (someone
# mistyping, or guessing one account), one address whatever the username (password spraying), one username
# from any address (a distributed guess; higher, so that one address cannot lock anybody out).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]
LOGIN_FAILURE_LIMITS = (5, 20, 50)
AXES_FAILURE_LIMIT = 1  # the throttle below answers "over one of its limits" as 1
AXES_HANDLER = "kuyakusho.accounts.throttling.LoginThrottle"
AXES_COOLOFF_TIME = 0.25  # hours: 15 minutes after the last failure
AXES_LOCKOUT_CALLABLE = "kuyakusho.accounts.views.login_throttled"
AXES_RESET_ON_SUCCESS = False  # the throttle forgets only the failures of that username from that address
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False
# Second factor (django-otp): TOTP apps, passkeys (WebAuthn) and single-use recovery codes. Staff whose role
# reads personal data (accounts.capabilities.SECOND_FACTOR_CAPABILITIES) enrol at their first login.
OTP_TOTP_ISSUER = f"Kuyakusho {os.environ.get('WARD_NAME_EN', 'Nerima City')}"
# Passkeys are bound to the host the console is served from and answer only the console's own origins
# (WEBAUTHN_ORIGINS, comma separated: https://… in production; browsers allow http:// on localhost only).
OTP_WEBAUTHN_RP_ID_CALLABLE = "kuyakusho.accounts.webauthn.relying_party_id"
OTP_WEBAUTHN_RP_NAME_CALLABLE = "kuyakusho.accounts.webauthn.relying_party_name"
OTP_WEBAUTHN_ALLOWED_ORIGINS = [o.strip() for o in os.environ.get("WEBAUTHN_ORIGINS", "http://localhost:8000").split(",")
                                if o.strip()]
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False  # a passkey is the second factor, after the password
# --- end of staff sign-in ----------------------------------------------------------------------------------

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": VAR_DIR / "media"}},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = VAR_DIR / "media"

# The font every certificate prints with (TrueType, cmap formats 4/12 and 14). The register accepts only what it
# can print (core.text, through core.glyphs), so replacing it changes what names and addresses may hold.
CERTIFICATE_FONT = Path(os.environ.get("CERTIFICATE_FONT",
                                       BASE_DIR / "kuyakusho" / "certificates" / "fonts" / "KuyakushoMincho.ttf"))

TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# Signed checkpoints of the audit chain (kuyakusho.audit.checkpoints): one file each, never overwritten, in a
# folder the database does not hold; stamped by an RFC 3161 time-stamp authority when its URL is set (its
# tokens are checked against the roots in AUDIT_CHECKPOINT_TSA_ROOTS, a PEM file, when that is set).
AUDIT_CHECKPOINT_DIR = Path(os.environ.get("AUDIT_CHECKPOINT_DIR", VAR_DIR / "audit-checkpoints"))
AUDIT_CHECKPOINT_TSA_URL = os.environ.get("AUDIT_CHECKPOINT_TSA_URL", "")
AUDIT_CHECKPOINT_TSA_ROOTS = os.environ.get("AUDIT_CHECKPOINT_TSA_ROOTS", "")

# --- Payments (kuyakusho.payments) ---------------------------------------------------------------------------
# The online provider in use (a name in PAYMENTS_PROVIDERS; production adds its PSP's class there). The demo
# ward's sandbox serves its own hosted page under /payments/sandbox/ and signs its webhooks with
# PAYMENTS_SANDBOX_SECRET (HMAC-SHA256); set it in the environment outside the demo.
PAYMENTS_PROVIDER = os.environ.get("PAYMENTS_PROVIDER", "sandbox")
PAYMENTS_PROVIDERS = {"sandbox": "kuyakusho.payments.providers.sandbox.SandboxProvider"}
PAYMENTS_SANDBOX_SECRET = os.environ.get("PAYMENTS_SANDBOX_SECRET", "sandbox-" + SECRET_KEY[:32])
PAYMENTS_SANDBOX_DELIVERIES = int(os.environ.get("PAYMENTS_SANDBOX_DELIVERIES", "2"))  # each event, at least once
PAYMENTS_SANDBOX_MAX_ATTEMPTS = 5
# Where providers post their notifications (default: PUBLIC_BASE_URL + /payments/webhook/<provider>).
PAYMENTS_WEBHOOK_URL = os.environ.get("PAYMENTS_WEBHOOK_URL", "")
PAYMENTS_WEBHOOK_TOLERANCE = 300  # seconds between a signature's time stamp and its arrival
PAYMENTS_CHECKOUT_MINUTES = 30  # an unpaid online checkout expires after this
PAYMENTS_MAX_AMOUNT = 10_000_000
# Pay-easy: the ward's 収納機関番号 (5 digits) and the 納付区分 used when a fee names none.
PAYMENTS_PAYEASY_BILLER_NUMBER = os.environ.get("PAYMENTS_PAYEASY_BILLER_NUMBER", "58021")
PAYMENTS_PAYEASY_DEFAULT_KIND = os.environ.get("PAYMENTS_PAYEASY_DEFAULT_KIND", "001")
# Convenience stores: the ward's 6-digit company code at its collection agent (GS1-128 AI 91).
PAYMENTS_KONBINI_COMPANY_CODE = os.environ.get("PAYMENTS_KONBINI_COMPANY_CODE", "913120")
# 地方税統一QRコード (eL-QR): bills may be marked as payable by eL-QR only where the ward has joined it.
PAYMENTS_ELQR_ENABLED = _env_bool("PAYMENTS_ELQR_ENABLED")
# --- end of payments -----------------------------------------------------------------------------------------

# --- Open data (kuyakusho.opendata) ---------------------------------------------------------------------------
# Counts below this are suppressed in tables drawn from the register (地域・年齢別人口), with complementary
# suppression so that totals cannot reveal them (kuyakusho.opendata.suppression).
SMALL_CELL_THRESHOLD = int(os.environ.get("SMALL_CELL_THRESHOLD", "10"))
# The CSV files the ward maintains for AED, 指定緊急避難場所 and 公衆無線LAN (aed.csv, evacuation_space.csv,
# public_wifi.csv); the demo's are synthetic and say so (OPENDATA_CSV_SYNTHETIC).
OPENDATA_CSV_DIR = Path(os.environ.get("OPENDATA_CSV_DIR", BASE_DIR / "kuyakusho" / "opendata" / "data"))
OPENDATA_CSV_SYNTHETIC = _env_bool("OPENDATA_CSV_SYNTHETIC", default="OPENDATA_CSV_DIR" not in os.environ)
OPENDATA_CONGESTION_DAYS = int(os.environ.get("OPENDATA_CONGESTION_DAYS", "90"))  # history in the congestion file
# --- end of open data ----------------------------------------------------------------------------------------

# Security headers.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60  # one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_FAILURE_VIEW = "kuyakusho.core.views.csrf_failure"  # the ward's page; keeps what was typed
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from a meta tag, not the cookie
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if _env_bool("HTTPS"):
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SECURE_CSP: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

NINJA_PAGINATION_PER_PAGE = 50

# The ward this installation serves (the demo ward is Nerima), read everywhere through kuyakusho.core.ward.ward().
# Title, office, contact and seal text follow from the name unless set (東京都練馬区長, 練馬区役所, 練馬区長之印);
# WARD_SEAL_IMAGE points to a PNG of the real seal impression; WARD_TOWNS_CSV to the ward's 町丁目 list.
WARD = {
    "code": os.environ.get("WARD_CODE", "131202"),  # 全国地方公共団体コード
    "name_ja": os.environ.get("WARD_NAME_JA", "練馬区"),
    "name_en": os.environ.get("WARD_NAME_EN", "Nerima City"),
    "prefecture_ja": os.environ.get("WARD_PREFECTURE_JA", "東京都"),
    "prefecture_en": os.environ.get("WARD_PREFECTURE_EN", "Tokyo"),
    "mayor_title_ja": os.environ.get("WARD_MAYOR_TITLE_JA", ""),
    "mayor_name": os.environ.get("WARD_MAYOR_NAME", "練馬　太郎"),
    "office_name_ja": os.environ.get("WARD_OFFICE_NAME_JA", ""),
    "contact_ja": os.environ.get("WARD_CONTACT_JA", ""),
    "seal_text": os.environ.get("WARD_SEAL_TEXT", ""),
    "seal_image": os.environ.get("WARD_SEAL_IMAGE", ""),
    "towns_csv": os.environ.get("WARD_TOWNS_CSV",
                                str(BASE_DIR / "kuyakusho" / "residents" / "data" / "nerima-towns.csv")),
}
# The resident site's maps: the ward's boundary (GeoJSON, with the credit its source asks for) and, where
# the site may load them, map tiles from a tile server (e.g. 地理院タイル:
# MAP_TILE_URL=https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png with
# MAP_TILE_ATTRIBUTION=地理院タイル). No tiles by default: the map is drawn offline from the boundary alone.
WARD_BOUNDARY = Path(os.environ.get("WARD_BOUNDARY", BASE_DIR / "kuyakusho/residents/data/nerima-boundary.geojson"))
WARD_BOUNDARY_CREDIT = os.environ.get("WARD_BOUNDARY_CREDIT",
                                      "出典：国土数値情報（行政区域データ）（国土交通省）を加工して作成")
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")
if MAP_TILE_URL:
    _tiles = urlsplit(MAP_TILE_URL)
    SECURE_CSP["img-src"].append(f"{_tiles.scheme}://{_tiles.netloc}")
# The demo ward (`make run` sets KUYAKUSHO_DEMO=1): lets an administrator open every counter, kiosk and
# store for the whole day (offices.services.open_today_for_demo). Never set in production.
DEMO_MODE = _env_bool("KUYAKUSHO_DEMO")
# Residents' identity (kuyakusho.identity): sign-in with the My Number card over OpenID Connect, the way
# デジタル認証アプリ asks (authorization code flow, PKCE S256, state and nonce, private_key_jwt). Production sets
# the provider; the demo ward (DEMO_MODE) runs a sandbox provider inside the platform at /identity/sandbox/,
# refused (404) unless IDENTITY_SANDBOX is on. With the sandbox and no issuer set, the issuer is the sandbox.
IDENTITY_SANDBOX = _env_bool("IDENTITY_SANDBOX") or DEMO_MODE
IDENTITY_ISSUER = os.environ.get("IDENTITY_ISSUER", "").rstrip("/")
IDENTITY_AUTHORIZATION_ENDPOINT = os.environ.get("IDENTITY_AUTHORIZATION_ENDPOINT", "")
IDENTITY_TOKEN_ENDPOINT = os.environ.get("IDENTITY_TOKEN_ENDPOINT", "")
IDENTITY_JWKS_URI = os.environ.get("IDENTITY_JWKS_URI", "")
IDENTITY_CLIENT_ID = os.environ.get("IDENTITY_CLIENT_ID", "kuyakusho-portal")
# The client's private key (PEM, EC P-256 or RSA) for private_key_jwt; created in var/ for the sandbox.
IDENTITY_PRIVATE_KEY_FILE = Path(os.environ.get("IDENTITY_PRIVATE_KEY_FILE", VAR_DIR / "identity" / "client-key.pem"))
IDENTITY_SIGNIN_SCOPES = os.environ.get("IDENTITY_SIGNIN_SCOPES", "openid")
IDENTITY_SIGN_SCOPES = os.environ.get("IDENTITY_SIGN_SCOPES", "openid name address birthdate gender sign")
IDENTITY_ACR_VALUES = os.environ.get("IDENTITY_ACR_VALUES", "")
IDENTITY_HTTP_TIMEOUT = float(os.environ.get("IDENTITY_HTTP_TIMEOUT", "5"))
# Residents' sessions are not the staff's: their own cookie, lifetime and idle timeout (identity.sessions).
RESIDENT_SESSION_COOKIE_NAME = "kuyakusho_resident"
RESIDENT_SESSION_AGE = int(os.environ.get("RESIDENT_SESSION_AGE", 2 * 60 * 60))  # at most two hours
RESIDENT_SESSION_IDLE = int(os.environ.get("RESIDENT_SESSION_IDLE", 15 * 60))  # signed out after 15 idle minutes
RESIDENT_REAUTH_AGE = int(os.environ.get("RESIDENT_REAUTH_AGE", 5 * 60))  # the card again for the full record
# My page's access log: staff names are shown only where the ward decides so.
PORTAL_SHOW_STAFF_NAMES = _env_bool("PORTAL_SHOW_STAFF_NAMES")
# Notices to residents who gave an address (Django's mailers; the console in the demo ward).
MAILERS = {"default": {"BACKEND": os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
                                                 if DEMO_MODE else "django.core.mail.backends.smtp.EmailBackend")}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@localhost")
# The day the resident site was last tested for JIS X 8341-3 (shown in its accessibility statement).
ACCESSIBILITY_TESTED_ON = date.fromisoformat(os.environ.get("ACCESSIBILITY_TESTED_ON", "2026-12-06"))
# Where residents reach this installation (printed in certificates' QR codes: <base>/verify/<code>).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Logs: the URL name of a request, never its path (``kuyakusho.core.logs``; paths hold ids and names).
_URL_NAME_ONLY = {"filters": ["url_name_only"]}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"url_name_only": {"()": "kuyakusho.core.logs.UrlNameOnly"},
                "request_id": {"()": "kuyakusho.operations.logs.RequestIdFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
                   "json": {"()": "kuyakusho.operations.logs.JsonFormatter"}},  # LOG_FORMAT=json
    "handlers": {"console": {"class": "logging.StreamHandler",
                             "formatter": "json" if os.environ.get("LOG_FORMAT") == "json" else "plain",
                             "filters": ["url_name_only", "request_id"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": _URL_NAME_ONLY,
        "django.security.csrf": _URL_NAME_ONLY,
        "django.security.DisallowedHost": _URL_NAME_ONLY,
        "django.server": {"handlers": ["console"], "propagate": False, **_URL_NAME_ONLY},
        "uvicorn.error": _URL_NAME_ONLY,
    },
}

# The shared cache (request budgets, login throttling): a table in the database by default (created by
# ``migrate``), Redis when CACHE_URL=redis://… is set. Every server process counts in the same place.
if os.environ.get("CACHE_URL", "").startswith(("redis://", "rediss://", "unix://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": os.environ["CACHE_URL"]}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                          "LOCATION": "kuyakusho_cache"}}
# Each process's own memory, for renderings that cannot go stale: those that change only with a release (the
# resident site's menu and footer, the stylesheet links) and those keyed by what they show (a snapshot's period,
# an office page's digest). Nothing kept there may depend on who asks.
CACHES["process"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kuyakusho-process"}
# Proxies whose X-Forwarded-For is believed (comma separated addresses or networks, e.g. "10.0.0.0/8");
# the client's address is then the right-most one they did not add (``kuyakusho.core.net.client_address``).
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("TRUSTED_PROXIES", "").split(",") if p.strip()]
# Login throttling counts in the same cache, per client address as read above.
AXES_CACHE = "default"
AXES_CLIENT_IP_CALLABLE = "kuyakusho.accounts.throttling.client_ip"

# Planning (kuyakusho.planning): the most counters a scenario may ask for at one office, and the longest
# period one simulation may cover. Small cells: SMALL_CELL_THRESHOLD (open data, above).
PLANNING_MAX_COUNTERS = int(os.environ.get("PLANNING_MAX_COUNTERS", "40"))
PLANNING_MAX_DAYS = int(os.environ.get("PLANNING_MAX_DAYS", "92"))
# --- Production: health, metrics (kuyakusho.operations; docs/operations.md) -----------------------------------
# /metrics answers a scraper holding METRICS_TOKEN (Authorization: Bearer …) or calling from
# METRICS_ALLOWED_NETWORKS (comma separated; default this machine only); anyone else gets 404.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = [n.strip() for n in os.environ.get("METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")
                            .split(",") if n.strip()]
# The ward's signing key (certificates, audit checkpoints): a folder with key.pem and cert.pem (kuyakusho.core.wardkey).
if os.environ.get("KUYAKUSHO_WARD_KEY_DIR"):
    KUYAKUSHO_WARD_KEY_DIR = Path(os.environ["KUYAKUSHO_WARD_KEY_DIR"])
# Backups (manage.py backup, manage.py restore_check): where they are written and kept.
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", VAR_DIR / "backups"))
# --- end of production ---------------------------------------------------------------------------------------
