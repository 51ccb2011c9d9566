"""What the agent console sees: conversation summaries, transcripts, case cards, history, CSAT.
Mixed into `Hub` (uses its stores)."""

from __future__ import annotations

from typing import Any

from handoff.errors import ClientError, NotFound
from handoff.store.agents import Agent


class ConsoleViewsMixin:
    async def conversation_view(self, cid: str) -> dict[str, Any]:
        conv = await self.convs.get(cid)
        if conv is None:
            raise NotFound("conversation_not_found", "unknown conversation")
        agent = None
        if conv.get("agent_id"):
            found = await self.agents.get(conv["agent_id"])
            agent = {"id": conv["agent_id"], "name": found.name if found else ""}
        status = conv.get("status", "bot")
        view = {
            "id": cid,
            "status": status,
            "agent": agent,
            "priority": conv.get("priority") or "normal",
            "mood": conv.get("mood") or None,
            "problem_type": conv.get("problem_type") or None,
            "order_number": conv.get("order_number") or None,
            "customer_name": conv.get("customer_name") or None,
            "email": conv.get("email") or None,
            "ticket_id": conv.get("ticket_id") or None,
            "reason": conv.get("reason") or None,
            "created_at": float(conv.get("created_at") or 0),
            "handoff_at": float(conv["handoff_at"]) if conv.get("handoff_at") else None,
            "resolved_at": float(conv["resolved_at"]) if conv.get("resolved_at") else None,
            "rating": int(conv["rating"]) if conv.get("rating") else None,
        }
        if status == "queued":
            view["queue_position"] = await self.queue.position(cid)
        last = await self.convs.last_events(cid, 10)
        preview = next((e for e in reversed(last) if e.get("type") == "message"), None)
        view["last_message"] = (
            {
                "from": preview.get("from"),
                "text": preview.get("text", "")[:200],
                "ts": preview.get("ts"),
            }
            if preview
            else None
        )
        return view

    async def queue_items(self) -> list[dict[str, Any]]:
        items = []
        for position, cid in enumerate(await self.queue.ids(), start=1):
            try:
                view = await self.conversation_view(cid)
            except NotFound:
                continue
            view["queue_position"] = position
            items.append(view)
        return items

    async def list_conversations(
        self, agent: Agent, status: str, scope: str = "mine"
    ) -> list[dict[str, Any]]:
        if status == "queued":
            return await self.queue_items()
        if status == "assigned":
            if scope == "all":
                ids = []
                for other in await self.agents.all():
                    ids += await self.agents.conversations(other.id)
            else:
                ids = await self.agents.conversations(agent.id)
        elif status == "offline":
            ids = await self.convs.offline_ids()
        elif status == "resolved":
            ids = await self.convs.resolved_ids(agent.id)
        else:
            raise ClientError("invalid_status", "status must be queued, assigned, resolved or offline")
        out = []
        for cid in ids:
            try:
                out.append(await self.conversation_view(cid))
            except NotFound:
                continue
        return out

    async def conversation_detail(self, cid: str) -> dict[str, Any]:
        view = await self.conversation_view(cid)
        conv = await self.convs.get(cid) or {}
        case_card = dict(conv.get("summary") or {})
        case_card.update(
            reason=conv.get("reason") or None,
            mood=conv.get("mood") or case_card.get("mood"),
            priority=conv.get("priority") or "normal",
            ticket_id=conv.get("ticket_id") or None,
        )
        return {
            "conversation": view,
            "transcript": await self.convs.events(cid),
            "case_card": case_card,
            "notes": await self.convs.notes(cid),
            "history": await self.history(cid, conv),
        }

    async def history(self, cid: str, conv: dict[str, Any]) -> dict[str, Any]:
        ids: list[str] = []
        if conv.get("visitor_id"):
            ids += await self.convs.visitor_conversations(conv["visitor_id"])
        if conv.get("email"):
            ids += await self.convs.email_conversations(conv["email"])
        seen: set[str] = {cid}
        conversations = []
        ticket_ids: list[str] = []
        for other in ids:
            if other in seen:
                continue
            seen.add(other)
            data = await self.convs.get(other)
            if not data:
                continue
            if not data.get("handoff_at") and not data.get("ticket_id"):
                continue  # bot-only chats are not history an agent needs
            last_agent = data.get("agent_id") or data.get("last_agent_id")
            agent = await self.agents.get(last_agent) if last_agent else None
            conversations.append(
                {
                    "conversation_id": other,
                    "created_at": float(data.get("created_at") or 0),
                    "status": data.get("status"),
                    "problem_type": data.get("problem_type") or None,
                    "order_number": data.get("order_number") or None,
                    "ticket_id": data.get("ticket_id") or None,
                    "agent": {"id": agent.id, "name": agent.name} if agent else None,
                    "rating": int(data["rating"]) if data.get("rating") else None,
                }
            )
            if data.get("ticket_id") and data["ticket_id"] not in ticket_ids:
                ticket_ids.append(data["ticket_id"])
        if conv.get("visitor_id"):
            for tid in await self.tickets.visitor_tickets(conv["visitor_id"]):
                if tid not in ticket_ids and tid != conv.get("ticket_id"):
                    ticket_ids.append(tid)
        tickets = []
        for tid in ticket_ids:
            ticket = await self.tickets.get(tid)
            if ticket:
                tickets.append(
                    {
                        k: ticket[k]
                        for k in (
                            "ticket_id",
                            "status",
                            "agent",
                            "problem_type",
                            "order_number",
                            "created_at",
                        )
                    }
                )
        return {"conversations": conversations, "tickets": tickets}

    async def agents_view(self) -> list[dict[str, Any]]:
        return [
            {
                "id": e["agent"].id,
                "name": e["agent"].name,
                "skills": e["agent"].skills,
                "capacity": e["agent"].capacity,
                "presence": e["presence"],
                "load": e["load"],
            }
            for e in await self.agents.snapshot()
        ]

    async def csat(self) -> dict[str, Any]:
        def stats(data: dict[str, str]) -> dict[str, Any]:
            count = int(data.get("count") or 0)
            total = int(data.get("sum") or 0)
            return {
                "count": count,
                "average": round(total / count, 2) if count else None,
            }

        agents = []
        for agent in await self.agents.all():
            agents.append(
                {
                    "id": agent.id,
                    "name": agent.name,
                    **stats(await self.r.hgetall(self.keys.csat_agent(agent.id))),
                }
            )
        return {
            "overall": stats(await self.r.hgetall(self.keys.csat())),
            "agents": agents,
        }
