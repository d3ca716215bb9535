"""Slack's message formatting and the Block Kit podbot uses, as HTML for the sandbox page.

Covers what a Slack client shows for podbot's messages: mrkdwn (bold, italic, strike, code,
quotes, links, user and channel mentions, date tokens, common emoji), header, section text and
fields with an accessory, context, divider, image, actions with buttons and select menus
(static options, option groups, the workspace's users), and the input elements of modals
(plain text, radio buttons, selects, date pickers, checkboxes). Buttons, menus and inputs
carry data attributes the page's script turns into Slack payloads.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

__all__ = ["Renderer", "mrkdwn_to_html"]

# The emoji podbot's messages use, and a few a person might type.
EMOJI = {
    "warning": "⚠️",
    "x": "❌",
    "white_check_mark": "✅",
    "heavy_check_mark": "✔️",
    "hourglass": "⌛",
    "hourglass_flowing_sand": "⏳",
    "alarm_clock": "⏰",
    "rotating_light": "🚨",
    "bell": "🔔",
    "calendar": "📆",
    "date": "📅",
    "spiral_calendar_pad": "🗓️",
    "moneybag": "💰",
    "money_with_wings": "💸",
    "chart_with_upwards_trend": "📈",
    "chart_with_downwards_trend": "📉",
    "bar_chart": "📊",
    "memo": "📝",
    "pencil": "📝",
    "pencil2": "✏️",
    "clipboard": "📋",
    "inbox_tray": "📥",
    "outbox_tray": "📤",
    "handshake": "🤝",
    "tada": "🎉",
    "no_entry": "⛔",
    "no_entry_sign": "🚫",
    "red_circle": "🔴",
    "large_orange_circle": "🟠",
    "large_yellow_circle": "🟡",
    "large_green_circle": "🟢",
    "white_circle": "⚪",
    "zzz": "💤",
    "sleeping": "😴",
    "eyes": "👀",
    "mag": "🔍",
    "speech_balloon": "💬",
    "repeat": "🔁",
    "arrows_counterclockwise": "🔄",
    "link": "🔗",
    "lock": "🔒",
    "bulb": "💡",
    "fire": "🔥",
    "question": "❓",
    "exclamation": "❗",
    "information_source": "ℹ️",
    "arrow_right": "➡️",
    "thumbsup": "👍",
    "+1": "👍",
    "wave": "👋",
    "ok_hand": "👌",
    "pray": "🙏",
    "smile": "😄",
    "slightly_smiling_face": "🙂",
    "hammer_and_wrench": "🛠️",
    "package": "📦",
    "receipt": "🧾",
    "scales": "⚖️",
    "crossed_swords": "⚔️",
    "stopwatch": "⏱️",
    "timer_clock": "⏲️",
    "busts_in_silhouette": "👥",
    "bust_in_silhouette": "👤",
    "paperclip": "📎",
    "page_facing_up": "📄",
    "card_index_dividers": "🗂️",
    "new": "🆕",
    "sparkles": "✨",
    "trophy": "🏆",
    "wastebasket": "🗑️",
    "grey_question": "❔",
    "fast_forward": "⏩",
    "checkered_flag": "🏁",
}

_TOKEN = re.compile(r"<([^<>\n]+)>")
_CODE_BLOCK = re.compile(r"```(.*?)```", re.DOTALL)
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])")
_EMOJI = re.compile(r":([a-z0-9_+\-]+):")
_PLACEHOLDER = re.compile("\x00(\\d+)\x00")
# A message link in Slack's archive format: opened inside the page instead of on slack.com.
_ARCHIVE = re.compile(
    r"^https://[^/]+\.slack\.com/archives/([A-Z0-9]+)/p(\d{10})(\d{6})(?:\?thread_ts=([\d.]+))?"
)
_MARKUP = ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">")


def _unescape(text: str) -> str:
    """Undo Slack's three escapes (&amp; &lt; &gt;), in Slack's order."""
    for escaped, raw in _MARKUP[1:] + _MARKUP[:1]:
        text = text.replace(escaped, raw)
    return text


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


@dataclass
class Renderer:
    """Turns Slack text and blocks into HTML as seen by one reader, at the sandbox's `now`."""

    names: Callable[[str], str]
    zone: tzinfo
    now: datetime
    channel_names: dict[str, str] = field(default_factory=dict)
    file_url: Callable[[str], str] = lambda file_id: f"/sandbox/files/{file_id}"
    # The workspace's members as (user id, name), whom a users_select offers.
    users: Sequence[tuple[str, str]] = ()

    # -- text -------------------------------------------------------------------------------

    def plain(self, obj: Any) -> str:
        """A text object (or string) as escaped text; mrkdwn objects get formatted."""
        if isinstance(obj, dict):
            if obj.get("type") == "mrkdwn":
                return self.mrkdwn(str(obj.get("text") or ""))
            text = str(obj.get("text") or "")
            if obj.get("emoji", True):
                return _emoji(html.escape(text))
            return html.escape(text)
        return html.escape(str(obj or ""))

    def mrkdwn(self, text: str) -> str:
        """Slack mrkdwn as HTML."""
        return mrkdwn_to_html(text, self._token)

    def _token(self, inner: str) -> str:
        head, _, label = inner.partition("|")
        if head.startswith("@"):
            user = head[1:]
            return f'<span class="mention">@{html.escape(self.names(user))}</span>'
        if head.startswith("#"):
            channel = head[1:]
            name = label or self.channel_names.get(channel) or channel
            return f'<span class="mention">#{html.escape(name)}</span>'
        if head.startswith("!date^"):
            return html.escape(self._date_token(head, label))
        if head.startswith("!subteam^"):
            return f'<span class="mention">@{html.escape(label or "team")}</span>'
        if head.startswith("!"):
            word = head[1:].split("^")[0]
            return f'<span class="mention">@{html.escape(label or word)}</span>'
        url = _unescape(head)
        shown = html.escape(_unescape(label)) if label else html.escape(url)
        archive = _ARCHIVE.match(url)
        if archive:
            channel, ts = archive[1], f"{archive[2]}.{archive[3]}"
            thread = archive[4] or ts
            return (
                f'<a href="#" class="permalink" data-goto-channel="{channel}" '
                f'data-goto-ts="{ts}" data-goto-thread="{thread}">{shown}</a>'
            )
        if not re.match(r"^(https?|mailto):", url):
            return shown
        href = html.escape(url, quote=True)
        return f'<a href="{href}" target="_blank" rel="noopener">{shown}</a>'

    def _date_token(self, head: str, fallback: str) -> str:
        parts = head.split("^")
        try:
            instant = datetime.fromtimestamp(int(parts[1]), self.zone)
        except (IndexError, ValueError, OverflowError, OSError):
            return _unescape(fallback)
        fmt = parts[2] if len(parts) > 2 else "{date_short} {time}"
        today = self.now.astimezone(self.zone).date()

        def pretty(default: str) -> str:
            delta = (instant.date() - today).days
            return {0: "Today", -1: "Yesterday", 1: "Tomorrow"}.get(delta, default)

        values = {
            "date_num": f"{instant:%Y-%m-%d}",
            "date": f"{instant:%B} {_ordinal(instant.day)}, {instant.year}",
            "date_short": f"{instant:%b} {instant.day}, {instant.year}",
            "date_long": f"{instant:%A, %B} {_ordinal(instant.day)}, {instant.year}",
            "time": f"{instant:%H:%M}",
            "time_secs": f"{instant:%H:%M:%S}",
        }
        values["ago"] = _ago(self.now - instant)
        values["date_pretty"] = pretty(values["date"])
        values["date_short_pretty"] = pretty(values["date_short"])
        values["date_long_pretty"] = pretty(values["date_long"])
        return re.sub(r"\{(\w+)\}", lambda m: values.get(m[1], m[0]), fmt)

    def when(self, instant: datetime) -> str:
        """A message time as a Slack client shows it: `10:05`, `Yesterday 10:05`, `Fri 20 Nov`."""
        local = instant.astimezone(self.zone)
        days = (local.date() - self.now.astimezone(self.zone).date()).days
        if days == 0:
            return f"{local:%H:%M}"
        if days == -1:
            return f"Yesterday {local:%H:%M}"
        if -7 < days < 0:
            return f"{local:%a %H:%M}"
        return f"{local:%a} {local.day} {local:%b %H:%M}"

    # -- blocks -----------------------------------------------------------------------------

    def message(
        self,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        files: Iterable[dict[str, Any]] | None = None,
        attachments: Iterable[dict[str, Any]] | None = None,
        *,
        interactive: bool = True,
    ) -> str:
        """A message's body: its blocks when it has them (as Slack shows them), else its text."""
        out = []
        if blocks:
            out.append(self.blocks(blocks, interactive=interactive))
        elif text:
            out.append(f'<div class="text">{self.mrkdwn(text)}</div>')
        for attachment in attachments or ():
            out.append(self._attachment(attachment, interactive=interactive))
        for item in files or ():
            out.append(self._file(item))
        return "".join(out)

    def blocks(self, blocks: list[dict[str, Any]], *, interactive: bool = True) -> str:
        """A list of blocks as HTML."""
        return "".join(self.block(b, interactive=interactive) for b in blocks)

    def block(self, block: dict[str, Any], *, interactive: bool = True) -> str:
        """One block as HTML (unknown types show their type, so nothing silently vanishes)."""
        kind = block.get("type")
        block_id = html.escape(str(block.get("block_id") or ""), quote=True)
        if kind == "header":
            return f'<div class="bk-header">{self.plain(block.get("text"))}</div>'
        if kind == "divider":
            return '<hr class="bk-divider">'
        if kind == "section":
            parts = []
            if block.get("text"):
                parts.append(f'<div class="bk-text">{self.plain(block["text"])}</div>')
            if block.get("fields"):
                cells = "".join(
                    f'<div class="bk-field">{self.plain(f)}</div>' for f in block["fields"]
                )
                parts.append(f'<div class="bk-fields">{cells}</div>')
            accessory = block.get("accessory")
            side = (
                f'<div class="bk-accessory">{self.element(accessory, block_id, interactive)}</div>'
                if accessory
                else ""
            )
            return (
                f'<div class="bk-section"><div class="bk-main">{"".join(parts)}</div>{side}</div>'
            )
        if kind == "context":
            items = "".join(
                self._image(e, small=True)
                if e.get("type") == "image"
                else f"<span>{self.plain(e)}</span>"
                for e in block.get("elements") or []
            )
            return f'<div class="bk-context">{items}</div>'
        if kind == "actions":
            items = "".join(
                self.element(e, block_id, interactive) for e in block.get("elements") or []
            )
            return f'<div class="bk-actions">{items}</div>'
        if kind == "image":
            title = block.get("title")
            caption = f'<div class="bk-context">{self.plain(title)}</div>' if title else ""
            return f"<div>{caption}{self._image(block)}</div>"
        if kind == "input":
            return self.input(block, None)
        if kind == "rich_text":
            return f'<div class="text">{self.mrkdwn(_rich_text_plain(block))}</div>'
        return f'<div class="bk-unknown">[{html.escape(str(kind))} block]</div>'

    def element(self, element: dict[str, Any], block_id: str, interactive: bool = True) -> str:
        """An interactive element in a message (buttons; other kinds shown read-only)."""
        kind = element.get("type")
        if kind == "button":
            style = element.get("style") or "default"
            label = self.plain(element.get("text"))
            if element.get("url"):
                href = html.escape(str(element["url"]), quote=True)
                return (
                    f'<a class="bk-button {style}" href="{href}" target="_blank" '
                    f'rel="noopener">{label}</a>'
                )
            attributes = {
                "data-action-id": element.get("action_id") or "",
                "data-block-id": block_id,
                "data-value": element.get("value") or "",
            }
            confirm = element.get("confirm")
            if isinstance(confirm, dict):
                attributes["data-confirm"] = _strip_markup(
                    (confirm.get("text") or {}).get("text") or "Are you sure?"
                )
            attrs = " ".join(
                f'{k}="{html.escape(str(v), quote=True)}"' for k, v in attributes.items()
            )
            disabled = "" if interactive else " disabled"
            return (
                f'<button type="button" class="bk-button {style}" {attrs}{disabled}>'
                f"{label}</button>"
            )
        if kind in ("static_select", "users_select"):
            return self._menu(element, block_id, interactive)
        if kind == "image":
            return self._image(element, small=True)
        if kind == "overflow":
            return '<span class="bk-overflow" title="more actions">⋯</span>'
        placeholder = element.get("placeholder")
        shown = self.plain(placeholder) if placeholder else html.escape(str(kind))
        return f'<span class="bk-element">{shown}</span>'

    def _menu(self, element: dict[str, Any], block_id: str, interactive: bool) -> str:
        """A select menu in a message: its placeholder until something is chosen; choosing an
        option is the click (Slack sends block_actions as soon as an item is picked)."""
        kind = str(element.get("type"))
        attributes = {
            "data-action-id": element.get("action_id") or "",
            "data-block-id": block_id,
            "data-type": kind,
            "aria-label": _plain_text(element.get("placeholder")) or "Select",
        }
        attrs = " ".join(f'{k}="{html.escape(str(v), quote=True)}"' for k, v in attributes.items())
        if kind == "users_select":
            initial = element.get("initial_user")
            groups: list[tuple[str | None, list[tuple[str, str]]]] = [(None, list(self.users))]
        else:
            initial = (element.get("initial_option") or {}).get("value")
            groups = [(None, _choices(element.get("options")))]
            for group in element.get("option_groups") or []:
                groups.append((_plain_text(group.get("label")), _choices(group.get("options"))))
        placeholder = html.escape(_plain_text(element.get("placeholder")) or "Select an item")
        chosen = " selected" if initial is None else ""
        out = [f'<option value="" disabled{chosen}>{placeholder}</option>']
        for label, choices in groups:
            items = "".join(
                f'<option value="{html.escape(value, quote=True)}"'
                f' data-text="{html.escape(text, quote=True)}"'
                f"{' selected' if value == initial else ''}>{html.escape(text)}</option>"
                for value, text in choices
            )
            if label is None:
                out.append(items)
            else:
                out.append(f'<optgroup label="{html.escape(label, quote=True)}">{items}</optgroup>')
        disabled = "" if interactive else " disabled"
        return f'<select class="bk-select" {attrs}{disabled}>{"".join(out)}</select>'

    # -- modals -----------------------------------------------------------------------------

    def view(self, view: dict[str, Any], errors: dict[str, str] | None = None) -> str:
        """A modal's blocks as a form; input blocks become fields named by block and action id."""
        out = []
        for block in view.get("blocks") or []:
            if block.get("type") == "input":
                out.append(self.input(block, (errors or {}).get(block.get("block_id") or "")))
            else:
                out.append(self.block(block, interactive=False))
        return "".join(out)

    def input(self, block: dict[str, Any], error: str | None) -> str:
        """One input block: label, element, hint and the error Slack would show under it."""
        block_id = str(block.get("block_id") or "")
        element = block.get("element") or {}
        label = self.plain(block.get("label"))
        optional = ' <span class="optional">(optional)</span>' if block.get("optional") else ""
        hint = block.get("hint")
        hint_html = f'<div class="hint">{self.plain(hint)}</div>' if hint else ""
        error_html = f'<div class="field-error">{html.escape(error)}</div>' if error else ""
        control = self._control(block_id, element, bool(block.get("optional")))
        css = "bk-input has-error" if error else "bk-input"
        return (
            f'<div class="{css}" data-input-block="{html.escape(block_id, quote=True)}">'
            f"<label>{label}{optional}</label>{control}{hint_html}{error_html}</div>"
        )

    def _control(self, block_id: str, element: dict[str, Any], optional: bool) -> str:
        kind = str(element.get("type") or "plain_text_input")
        common = {
            "data-block-id": block_id,
            "data-action-id": element.get("action_id") or "",
            "data-type": kind,
        }
        attrs = " ".join(f'{k}="{html.escape(str(v), quote=True)}"' for k, v in common.items())
        placeholder = _plain_text(element.get("placeholder"))
        ph = f' placeholder="{html.escape(placeholder, quote=True)}"' if placeholder else ""
        if kind == "plain_text_input":
            initial = html.escape(str(element.get("initial_value") or ""))
            limit = element.get("max_length")
            maxlength = f' maxlength="{int(limit)}"' if limit else ""
            if element.get("multiline"):
                return (
                    f'<textarea class="field" rows="3" {attrs}{ph}{maxlength}>{initial}</textarea>'
                )
            return f'<input class="field" type="text" {attrs}{ph}{maxlength} value="{initial}">'
        if kind == "number_input":
            initial = html.escape(str(element.get("initial_value") or ""), quote=True)
            return f'<input class="field" type="number" step="any" {attrs}{ph} value="{initial}">'
        if kind == "datepicker":
            initial = html.escape(str(element.get("initial_date") or ""), quote=True)
            return f'<input class="field" type="date" {attrs} value="{initial}">'
        if kind in ("radio_buttons", "checkboxes"):
            input_type = "radio" if kind == "radio_buttons" else "checkbox"
            name = html.escape(f"{block_id}/{element.get('action_id') or ''}", quote=True)
            initial = element.get("initial_option") or {}
            chosen = {o.get("value") for o in element.get("initial_options") or []}
            chosen.add(initial.get("value"))
            options = []
            for option in element.get("options") or []:
                value = html.escape(str(option.get("value") or ""), quote=True)
                text = _plain_text(option.get("text"))
                checked = " checked" if option.get("value") in chosen else ""
                options.append(
                    f'<label class="choice"><input type="{input_type}" name="{name}" '
                    f'value="{value}" data-text="{html.escape(text, quote=True)}"{checked}> '
                    f"{self.plain(option.get('text'))}</label>"
                )
            return f'<div class="choices" {attrs}>{"".join(options)}</div>'
        if kind in ("static_select", "users_select", "conversations_select", "channels_select"):
            options = ['<option value="">— choose —</option>']
            initial = (element.get("initial_option") or {}).get("value")
            for option in element.get("options") or []:
                value = str(option.get("value") or "")
                text = _plain_text(option.get("text"))
                selected = " selected" if value == initial else ""
                options.append(
                    f'<option value="{html.escape(value, quote=True)}"'
                    f' data-text="{html.escape(text, quote=True)}"{selected}>'
                    f"{html.escape(text)}</option>"
                )
            return f'<select class="field" {attrs}>{"".join(options)}</select>'
        return f'<div class="bk-unknown">[{html.escape(kind)} input]</div>'

    # -- pieces -----------------------------------------------------------------------------

    def _image(self, element: dict[str, Any], small: bool = False) -> str:
        url = html.escape(str(element.get("image_url") or ""), quote=True)
        alt = html.escape(str(element.get("alt_text") or ""), quote=True)
        css = "bk-image small" if small else "bk-image"
        return f'<img class="{css}" src="{url}" alt="{alt}">'

    def _file(self, item: dict[str, Any]) -> str:
        file_id = str(item.get("id") or "")
        name = str(item.get("name") or item.get("title") or file_id)
        title = str(item.get("title") or name)
        size = item.get("size")
        size_text = f" · {_size(int(size))}" if isinstance(size, int) else ""
        href = html.escape(self.file_url(file_id), quote=True)
        link = (
            f'<a href="{href}" download="{html.escape(name, quote=True)}">{html.escape(title)}</a>'
            f'<span class="file-meta">{html.escape(name)}{size_text}</span>'
        )
        if _is_image(item):
            # As Slack does: an image file shows a preview, its alt text for screen readers.
            alt = html.escape(str(item.get("alt_txt") or title), quote=True)
            return (
                f'<div class="file file-image"><img class="file-preview" src="{href}" '
                f'alt="{alt}" loading="lazy"><div>{link}</div></div>'
            )
        return f'<div class="file"><span class="file-icon">📄</span>{link}</div>'

    def _attachment(self, attachment: dict[str, Any], *, interactive: bool) -> str:
        color = str(attachment.get("color") or "#ddd")
        if re.fullmatch(r"[0-9a-fA-F]{6}", color):
            color = "#" + color
        color = {"good": "#2eb67d", "warning": "#ecb22e", "danger": "#e01e5a"}.get(color, color)
        inner = []
        if attachment.get("title"):
            inner.append(f"<b>{html.escape(str(attachment['title']))}</b>")
        if attachment.get("blocks"):
            inner.append(self.blocks(attachment["blocks"], interactive=interactive))
        elif attachment.get("text"):
            inner.append(f'<div class="text">{self.mrkdwn(str(attachment["text"]))}</div>')
        for item in attachment.get("fields") or []:
            inner.append(
                f'<div class="bk-field"><b>{html.escape(str(item.get("title") or ""))}</b>'
                f"<br>{self.mrkdwn(str(item.get('value') or ''))}</div>"
            )
        style = f"border-left-color: {html.escape(color, quote=True)}"
        return f'<div class="attachment" style="{style}">{"".join(inner)}</div>'


