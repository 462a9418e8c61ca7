"""Apply the notifications database migrations: `python -m services.notifications.entrypoints.migrate`."""
from shared.processes import migrate

if __name__ == "__main__":
    migrate("notifications")
