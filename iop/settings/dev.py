"""Local development: `make run`. Debug on, mail printed to the console."""

from .base import *  # noqa: F403
from .base import BASE_DIR, env, env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
SMS_GATEWAY = env("SMS_GATEWAY", "iop.messaging.ConsoleSms")
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Assets are served from their source folders; WhiteNoise still wants the folder to exist.
STATIC_ROOT = BASE_DIR / ".data" / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
