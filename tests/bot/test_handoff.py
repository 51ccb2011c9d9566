"""Hand-off to a person through the hub (bot/actions/handoff.py), against a stand-in hub over HTTP."""

from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.fallback import ActionHandleFallback, ActionHandleOutOfScope
from bot.actions.feedback import ActionStoreRating
from bot.actions.handoff import ActionHandoff
from bot.actions.tickets import ActionTicketFollowup, ValidateTicketForm
from tests.bot.helpers import DOMAIN, make_tracker, responses, user_event


async def test_request_human_mid_form_carries_what_was_gathered(hub):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "voglio parlare con una persona",
        "request_human",
        slots={"problem_type": "missing_parts", "order_number": "1234567"},
        events=[user_event("mancano dei pezzi dell'armadio", "missing_parts")],
    )
    await ActionHandoff().run(dispatcher, tracker, DOMAIN)
    request = hub.last("handoff")
    assert request["auth"] == "Bearer test-internal-token-4f9a2c7e"
    assert request["cid"] == "conv-test-1"
    assert request["body"]["reason"] == "request_human"
    assert request["body"]["summary"]["order_number"] == "1234567"
    assert request["body"]["summary"]["problem_type"] == "missing_parts"
    assert request["body"]["summary"]["customer_words"] == "mancano dei pezzi dell'armadio"
    assert responses(dispatcher) == ["utter_request_human_ack", "utter_handoff_assigned"]


async def test_frustration_is_sent_with_the_mood_and_the_reasons(hub):
    dispatcher = CollectingDispatcher()
    frustration = {"score": 2.0, "reasons": ["ripetizione: «terza volta»"]}
    tracker = make_tracker(
        "è la terza volta che scrivo, VERGOGNA",
        "complain",
        slots={"mood": "frustrated"},
        frustration=frustration,
        entities=[{"entity": "mood", "value": "frustrated"}],
    )
    tracker.events[-1]["parse_data"]["frustration"] = frustration
    await ActionHandoff().run(dispatcher, tracker, DOMAIN)
    body = hub.last("handoff")["body"]
    # the hub gives a frustrated customer priority (handoff/policy.py); the bot says why
    assert body["reason"] == "frustration" and "priority" not in body
    assert body["summary"]["mood"] == "frustrated"
    assert "ripetizione: «terza volta»" in body["summary"]["mood_reasons"]
    assert responses(dispatcher) == ["utter_handoff_assigned"]


async def test_the_register_and_the_words_that_showed_it_go_with_the_case(hub):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "mi passi un operatore",
        "request_human",
        slots={"register": "formal"},
        events=[
            {
                "event": "user",
                "text": "Buongiorno, Le scrivo per l'ordine 2345678",
                "parse_data": {
                    "intent": {"name": "inform"},
                    "register": {"value": "formal", "cues": ["«Le»", "«le scrivo»"]},
                },
            },
            {
                "event": "user",
                "text": "ok",
                "parse_data": {"intent": {"name": "affirm"}, "register": {"value": None, "cues": []}},
            },
        ],
    )
    await ActionHandoff().run(dispatcher, tracker, DOMAIN)
    summary = hub.last("handoff")["body"]["summary"]
    assert summary["register"] == "formal" and summary["register_cues"] == ["«Le»", "«le scrivo»"]


