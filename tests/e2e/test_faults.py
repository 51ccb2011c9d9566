"""Faults with the real Rasa and action server: the action server dies in the middle of a chat.

Rasa then answers the webhook with 200 and no messages at all; the hub takes that for what it is,
tells the customer honestly and hands off, and nothing the customer wrote is lost. The action
server is started again afterwards for the other tests.
"""

from __future__ import annotations

import httpx

from tests.e2e.test_story import bot_texts, events, post_message, wait_for_event


def test_the_action_server_gone_gets_the_customer_an_honest_word_and_a_person(stack):
    with httpx.Client(base_url=stack.hub_url, timeout=30) as client:
        conv = client.post("/v1/conversations", json={}).json()
        post_message(client, conv, "Buongiorno")
        wait_for_event(client, conv, lambda e: e.get("from") == "bot")
        stack.kill("actions")
        try:
            post_message(client, conv, "il tavolo che ho ricevuto è arrivato con una gamba rotta")
            evts = wait_for_event(client, conv, lambda e: e.get("type") == "handoff")
        finally:
            stack.restart("actions", ready=f"http://127.0.0.1:{stack.actions_port}/health", timeout=120)
        texts = bot_texts(evts)
        assert any("problema tecnico" in t for t in texts), texts
        assert [e["text"] for e in events(client, conv) if e.get("from") == "customer"] == [
            "Buongiorno",
            "il tavolo che ho ricevuto è arrivato con una gamba rotta",
        ]
        handoff = [e for e in evts if e["type"] == "handoff"][-1]
        assert handoff["reason"] == "bot_unavailable" and handoff["ticket_id"]
