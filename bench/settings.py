"""What bench/test_throughput.py's gunicorn runs: the production settings, with the bench's
URLs (the product's plus the trivial view and the floors' views, bench/urls.py) and static
files served from their folders as the tests serve them (no collectstatic manifest is built
for a bench). Every secret and host still comes from the environment, as in production, and
the database goes through production's connection pool."""

from iop.settings.production import *  # noqa: F403
from iop.settings.test import STATIC_ROOT, STORAGES, WHITENOISE_USE_FINDERS  # noqa: F401

ROOT_URLCONF = "bench.urls"
