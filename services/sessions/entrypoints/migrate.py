"""Apply the sessions database migrations: `python -m services.sessions.entrypoints.migrate`."""
from shared.processes import migrate

if __name__ == "__main__":
    migrate("sessions")
