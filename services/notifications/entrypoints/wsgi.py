"""gunicorn's entry: `gunicorn services.notifications.entrypoints.wsgi:app` (built in each worker)."""
from services.notifications.entrypoints.api.app import create_app

app = create_app()