async def test_queued_and_offline_answers_are_told_honestly(hub):
    hub.handoff_reply = {
        "status": "queued",
        "agent": None,
        "ticket_id": "TAB3CD4EF",
        "queue_position": 3,
        "eta_seconds": 150,
        "eta_minutes": 3,  # the hub's rounding (up), which the widget's banner shows too
    }
    dispatcher = CollectingDispatcher()
    events = await ActionHandoff().run(dispatcher, make_tracker("operatore", "request_human"), DOMAIN)
    queued = dispatcher.messages[-1]
    assert queued["response"] == "utter_handoff_queued"
    assert (queued["queue_position"], queued["eta_minutes"], queued["ticket_id"]) == (3, 3, "TAB3CD4EF")
    assert SlotSet("handoff_status", "queued") in events

    # everyone away: the hub knows no wait, and the bot does not invent one
    hub.handoff_reply = {
        **hub.handoff_reply,
        "queue_position": 1,
        "eta_seconds": None,
        "eta_minutes": None,
        "wait": None,
    }
    dispatcher = CollectingDispatcher()
    await ActionHandoff().run(dispatcher, make_tracker("operatore", "request_human"), DOMAIN)
    assert dispatcher.messages[-1]["response"] == "utter_handoff_queued_unknown_wait"
    from pathlib import Path

    import yaml

    said = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text(encoding="utf-8"))[
        "responses"
    ]
    twin = said["utter_handoff_queued_unknown_wait"]
    assert len(twin) >= 4 and not any("{wait}" in v["text"] or "minut" in v["text"] for v in twin)

    hub.handoff_reply = {"status": "offline", "agent": None, "ticket_id": "TZZ9ZZ9ZZ"}
    dispatcher = CollectingDispatcher()
    await ActionHandoff().run(dispatcher, make_tracker("operatore", "request_human"), DOMAIN)
    assert dispatcher.messages[-1]["response"] == "utter_handoff_offline"
    assert dispatcher.messages[-1]["ticket_id"] == "TZZ9ZZ9ZZ"

    # with e-mail configured: the promise names the address the answer goes to, or asks for one
    hub.handoff_reply = {
        "status": "offline",
        "agent": None,
        "ticket_id": "TZZ9ZZ9ZZ",
        "reply_by": "email",
        "email": "a@example.it",
    }
    dispatcher = CollectingDispatcher()
    await ActionHandoff().run(dispatcher, make_tracker("operatore", "request_human"), DOMAIN)
    told = dispatcher.messages[-1]
    assert (told["response"], told["email"], told["ticket_id"]) == (
        "utter_handoff_offline_email",
        "a@example.it",
        "TZZ9ZZ9ZZ",
    )
    hub.handoff_reply = {
        "status": "offline",
        "agent": None,
        "ticket_id": "TZZ9ZZ9ZZ",
        "reply_by": "ask_email",
    }
    dispatcher = CollectingDispatcher()
    await ActionHandoff().run(dispatcher, make_tracker("operatore", "request_human"), DOMAIN)
    assert dispatcher.messages[-1]["response"] == "utter_handoff_offline_ask_email"


async def test_unreachable_hub_is_said_plainly_and_nothing_crashes(hub_down):
    dispatcher = CollectingDispatcher()
    events = await ActionHandoff().run(
        dispatcher, make_tracker("operatore", "request_human", slots={"order_number": "2345678"}), DOMAIN
    )
    assert responses(dispatcher) == ["utter_request_human_ack", "utter_handoff_failed"]
    assert events == [SlotSet("handoff_status", "failed")]  # the gathered slots are kept


async def test_a_hub_too_slow_to_answer_is_a_failed_handoff_not_a_crash(hub, monkeypatch):
    monkeypatch.setenv("HUB_TIMEOUT", "0.5")
    hub.delay = 2.0
    dispatcher = CollectingDispatcher()
    await ActionHandoff().run(dispatcher, make_tracker("operatore", "request_human"), DOMAIN)
    assert responses(dispatcher)[-1] == "utter_handoff_failed"


async def test_hub_error_is_a_failed_handoff_not_a_crash(hub):
    hub.handoff_status_code = 500
    dispatcher = CollectingDispatcher()
    await ActionHandoff().run(dispatcher, make_tracker("operatore", "request_human"), DOMAIN)
    assert responses(dispatcher)[-1] == "utter_handoff_failed"


async def test_two_fallbacks_in_a_row_hand_off(hub):
    once = CollectingDispatcher()
    await ActionHandleFallback().run(
        once, make_tracker("asdfgh", "nlu_fallback", events=[user_event("ciao", "greet")]), DOMAIN
    )
    assert responses(once) == ["utter_ask_rephrase"] and hub.requests == []

    twice = CollectingDispatcher()
    tracker = make_tracker("qwerty", "nlu_fallback", events=[user_event("asdfgh", "nlu_fallback")])
    await ActionHandleFallback().run(twice, tracker, DOMAIN)
    assert responses(twice) == ["utter_fallback_handoff", "utter_handoff_assigned"]
    assert hub.last("handoff")["body"]["reason"] == "fallback"


