"""Apply the roster's database migrations: `python -m services.roster.entrypoints.migrate`."""
from shared.processes import migrate

if __name__ == "__main__":
    migrate("roster")
