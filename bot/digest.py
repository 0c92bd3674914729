"""The digest of a closed point: how many answered, who took part, links to the answers.

Engine code (no `telegram`): `point_digest` reads the answers, `render_digest` writes the short
group message as Telegram HTML. Lists are capped so a lively point still gives a short message.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from bot.circle_types import Refusal, ServiceBase

MAX_NAMES = 12
MAX_LINKS = 10


@dataclass(frozen=True)
class Digest:
    point_number: int
    point_title: str
    answer_count: int
    names: tuple[str, ...]  # who answered, first answer first
    messages: tuple[tuple[int, int], ...]  # (chat_id, message_id) of each answer, in order


def answer_link(chat_id: int, message_id: int, thread_id: int | None = None) -> str | None:
    """A t.me link to a message in a supergroup; None for a basic group (it has no links).

    Supergroup ids are -100 followed by the id the link uses; a forum topic's messages can be
    linked with the topic in the path.
    """
    text = str(chat_id)
    if not text.startswith("-100"):
        return None
    internal = text.removeprefix("-100")
    if thread_id:
        return f"https://t.me/c/{internal}/{thread_id}/{message_id}"
    return f"https://t.me/c/{internal}/{message_id}"


def render_digest(digest: Digest, thread_id: int | None = None) -> str:
    head = f"📝 <b>Point {digest.point_number} · {escape(digest.point_title)}</b> is closed."
    if digest.answer_count == 0:
        return f"{head}\nNo answers this time."
    count = digest.answer_count
    people = len(digest.names)
    lines = [
        head,
        f"{count} answer{'s' if count != 1 else ''} from {people}"
        f" member{'s' if people != 1 else ''}: {escape(_capped(digest.names, MAX_NAMES))}",
    ]
    links = [
        f'<a href="{url}">{number}</a>'
        for number, (chat_id, message_id) in enumerate(digest.messages[:MAX_LINKS], start=1)
        if (url := answer_link(chat_id, message_id, thread_id))
    ]
    if links:
        more = f" (+{count - MAX_LINKS} more)" if count > MAX_LINKS else ""
        lines.append("Answers: " + " · ".join(links) + more)
    return "\n".join(lines)


def _capped(names: tuple[str, ...], limit: int) -> str:
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more"


class DigestUseCases(ServiceBase):
    def point_digest(
        self, chat_id: int, point_index: int, run_number: int | None = None
    ) -> Digest | Refusal:
        """Answers to point `point_index` (0-based) in a run of this chat (default: current)."""
        with self.store.transaction(write=False):
            loaded = self._load(chat_id)
            if isinstance(loaded, Refusal):
                return loaded
            row, exchange = loaded
            run_id = row["run_id"]
            if run_number is not None:
                run_id = self.store.scalar(
                    "SELECT id FROM runs WHERE circle_id = ? AND number = ?",
                    [row["id"], run_number],
                )
            answers = self.store.all(
                "SELECT chat_id, message_id, display_name, user_id FROM answers"
                " WHERE run_id = ? AND point_index = ? ORDER BY created_at, id",
                [run_id, point_index],
            )
            names = {a["user_id"]: a["display_name"] for a in answers}
            title = (
                exchange.points[point_index].title
                if point_index < len(exchange.points)
                else f"point {point_index + 1}"
            )
            return Digest(
                point_number=point_index + 1,
                point_title=title,
                answer_count=len(answers),
                names=tuple(dict.fromkeys(names[a["user_id"]] for a in answers)),
                messages=tuple((a["chat_id"], a["message_id"]) for a in answers),
            )