async def test_two_fallbacks_in_the_middle_of_a_case_stop_the_form_and_hand_off(hub):
    history = [user_event("asdfgh", "nlu_fallback")]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "qwerty",
        "nlu_fallback",
        events=history,
        active_loop="problem_report_form",
        slots={"requested_slot": "order_number", "problem_type": "item_damaged"},
    )
    events = await ActionHandleFallback().run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_fallback_handoff", "utter_handoff_assigned"]
    assert events[0] == ActiveLoop(None)
    assert hub.last("handoff")["body"]["summary"]["problem_type"] == "item_damaged"


async def test_asked_for_the_story_any_text_is_the_story(hub):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "boh è tutto storto e traballa",
        "nlu_fallback",
        events=[user_event("xx", "nlu_fallback")],
        active_loop="problem_report_form",
        slots={"requested_slot": "description"},
    )
    events = await ActionHandleFallback().run(dispatcher, tracker, DOMAIN)
    assert events == [SlotSet("description", "boh è tutto storto e traballa")]
    assert dispatcher.messages == [] and hub.requests == []


async def test_an_angry_message_not_understood_is_calmed_and_handed_off(hub):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "siete dei buffoni!!!",
        "nlu_fallback",
        entities=[{"entity": "mood", "value": "frustrated"}],
        slots={"mood": "frustrated"},
    )
    await ActionHandleFallback().run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_calm_frustration", "utter_handoff_assigned"]
    assert hub.last("handoff")["body"]["reason"] == "frustration"
    assert hub.last("handoff")["body"]["summary"]["mood"] == "frustrated"


async def test_out_of_scope_twice_hands_off_also_in_the_middle_of_a_form(hub):
    history = [user_event("che tempo fa?", "out_of_scope")]
    # The first time, in the middle of a case: say what the bot does, keep gathering.
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("che tempo fa?", "out_of_scope", active_loop="problem_report_form")
    events = await ActionHandleOutOfScope().run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_out_of_scope"] and events == [] and hub.requests == []

    # The second time outside a form: a person.
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("chi vince il campionato?", "out_of_scope", events=history)
    events = await ActionHandleOutOfScope().run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_out_of_scope_handoff", "utter_handoff_assigned"]
    assert ActiveLoop(None) not in events

    # The second time in the middle of a case: the form stops and the case goes to a person.
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "chi vince il campionato?",
        "out_of_scope",
        events=history,
        active_loop="problem_report_form",
        slots={"order_number": "1234567"},
    )
    events = await ActionHandleOutOfScope().run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_out_of_scope_handoff", "utter_handoff_assigned"]
    assert events[0] == ActiveLoop(None)
    assert hub.last("handoff")["body"]["summary"]["order_number"] == "1234567"

    first = CollectingDispatcher()
    await ActionHandleOutOfScope().run(first, make_tracker("una ricetta?", "out_of_scope"), DOMAIN)
    assert responses(first) == ["utter_out_of_scope"]


async def test_ticket_followup_goes_back_to_the_same_case_once_it_is_proven(hub):
    hub.tickets["T6QYJ5XKA"] = {
        "ticket_id": "T6QYJ5XKA",
        "status": "open",
        "agent": {"id": "ag-serena", "name": "Serena"},
        "email": "luca.bianchi@example.it",
        "order_number": "2345678",
        "visitor_id": "browser-of-luca",
        "summary": {"problem_type": "item_damaged", "order_number": "2345678"},
    }
    form = ValidateTicketForm()
    # from another browser: the code alone is not enough, the form asks for the e-mail or the order
    assert await form.validate_ticket_id(
        "il codice è t6qyj5xka", CollectingDispatcher(), make_tracker("x", "inform"), DOMAIN
    ) == {"ticket_id": "T6QYJ5XKA", "ticket_verified": None}
    asked = make_tracker("x", "inform", slots={"ticket_id": "T6QYJ5XKA"})
    assert await form.required_slots(
        ["ticket_id", "ticket_proof"], CollectingDispatcher(), asked, DOMAIN
    ) == [
        "ticket_id",
        "ticket_proof",
    ]
    for proof, ok in [
        # the ticket's order with a second fact only its buyer knows (the order store's)
        ("ordine 2345678, luca.bianchi@example.it", True),
        ("2345678 CAP 40121", True),
        # the e-mail alone, or the order alone, proves nothing: anyone may know them
        ("Luca.Bianchi@example.it", False),
        ("ordine 2345678", False),
        ("2345678 mario@rossi.it", False),
        ("1234567 giulia.rossi@example.it", False),  # another order, even with its own e-mail
    ]:
        result = await form.validate_ticket_proof(proof, CollectingDispatcher(), asked, DOMAIN)
        assert result["ticket_verified"] is ok, proof
    assert hub.count("order_lookup", "failed_proof") == 4  # each failed proof counted
    # from the browser that opened it: no question
    same = make_tracker("x", "inform")
    same.events[-1]["metadata"] = {"visitor_id": "browser-of-luca"}
    assert (await form.validate_ticket_id("T6QYJ5XKA", CollectingDispatcher(), same, DOMAIN))[
        "ticket_verified"
    ] is True
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "luca.bianchi@example.it",
        "inform",
        slots={"ticket_id": "T6QYJ5XKA", "ticket_verified": True},
    )
    await ActionTicketFollowup().run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_ticket_found", "utter_handoff_assigned"]
    body = hub.last("handoff")["body"]
    assert body["reason"] == "ticket_followup" and body["ticket_id"] == "T6QYJ5XKA"
    assert body["summary"]["order_number"] == "2345678"  # the earlier case comes back


