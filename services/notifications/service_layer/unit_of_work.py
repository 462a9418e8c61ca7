"""The notifications unit of work: the read models and the notification log on one transaction."""
from __future__ import annotations

from services.notifications.adapters.notification_log import NotificationLog
from services.notifications.adapters.read_models import ReadModels
from services.notifications.adapters.unsigned_notes import UnsignedNotes
from shared.unit_of_work import SqlAlchemyUnitOfWork


class NotificationsUnitOfWork(SqlAlchemyUnitOfWork):
    read_models: ReadModels
    log: NotificationLog
    unsigned_notes: UnsignedNotes

    def _start(self) -> None:
        self.read_models = ReadModels(self.session)
        self.log = NotificationLog(self.session)
        self.unsigned_notes = UnsignedNotes(self.session)
