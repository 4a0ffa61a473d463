"""Settings read from the environment; defaults give a working local instance under ./var/."""
import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("XUANSHU_HOME", Path.cwd())).resolve()
VAR_DIR = Path(os.environ.get("XUANSHU_VAR_DIR", PROJECT_DIR / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _local_secret_key() -> str:
    """A per-install key kept in var/, so a fresh checkout runs without committing a secret."""
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or _local_secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "axes",
    "huey.contrib.djhuey",
    "xuanshu.core",
    "xuanshu.campaigns",
    "xuanshu.intake",
    "xuanshu.intake.channels.wechat",
    "xuanshu.intake.channels.email",
    "xuanshu.api",
    "xuanshu.nominations",
    "xuanshu.nominations.extraction",
    "xuanshu.nominations.dedup",
    "xuanshu.voting",
    "xuanshu.console",
    "xuanshu.public",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "xuanshu.core.locale.SiteLocaleMiddleware",  # citizens: zh-hans; console, admin, API: Accept-Language
    "django.middleware.common.CommonMiddleware",
    "xuanshu.core.error_views.MethodNotAllowedPage",  # a page, not a blank 405, for a form's address opened by hand
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "xuanshu.urls"
WSGI_APPLICATION = "xuanshu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_from_url(url: str) -> dict:
    config = dj_database_url.parse(url, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock up front,
        # so concurrent writers wait (busy timeout) instead of failing with "database is locked".
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    return config


DATABASES = {
    "default": database_from_url(os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'xuanshu.sqlite3'}"))
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
VOTING_REDIS_URL = os.environ.get("VOTING_REDIS_URL", "")  # the vote's Redis, if not REDIS_URL's (unix:///path works)
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Without Redis the cache lives in the database, so every server process shares it: the rate limits, the SMS
    # resend guards and the WeChat access token (a token one process fetched would otherwise expire another's).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "xuanshu_cache",
                          "OPTIONS": {"MAX_ENTRIES": 100_000}}}

# Tasks run in the request after commit unless a worker is configured (`python -m xuanshu run_huey`).
HUEY = {
    "huey_class": "huey.RedisHuey" if REDIS_URL else "huey.SqliteHuey",
    "name": "xuanshu",
    "immediate": env_bool("XUANSHU_TASKS_IMMEDIATE", True),
    "connection": {"url": REDIS_URL} if REDIS_URL else {"filename": str(VAR_DIR / "tasks.sqlite3")},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:queue"

# Lock out a login after repeated failures, per user name and address.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "8"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "xuanshu.console.views.login_locked_out"  # the sign-in page, with the lockout message

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"  # not served publicly: uploads go out only through the console's staff views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Uploads: photos of up to 10 MB each, up to 9 of them, plus the form fields.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 20

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# One stream (stderr) for the app's records and for requests that failed with an unhandled exception: Django
# reports those on `django.request` (with the traceback), which by default prints only with DEBUG on and
# mails ADMINS otherwise. Here they go to the console at ERROR (404s and other 4xx stay in the access log);
# not propagated, so Django's mail handler never sends a request's data anywhere. LOG_LEVEL sets the
# handler's threshold too, so it can quiet everything. The formatter masks contacts and URL passwords.
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "site": {"class": "xuanshu.core.logs.RedactingFormatter", "format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "site", "level": LOG_LEVEL}},
    "loggers": {
        "xuanshu": {"handlers": ["console"], "level": LOG_LEVEL},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
# settings.LOGGING, then uvicorn's access log made to drop query strings (tokens, OAuth codes): see core.logs.
LOGGING_CONFIG = "xuanshu.core.logs.configure_logging"
CSRF_FAILURE_VIEW = "xuanshu.core.error_views.csrf_failure"  # a page in Chinese, not Django's "403 Forbidden"

# Origin of the citizen site for links sent out of band (WeChat replies, e-mail acknowledgements); empty = the
# request's own host, and no status link in e-mail acknowledgements (sent without a request to take a host from).
XUANSHU_PUBLIC_BASE_URL = os.environ.get("XUANSHU_PUBLIC_BASE_URL", "").rstrip("/")

# E-mail: acknowledgements to e-mailed nominations go out over SMTP (for 163.com: smtp.163.com, port 465,
# EMAIL_USE_SSL=1, the mailbox's authorisation code as password); printed on the console until EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "xuanshu@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Campaign mailboxes (`python -m xuanshu mailbox set`): polled by the worker every few minutes.
MAILBOX_POLL_MINUTES = int(os.environ.get("MAILBOX_POLL_MINUTES", "5"))
MAILBOX_REPLIES_PER_SENDER_PER_DAY = int(os.environ.get("MAILBOX_REPLIES_PER_SENDER_PER_DAY", "3"))
MAILBOX_MAX_DOCUMENT_BYTES = int(os.environ.get("MAILBOX_MAX_DOCUMENT_BYTES", str(20 * 1024 * 1024)))