def mrkdwn_to_html(text: str, token: Callable[[str], str]) -> str:
    """Slack mrkdwn (already Slack-escaped) as HTML; `token` renders each `<…>` sequence."""
    pieces: list[str] = []

    def keep(rendered: str) -> str:
        pieces.append(rendered)
        return f"\x00{len(pieces) - 1}\x00"

    def code_block(match: re.Match[str]) -> str:
        body = html.escape(_unescape(match[1].strip("\n")))
        return keep(f"<pre>{body}</pre>")

    text = text.replace("\x00", "")
    text = _CODE_BLOCK.sub(code_block, text)
    text = _INLINE_CODE.sub(lambda m: keep(f"<code>{html.escape(_unescape(m[1]))}</code>"), text)
    text = _TOKEN.sub(lambda m: keep(token(m[1])), text)
    text = html.escape(_unescape(text), quote=False)
    text = _BOLD.sub(r"<b>\1</b>", text)
    text = _ITALIC.sub(r"<i>\1</i>", text)
    text = _STRIKE.sub(r"<s>\1</s>", text)
    text = _emoji(text)
    lines = []
    for line in text.split("\n"):
        if line.startswith("&gt;"):
            lines.append(f"<blockquote>{line[4:].removeprefix(' ')}</blockquote>")
        else:
            lines.append(line + "<br>")
    joined = "".join(lines)
    joined = joined.removesuffix("<br>")
    while _PLACEHOLDER.search(joined):
        joined = _PLACEHOLDER.sub(lambda m: pieces[int(m[1])], joined)
    return joined


