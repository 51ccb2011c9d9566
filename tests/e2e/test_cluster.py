"""Sportello on a real Redis Cluster: three masters, two hub processes, two Rasa servers.

Rasa keeps its trackers and locks on the cluster (bot/redis_stores.py), the hubs their conversations
(sportello/redis_url.py). Hub A calls Rasa 1, hub B calls Rasa 2, and each conversation's messages
alternate between A and B: the story told through one Rasa is continued by the other (the order's
summary needs what both heard), every message is stored once and in order, and each conversation
is handed off once.
"""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.test_story import bot_texts, events, wait_for_event
from tests.e2e.test_story import post_message as say
from tests.support.redis_cluster import RedisCluster
from tests.support.stack import DEMO_PASSWORD, private_stack
from tools.devstack import http_ok, wait_for
from tools.processes import free_port

PASSWORD = DEMO_PASSWORD


@pytest.fixture(scope="module")
def cluster_stack(tmp_path_factory):
    cluster = RedisCluster().start()
    run_dir = tmp_path_factory.mktemp("cluster-stack")
    try:
        stack = private_stack(run_dir, cluster.url, "cluster")
    except Exception:
        cluster.stop()
        raise
    try:
        # the second Rasa and the second hub: the same commands, other ports; hub B calls Rasa 2
        rasa_argv, env = stack.commands["rasa"]
        rasa2_port, hub2_port = free_port(), free_port()
        argv = list(rasa_argv)
        argv[argv.index("-p") + 1] = str(rasa2_port)
        _, rasa2, rasa2_log = stack.spawn("rasa2", argv, env)
        hub_argv, _ = stack.commands["hub"]
        env2 = {**env, "HUB_PORT": str(hub2_port), "RASA_URL": f"http://127.0.0.1:{rasa2_port}"}
        _, hub2, hub2_log = stack.spawn("hub2", list(hub_argv), env2)
        wait_for(
            lambda: http_ok(f"http://127.0.0.1:{rasa2_port}/webhooks/rest/"), 240, "Rasa 2", rasa2, rasa2_log
        )
        wait_for(lambda: http_ok(f"http://127.0.0.1:{hub2_port}/v1/health"), 60, "hub B", hub2, hub2_log)
        stack.hub_b = f"http://127.0.0.1:{hub2_port}"
    except Exception:
        for log in sorted(run_dir.glob("*.log")):
            print(f"--- {log.name} ---\n{log.read_text(errors='replace')[-3000:]}")
        stack.stop()
        cluster.stop()
        raise
    stack.cluster = cluster
    yield stack
    stack.stop()
    cluster.stop()


def test_two_hubs_two_rasa_on_a_cluster(cluster_stack):
    stack = cluster_stack
    with (
        httpx.Client(base_url=stack.hub_url, timeout=30) as a,
        httpx.Client(base_url=stack.hub_b, timeout=30) as b,
    ):
        login = b.post("/v1/agent/login", json={"email": "serena@sportello.example", "password": PASSWORD})
        assert login.status_code == 200, login.text
        agent = {"Authorization": f"Bearer {login.json()['token']}"}
        assert a.post("/v1/agent/presence", json={"status": "online"}, headers=agent).status_code == 200

        # greetings, each conversation opened on one process and greeted through the other's Rasa
        greeted = []
        for i in range(6):
            first, second = (a, b) if i % 2 else (b, a)
            conv = first.post("/v1/conversations", json={}).json()
            say(second, conv, "Buongiorno")
            wait_for_event(first, conv, lambda e: e.get("from") == "bot")
            greeted.append(conv)

        # a whole story in two conversations, every message through the other hub and Rasa
        for conv in greeted[:2]:
            steps = [
                ("Il tavolo che mi avete consegnato è arrivato con una gamba spezzata", None, "7 cifre"),
                ("2345678", None, "cap di consegna"),  # the proof is asked first
                ("luca.bianchi@example.it", None, "riepilogo"),
            ]
            clients = [a, b] if greeted.index(conv) == 0 else [b, a]
            for n, (text, payload, wait) in enumerate(steps):
                say(clients[n % 2], conv, text, payload)
                wait_for_event(clients[(n + 1) % 2], conv, lambda e, w=wait: w in e.get("text", "").lower())
            said = " ".join(bot_texts(events(a, conv)))
            assert "il tavolo da pranzo Oslo" in said  # what Rasa 1 heard, continued by Rasa 2
            say(clients[0], conv, "Sì, è corretto", "/affirm")
            wait_for_event(clients[1], conv, lambda e: e.get("type") == "handoff")

        for conv in greeted:
            got = [events(client, conv) for client in (a, b)]
            assert got[0] == got[1]  # both processes serve the same transcript
            ids = [e["id"] for e in got[0]]
            assert len(ids) == len(set(ids))
            customer = [
                e["text"] for e in got[0] if e.get("type") == "message" and e.get("from") == "customer"
            ]
            assert len(customer) == len(set(customer))  # each message once
        for conv in greeted[:2]:
            evts = events(a, conv)
            customer = [e["text"] for e in evts if e.get("type") == "message" and e.get("from") == "customer"]
            # greeting, story, order number, its proof (the order's e-mail), the confirmation
            assert customer[0] == "Buongiorno" and customer[-1] == "Sì, è corretto" and len(customer) == 5
            handoffs = [e for e in evts if e.get("type") == "handoff"]
            assert len(handoffs) == 1 and handoffs[0]["status"] == "assigned", handoffs
            assert handoffs[0]["agent"]["name"] == "Serena"

    # Rasa's trackers spread over the masters; the hub's keys share one slot
    assert sum(1 for n in stack.cluster.keys_per_node("rasa:*") if n) >= 2
    assert sum(1 for n in stack.cluster.keys_per_node("{sportello}:*") if n) == 1
