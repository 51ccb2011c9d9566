"""For developers only: the mails the development mail server caught (`make run` starts it and sets
HUB_DEV_MAILBOX), at /dev/mail?token=HUB_DEV_MAIL_TOKEN. Not registered at all without
HUB_DEV_MAILBOX; without the token it answers 404 (the mails carry links that reopen customers'
conversations); never with CORS headers (no other site's page can read it)."""

from __future__ import annotations

import email
import email.policy
import hmac
import html
import re
from pathlib import Path

from sanic import Blueprint, Request
from sanic.response import html as html_response

from handoff.errors import NotFound

LINK = re.compile(r"https?://[^\s<>\"']+")


def read_mailbox(folder: Path, limit: int = 50) -> list[dict[str, str]]:
    """The newest mails of the folder (one `.eml` file each), newest first."""
    paths = sorted(Path(folder).glob("*.eml"), key=lambda p: p.name, reverse=True)
    out = []
    for path in paths[:limit]:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        out.append(
            {
                "to": str(message.get("To", "")),
                "subject": str(message.get("Subject", "")),
                "date": str(message.get("Date", "")),
                "body": body.get_content() if body is not None else "",
            }
        )
    return out


def _linked(text: str) -> str:
    """Escaped text with its links clickable (the link that reopens the conversation)."""
    out, last = [], 0
    for found in LINK.finditer(text):
        out.append(html.escape(text[last : found.start()]))
        url = html.escape(found.group(0), quote=True)
        out.append(f'<a href="{url}">{url}</a>')
        last = found.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def create_blueprint(folder: Path, token: str) -> Blueprint:
    bp = Blueprint("devmail", url_prefix="/dev")

    @bp.get("/mail")
    async def mailbox(request: Request):
        given = request.args.get("token") or ""
        if not token or not hmac.compare_digest(given.encode(), token.encode()):
            raise NotFound("not_found", "not found")
        mails = read_mailbox(folder)
        items = "".join(
            "<article><h2>{subject}</h2><p>{date} — to {to}</p><pre>{body}</pre></article>".format(
                subject=html.escape(m["subject"]),
                date=html.escape(m["date"]),
                to=html.escape(m["to"]),
                body=_linked(m["body"]),
            )
            for m in mails
        )
        page = (
            '<!doctype html><html lang="it"><head><meta charset="utf-8"><title>Posta di sviluppo</title>'
            "</head><body><h1>Posta di sviluppo (nessuna e-mail lascia questa macchina)</h1>"
            f"<p>{len(mails)} e-mail, le più recenti prima. Ricarica la pagina per le nuove.</p>"
            f"{items or '<p>Nessuna e-mail per ora.</p>'}</body></html>"
        )
        return html_response(page)

    return bp
