"""The test suite: real PostgreSQL and Redis, fast password hashing, mail kept in memory."""

from .base import *  # noqa: F403
from .base import BASE_DIR
from .base import DATABASES as BASE_DATABASES

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True  # receivers on this machine
# pytest-django creates and drops the test database; a pool would hold connections open. A
# copy without it: base's dict is the one every settings module imports (production's too).
DATABASES = {
    "default": {
        **BASE_DATABASES["default"],
        "OPTIONS": {k: v for k, v in BASE_DATABASES["default"]["OPTIONS"].items() if k != "pool"},
    }
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Assets are served from their source folders; WhiteNoise still wants the folder to exist.
STATIC_ROOT = BASE_DIR / ".data" / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_AUTOREFRESH = True
