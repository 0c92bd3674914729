"""Circle settings the scheduler reads: schedule, pacing, holidays, reminder.

These only validate that a circle exists and store the values (parsed elsewhere, see
bot/schedule.py); every change is written to the audit log.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.circle_types import CircleInfo, Refusal, ServiceBase

Result = CircleInfo | Refusal


class SettingsUseCases(ServiceBase):
    def set_schedule(
        self,
        chat_id: int,
        spec: str | None,
        timezone: str | None,
        now: datetime,
        actor_id: int | None,
    ) -> Result:
        fields: dict[str, Any] = {"schedule": spec}
        if timezone:
            fields["timezone"] = timezone
        detail = f"{spec or '(none)'} {timezone or ''}".strip()
        return self._set(chat_id, now, actor_id, "set_schedule", detail, **fields)

    def set_pacing(
        self, chat_id: int, spec: str | None, now: datetime, actor_id: int | None
    ) -> Result:
        return self._set(chat_id, now, actor_id, "set_pacing", spec or "(none)", pacing=spec)

    def set_holidays(
        self, chat_id: int, holidays: Sequence[str], now: datetime, actor_id: int | None
    ) -> Result:
        text = json.dumps(list(holidays))
        return self._set(chat_id, now, actor_id, "set_holidays", text, holidays=text)

    def set_reminder(
        self, chat_id: int, minutes: int | None, now: datetime, actor_id: int | None
    ) -> Result:
        detail = "off" if minutes is None else f"{minutes} minutes"
        return self._set(
            chat_id, now, actor_id, "set_reminder", detail, remind_before_minutes=minutes
        )

    def _set(
        self,
        chat_id: int,
        now: datetime,
        actor_id: int | None,
        action: str,
        detail: str,
        **fields: Any,
    ) -> Result:
        with self.store.transaction():
            row = self._row(chat_id)
            if row is None:
                return self._no_circle()
            self._update(row["id"], now, **fields)
            self._audit(row, actor_id, action, now, detail)
            return self._info(chat_id)
