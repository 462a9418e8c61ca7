"""gunicorn's entry: `gunicorn services.roster.entrypoints.wsgi:app` (built in each worker)."""
from services.roster.entrypoints.api.app import create_app

app = create_app()
