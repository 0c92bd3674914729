"""Telegram-flavoured HTML ``parse_mode``: turns markup into plain text plus entities.

Mirrors the server's strictness so that the bot's formatting bugs surface in tests: an
unsupported tag, a stray ``<`` or an unclosed tag yields the same ``400 Bad Request: can't
parse entities: ...`` Telegram would send.  Offsets/lengths are in UTF-16 code units.
"""

from __future__ import annotations

import re
from typing import Any

from .shapes import utf16_len

SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
ATTR_TAGS = {"a", "span", "tg-emoji"}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*?)?)\s*>")
_ATTR_RE = re.compile(r"""([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_ENTITY_RE = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+);")


class ParseError(ValueError):
    """Raised with Telegram's description text (without the ``Bad Request: `` prefix)."""


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _unescape(chunk: str) -> str:
    def repl(match: re.Match[str]) -> str:
        body = match.group(1)
        if body.startswith("#x"):
            return chr(int(body[2:], 16))
        if body.startswith("#"):
            return chr(int(body[1:]))
        return NAMED_ENTITIES.get(body.lower(), match.group(0))

    return _ENTITY_RE.sub(repl, chunk)


def _entity_for(name: str, attrs: dict[str, str], source: str, pos: int) -> dict[str, Any]:
    if name in SIMPLE_TAGS:
        if name == "blockquote" and "expandable" in attrs:
            return {"type": "expandable_blockquote"}
        return {"type": SIMPLE_TAGS[name]}
    if name == "a":
        href = attrs.get("href", "")
        match = re.fullmatch(r"tg://user\?id=(\d+)", href)
        if match:
            return {"type": "text_mention", "user": {"id": int(match.group(1))}}
        return {"type": "text_link", "url": href}
    if name == "span" and attrs.get("class") == "tg-spoiler":
        return {"type": "spoiler"}
    if name == "tg-emoji" and "emoji-id" in attrs:
        return {"type": "custom_emoji", "custom_emoji_id": attrs["emoji-id"]}
    raise ParseError(
        f'can\'t parse entities: Unsupported start tag "{name}" at byte offset '
        f"{_byte_offset(source, pos)}"
    )


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Return ``(text, entities)`` for an HTML-formatted message; raise :class:`ParseError`."""
    out: list[str] = []
    length = 0  # UTF-16 length of text emitted so far
    stack: list[tuple[str, int, dict[str, Any]]] = []
    entities: list[dict[str, Any]] = []
    pos = 0
    while pos < len(source):
        lt = source.find("<", pos)
        chunk = _unescape(source[pos : len(source) if lt < 0 else lt])
        out.append(chunk)
        length += utf16_len(chunk)
        if lt < 0:
            break
        match = _TAG_RE.match(source, lt)
        if not match:
            raise ParseError(
                f'can\'t parse entities: Unsupported start tag "" at byte offset '
                f"{_byte_offset(source, lt)}"
            )
        closing, name, raw_attrs = match.group(1) == "/", match.group(2).lower(), match.group(3)
        if closing:
            if not stack or stack[-1][0] != name:
                raise ParseError(
                    "can't parse entities: Unexpected end tag at byte offset "
                    f"{_byte_offset(source, lt)}"
                )
            _, start, entity = stack.pop()
            if entity.get("type") == "code" and stack and stack[-1][0] == "pre":
                language = entity.get("language")
                if language:
                    stack[-1][2]["language"] = language
            elif length > start:
                entities.append({**entity, "offset": start, "length": length - start})
        else:
            if name not in SIMPLE_TAGS and name not in ATTR_TAGS:
                raise ParseError(
                    f'can\'t parse entities: Unsupported start tag "{name}" at byte offset '
                    f"{_byte_offset(source, lt)}"
                )
            attrs = {
                m.group(1).lower(): _unescape(m.group(2) or m.group(3) or m.group(4) or "")
                for m in _ATTR_RE.finditer(raw_attrs)
            }
            entity = _entity_for(name, attrs, source, lt)
            if name == "code" and attrs.get("class", "").startswith("language-"):
                entity["language"] = attrs["class"][len("language-") :]
            stack.append((name, length, entity))
        pos = match.end()
    if stack:
        raise ParseError(
            "can't parse entities: Can't find end tag corresponding to start tag "
            f'"{stack[-1][0]}"'
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities
