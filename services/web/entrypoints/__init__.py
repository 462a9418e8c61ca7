"""How the web app is started: gunicorn (wsgi)."""
