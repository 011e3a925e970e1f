"""Settings from the environment (12-factor, like Kolibri and Django's own apps).

COMMUNITY_DATA_DIR  data dir (default ~/.local/share/xingfu-community): SQLite file, secret key, logs
DATABASE_URL        sqlite:///ABS/PATH or postgresql://USER:PASS@HOST:PORT/NAME (default: SQLite in the data dir)
SECRET_KEY          default: generated once and kept in <data dir>/secret_key (mode 600)
ALLOWED_HOSTS       comma-separated (default: 127.0.0.1,localhost,[::1])
COMMUNITY_DEBUG     1 for Django debug pages (never at a post)
COMMUNITY_SECURE_COOKIES  1 when served over HTTPS (session and CSRF cookies marked Secure)
COMMUNITY_ADVERTISE   where `serve` announces itself on the LAN (mDNS): unset = where it listens; all; ADDR,ADDR; off
COMMUNITY_PUBLIC_URL  address phones reach the server at, for QR links (sent to kiosks when they pair and in
                    every heartbeat answer)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlparse

from sync import protocol

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("COMMUNITY_DATA_DIR") or Path.home() / ".local/share/xingfu-community").expanduser()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = DATA_DIR / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def database_from_url(url: str) -> dict:
    u = urlparse(url)
    if u.scheme == "sqlite":
        name = unquote(u.path) if u.netloc in ("", "localhost") else f"/{u.netloc}{u.path}"
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": name or ":memory:",
                # WAL + a busy timeout: kiosks sync while cadres browse.
                "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE",
                            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
                # Tests use a file too: in-memory shared-cache SQLite fails concurrent writers at once
                # ("table is locked") instead of waiting, unlike the real thing.
                "TEST": {"NAME": str(DATA_DIR / "test-community.sqlite3")}}
    if u.scheme in ("postgres", "postgresql"):
        return {"ENGINE": "django.db.backends.postgresql", "NAME": unquote(u.path.lstrip("/")),
                "USER": unquote(u.username or ""), "PASSWORD": unquote(u.password or ""),
                "HOST": u.hostname or "", "PORT": str(u.port or ""), "CONN_MAX_AGE": 60,
                # a restarted database must not cost each server thread one failed request
                "CONN_HEALTH_CHECKS": True}
    raise ValueError(f"DATABASE_URL: unsupported scheme {u.scheme!r} (use sqlite:/// or postgresql://)")


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("COMMUNITY_DEBUG") == "1"
# The address family members' phones reach this server at, for QR links (sent to kiosks when they pair);
# empty = the address the kiosk used. A loopback address here is warned about (demo, kiosk admin screen).
PUBLIC_URL = os.environ.get("COMMUNITY_PUBLIC_URL", "").strip().rstrip("/")
if protocol.public_url_problem(PUBLIC_URL):   # every kiosk would refuse it in the heartbeat's answer: say so at start
    raise ValueError(f"COMMUNITY_PUBLIC_URL={PUBLIC_URL!r}: {protocol.public_url_problem(PUBLIC_URL)}")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h.strip()]
DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'community.sqlite3'}")}

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "server.core",
    "server.workbench",
    "server.api",
    "server.lessons",
    "server.voicelearn",
]
MIDDLEWARE = [
    "server.api.envelope.ApiEnvelopeMiddleware",   # outermost: every /api/ error is the protocol's JSON envelope
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files from the WSGI process: no nginx at a post
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "server.urls"
# Bodies: the kiosk protocol's byte limit, one number (sync/protocol.py); the kiosk sizes its batches under it.
DATA_UPLOAD_MAX_MEMORY_SIZE = protocol.MAX_BODY_BYTES
WSGI_APPLICATION = "server.wsgi.application"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
                             "OPTIONS": {"min_length": 8}}]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)   # whitenoise looks there too; an absent folder only earns a warning per request
WHITENOISE_USE_FINDERS = True  # serve the apps' static files directly: no collectstatic step at a post

SECURE = os.environ.get("COMMUNITY_SECURE_COOKIES") == "1"
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

def _one_warning_line(record) -> bool:
    """A request with a Host header not in ALLOWED_HOSTS (a scanner on the LAN, a mistyped address) is a
    warning worth one line, not an ERROR with a traceback (issue 11.7)."""
    import logging

    record.levelno, record.levelname, record.exc_info, record.exc_text = logging.WARNING, "WARNING", None, None
    return True


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"one_warning_line": {"()": lambda: _one_warning_line}},
    "loggers": {"django.security.DisallowedHost": {"filters": ["one_warning_line"]}},
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "plain"},
        "file": {"class": "logging.handlers.RotatingFileHandler", "formatter": "plain",
                 "filename": str(DATA_DIR / "logs" / "community-server.log"), "maxBytes": 5_000_000,
                 "backupCount": 5, "encoding": "utf-8"},
    },
    "root": {"handlers": ["stderr", "file"], "level": os.environ.get("COMMUNITY_LOG_LEVEL", "INFO")},
}
(DATA_DIR / "logs").mkdir(exist_ok=True)