async def test_a_ticket_code_without_proof_opens_a_new_case_the_agent_can_link(hub):
    hub.tickets["T6QYJ5XKA"] = {"ticket_id": "T6QYJ5XKA", "email": "luca.bianchi@example.it", "summary": {}}
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("boh", "inform", slots={"ticket_id": "T6QYJ5XKA", "ticket_verified": False})
    await ActionTicketFollowup().run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_ticket_proof_failed", "utter_handoff_assigned"]
    body = hub.last("handoff")["body"]
    assert "ticket_id" not in body  # never the other case's history
    assert "T6QYJ5XKA" in body["summary"]["bot_tried"][-1]


async def test_an_unknown_ticket_is_treated_like_one_not_proven_and_still_reaches_a_person(hub):
    hub.tickets["T6QYJ5XKA"] = {"ticket_id": "T6QYJ5XKA", "order_number": "2345678", "summary": {}}
    known, unknown = CollectingDispatcher(), CollectingDispatcher()
    form = ValidateTicketForm()
    said_known = await form.validate_ticket_id(
        "pratica T6QYJ5XKA", known, make_tracker("x", "ticket_followup"), DOMAIN
    )
    said_unknown = await form.validate_ticket_id(
        "pratica TAAAA2222", unknown, make_tracker("x", "ticket_followup"), DOMAIN
    )
    # the bot never tells which codes exist: the same answer, the same question next
    assert (said_known["ticket_verified"], known.messages) == (
        said_unknown["ticket_verified"],
        unknown.messages,
    )
    asked = make_tracker("x", "inform", slots={"ticket_id": "TAAAA2222"})
    assert (await form.validate_ticket_proof("2345678 CAP 40121", CollectingDispatcher(), asked, DOMAIN))[
        "ticket_verified"
    ] is False
    dispatcher = CollectingDispatcher()
    await ActionTicketFollowup().run(
        dispatcher, make_tracker("x", "inform", slots={"ticket_id": "-"}), DOMAIN
    )
    assert responses(dispatcher) == ["utter_handoff_assigned"]
    assert "ticket_id" not in hub.last("handoff")["body"]
    assert await ValidateTicketForm().validate_ticket_id(
        "no non ce l'ho", CollectingDispatcher(), make_tracker("no", "deny"), DOMAIN
    ) == {"ticket_id": "-"}


async def test_rating_is_sent_to_the_hub(hub):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker('/rate{"rating": "4"}', "rate", entities=[{"entity": "rating", "value": "4"}])
    await ActionStoreRating().run(dispatcher, tracker, DOMAIN)
    assert hub.last("rating")["body"] == {"rating": 4}
    assert responses(dispatcher) == ["utter_thank_rating"]

    low = CollectingDispatcher()
    await ActionStoreRating().run(low, make_tracker("direi 1", "rate"), DOMAIN)
    assert hub.last("rating")["body"] == {"rating": 1}
    assert responses(low) == ["utter_thank_rating_low"]

    nonsense = CollectingDispatcher()
    await ActionStoreRating().run(nonsense, make_tracker("boh", "rate"), DOMAIN)
    assert responses(nonsense) == ["utter_rating_invalid"]
