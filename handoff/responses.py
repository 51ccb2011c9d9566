"""Customer-facing words, read from domain.yml's `responses:` (content editors own them)."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import yaml

from sportello.patterns import mask_email
from sportello.responses import select
from sportello.shop import facts

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
CANNED_PREFIX = "utter_canned_"
UNKNOWN_WAIT = "_unknown_wait"  # the twin of a response quoting {wait}, said when nobody can say it
REQUIRED = (
    "utter_hub_bot_unavailable",
    "utter_handoff_assigned",
    "utter_handoff_queued",
    "utter_handoff_offline",
    "utter_hub_agent_unavailable",
    "utter_hub_waiting_queued",
    "utter_hub_waiting_offline",
    "utter_wait_one",
    "utter_wait_many",
    "utter_welcome",
    "utter_hub_transferred",
    "utter_hub_transferred_reason",
    "utter_handoff_offline_email",
    "utter_handoff_offline_ask_email",
    "utter_hub_email_noted",
    "utter_hub_offer_email",
    "utter_hub_email_instead",
    "utter_hub_email_instead_ask",
    "utter_hub_keep_waiting",
    # the twins for an unknown wait (QUOTES_WAIT + UNKNOWN_WAIT, chosen in render)
    "utter_hub_agent_unavailable_unknown_wait",
    "utter_hub_waiting_queued_unknown_wait",
    "utter_hub_offer_email_unknown_wait",
    "utter_hub_keep_waiting_unknown_wait",
    "utter_handoff_queued_unknown_wait",
    "utter_mail_offline_subject",
    "utter_mail_offline_body",
    "utter_mail_reply_subject",
    "utter_mail_reply_body",
)


class ResponsesError(RuntimeError):
    """domain.yml is missing, unreadable or lacks a response the hub needs."""


class Responses:
    """The `responses:` section of domain.yml, loaded once."""

    def __init__(
        self,
        responses: dict[str, list[dict[str, Any]]],
        rng: random.Random | None = None,
    ):
        self._responses = responses
        self._rng = rng or random.Random()

    @classmethod
    def load(cls, path: Path, required: tuple[str, ...] = REQUIRED) -> Responses:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ResponsesError(f"domain file not found: {path} (set SPORTELLO_DOMAIN)") from None
        return cls.parse(text, str(path), required)

    @classmethod
    def parse(cls, text: str, source: str = "domain.yml", required: tuple[str, ...] = REQUIRED) -> Responses:
        """The responses of a domain file's text (a shipped release's domain comes from Redis)."""
        path = source
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise ResponsesError(f"domain file {path} is not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise ResponsesError(f"{path}: not a domain file")
        raw = data.get("responses") or {}
        if not isinstance(raw, dict):
            raise ResponsesError(f"{path}: 'responses' must be a mapping")
        responses: dict[str, list[dict[str, Any]]] = {}
        for name, variations in raw.items():
            if isinstance(variations, list):
                responses[str(name)] = [v for v in variations if isinstance(v, dict)]
        missing = [name for name in required if not responses.get(name)]
        if missing:
            raise ResponsesError(f"{path} lacks the response(s) the hub needs: {', '.join(missing)}")
        return cls(responses)

    def replace(self, other: Responses) -> None:
        """Take `other`'s words, in place: every service holding this object says the new ones
        from its next sentence on (a shipped release, without a restart)."""
        self._responses = other._responses

    def _candidates(self, name: str, slots: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The variations that fit the conversation (`slots`: register, mood…), by the rule the bot
        uses too: the most specific matching condition wins (sportello/responses.py)."""
        return [
            v for v in select(self._responses.get(name, []), slots or {}) if isinstance(v.get("text"), str)
        ]

    def render(self, name: str, slots: dict[str, Any] | None = None, **values: Any) -> dict[str, Any]:
        """Pick a variation for the conversation's `slots` (its register and mood) and fill its
        {placeholders}; returns {text, buttons?}."""
        if "wait" in values and values["wait"] is None:
            # the wait is unknown (nobody online): the response's twin that does not quote it
            name = f"{name}{UNKNOWN_WAIT}"
        candidates = self._candidates(name, slots)
        if not candidates:
            raise ResponsesError(f"no usable variation for response {name!r} in domain.yml")
        chosen = self._rng.choice(candidates)
        values = {**facts(), **values}  # the shop's facts (shops/<id>/shop.yml): "entro {refund_days} giorni"
        if values.get("email"):  # the chat never writes an address back in full
            values["email"] = mask_email(str(values["email"]))
        out: dict[str, Any] = {"text": fill(chosen["text"], values)}
        buttons = chosen.get("buttons")
        if isinstance(buttons, list) and buttons:
            out["buttons"] = [
                {
                    "title": fill(str(b.get("title", "")), values),
                    "payload": str(b.get("payload", "")),
                }
                for b in buttons
                if isinstance(b, dict)
            ]
        return out

    def text(self, name: str, slots: dict[str, Any] | None = None, **values: Any) -> str:
        return self.render(name, slots, **values)["text"]

    def canned(
        self, selection: list[dict[str, str]] | None = None, slots: dict[str, Any] | None = None
    ) -> list[dict[str, str]]:
        """Canned replies for agents, texts always from `utter_canned_*` responses, in the
        customer's register when `slots` say it (a formal customer gets the Lei version).

        `selection` (from the canned file) picks, orders and titles them: [{id, title}]; without it
        every `utter_canned_*` response is offered, titled after its name.
        """
        if selection is None:
            selection = [
                {"id": name, "title": name[len(CANNED_PREFIX) :].replace("_", " ")}
                for name in sorted(self._responses)
                if name.startswith(CANNED_PREFIX)
            ]
        items = []
        for entry in selection:
            candidates = self._candidates(entry["id"], slots)
            if candidates:
                items.append(
                    {
                        "id": entry["id"],
                        "title": entry["title"],
                        "text": fill(candidates[0]["text"], facts()),  # {agent_name}: the console's
                    }
                )
        return items


def load_canned_selection(path: Path | None) -> list[dict[str, str]] | None:
    """The optional canned file: a YAML list of {id: utter_canned_..., title: ...}; None when absent."""
    if path is None or not Path(path).exists():
        return None
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    except yaml.YAMLError as exc:
        raise ResponsesError(f"canned file {path} is not valid YAML: {exc}") from None
    if not isinstance(data, list):
        raise ResponsesError(f"canned file {path} must be a list of {{id, title}}")
    selection = []
    for entry in data:
        if not isinstance(entry, dict) or not str(entry.get("id", "")).startswith(CANNED_PREFIX):
            raise ResponsesError(f"canned file {path}: every entry needs an id starting with {CANNED_PREFIX}")
        if "text" in entry:
            raise ResponsesError(
                f"canned file {path}: texts are customer-facing words and live in domain.yml ({entry['id']})"
            )
        entry_id = str(entry["id"])
        selection.append(
            {
                "id": entry_id,
                "title": str(entry.get("title") or entry_id[len(CANNED_PREFIX) :]),
            }
        )
    return selection


def fill(template: str, values: dict[str, Any]) -> str:
    """Replace {name} with values[name]; unknown placeholders are left untouched."""

    def sub(match: re.Match[str]) -> str:
        key = match.group(1)
        if key in values and values[key] is not None:
            return str(values[key])
        return match.group(0)

    return _PLACEHOLDER.sub(sub, template)
