"""What bench/test_throughput.py's gunicorn runs: the production settings, with the bench's
URLs (the product's plus the trivial view and the floors' views, bench/urls.py) and static
files served from their folders (no collectstatic manifest is built for a bench). Every
secret and host still comes from the environment, as in production.

Nothing is imported from the test settings: they take the connection pool out of the one
DATABASES dict every settings module shares, and the bench measures production's pool."""

from iop.settings.production import *  # noqa: F403
from iop.settings.production import BASE_DIR

ROOT_URLCONF = "bench.urls"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = BASE_DIR / ".data" / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
