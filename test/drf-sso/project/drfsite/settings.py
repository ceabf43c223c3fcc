"""
A Django login service as djangorestframework-sso deployments run it, on PostgreSQL, for the
import e2e test (test/drf-sso-import.e2e-spec.ts). DRF-SSO itself is not installable here (not in
Debian, no PyPI): the `rest_framework_sso` app beside this file reproduces its model and table.

Environment: DJANGO_DATABASE_URL (postgres://user@host:port/name), DRF_SSO_IDENTITY,
DRF_SSO_KEY_STORE_ROOT, DRF_SSO_PRIVATE_KEY (file name in the key store).
"""
import os
from urllib.parse import urlparse

_db = urlparse(os.environ.get("DJANGO_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/drf_sso_test"))

SECRET_KEY = "test-only-not-secret"
DEBUG = False
USE_TZ = True
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "rest_framework_sso",
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _db.path.lstrip("/"),
        "USER": _db.username or "postgres",
        "PASSWORD": _db.password or "",
        "HOST": _db.hostname or "127.0.0.1",
        "PORT": str(_db.port or 5432),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
# The default hasher first (PBKDF2-SHA256), then the others users may still have hashes of.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.BCryptPasswordHasher",
]
REST_FRAMEWORK_SSO = {
    "IDENTITY": os.environ.get("DRF_SSO_IDENTITY", "https://sso.test"),
    "KEY_STORE_ROOT": os.environ.get("DRF_SSO_KEY_STORE_ROOT", "."),
    "PRIVATE_KEY": os.environ.get("DRF_SSO_PRIVATE_KEY", ""),
}
