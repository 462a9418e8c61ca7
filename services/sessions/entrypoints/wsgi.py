"""gunicorn's entry: `gunicorn services.sessions.entrypoints.wsgi:app` (built in each worker)."""
from services.sessions.entrypoints.api.app import create_app

app = create_app()