def _ago(delta: timedelta) -> str:
    """Slack's `{ago}`: "3 minutes ago", "2 days ago", "in 5 hours"."""
    seconds = int(delta.total_seconds())
    future, seconds = seconds < 0, abs(seconds)
    for unit, size in (("year", 365 * 86400), ("month", 30 * 86400), ("day", 86400),
                       ("hour", 3600), ("minute", 60)):  # fmt: skip
        if seconds >= size:
            n = seconds // size
            words = f"{n} {unit}{'s' if n != 1 else ''}"
            return f"in {words}" if future else f"{words} ago"
    return "just now"


def _emoji(text: str) -> str:
    return _EMOJI.sub(lambda m: EMOJI.get(m[1], m[0]), text)


def _plain_text(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("text") or "")
    return str(obj or "")


def _choices(options: Any) -> list[tuple[str, str]]:
    """(value, text) of a select's options."""
    return [
        (str(option.get("value") or ""), _plain_text(option.get("text")))
        for option in options or []
        if isinstance(option, dict)
    ]


def _strip_markup(text: str) -> str:
    return _unescape(re.sub(r"[*_~`]", "", text))


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def _rich_text_plain(block: dict[str, Any]) -> str:
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "text":
                out.append(str(node.get("text") or ""))
            elif node.get("type") == "user":
                out.append(f"<@{node.get('user_id')}>")
            elif node.get("type") == "link":
                out.append(f"<{node.get('url')}|{node.get('text') or node.get('url')}>")
            for child in node.get("elements") or []:
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(block.get("elements") or [])
    return "".join(out)


_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


def _is_image(item: dict[str, Any]) -> bool:
    """Whether a message's file is an image (by its mimetype, else its name)."""
    mimetype = str(item.get("mimetype") or "")
    if mimetype:
        return mimetype.startswith("image/")
    return str(item.get("name") or "").lower().endswith(_IMAGE_SUFFIXES)
