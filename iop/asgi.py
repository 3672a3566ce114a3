import os

from django.core.asgi import get_asgi_application

# Started without settings, a server runs the production ones, which refuse to start
# without their secrets: never the debug settings by accident. `make run` and `make test`
# set theirs.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iop.settings.production")
application = get_asgi_application()
