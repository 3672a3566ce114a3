import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

# Started without settings, a server runs the production ones, which refuse to start
# without their secrets: never the debug settings by accident. `make run` and `make test`
# set theirs.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iop.settings.production")
application = get_wsgi_application()

# Every view is imported now rather than on the first request, and the loaded app is frozen
# out of the garbage collector, as a worker's is: a large page's full collections (claim
# readiness, a 300-patient roster) then walk that page's objects, not all of Django again.
from iop.celery import settle_heap  # noqa: E402 - after Django is set up

get_resolver().url_patterns  # noqa: B018 - imports the URL conf and its views
settle_heap(modules=())
