"""gunicorn entrypoint: `gunicorn services.web.entrypoints.wsgi:app`."""
from services.web.app import create_app, main_logging
from services.web.config import WebSettings

settings = WebSettings.from_env()
main_logging(settings)
app = create_app(settings)
