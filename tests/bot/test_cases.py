"""Listening to a problem and gathering the case (bot/actions/cases.py)."""

from datetime import timedelta

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.cases import (
    ActionAskSummaryConfirmed,
    ActionStartCase,
    ActionSubmitProblemReport,
    ValidateProblemReportForm,
    another_order,
)
from bot.actions.fallback import ActionHandleFallback, ActionHandleOutOfScope
from tests.bot.helpers import DOMAIN, PINNED_TODAY, make_tracker, responses

TABLE_STORY = "Buongiorno, il tavolo che ho ricevuto ieri ha una gamba spezzata e il piano graffiato"


def slots(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_acknowledges_the_specific_problem_and_apologises_once():
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(TABLE_STORY, "item_damaged")
    events = await ActionStartCase().run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_ack_item_damaged", "utter_apologise"]
    got = slots(events)
    assert got["problem_type"] == "item_damaged"
    assert got["customer_words"] == TABLE_STORY
    assert got["description"] == TABLE_STORY  # a long first message already tells the story
    assert got["apologised_for"] == ["item_damaged"]

    # The customer restates the same problem: acknowledged again, but no second apology.
    again = CollectingDispatcher()
    tracker = make_tracker("è ROTTO il tavolo", "item_damaged", slots=got)
    events = await ActionStartCase().run(again, tracker, DOMAIN)
    assert responses(again) == ["utter_ack_item_damaged"]
    assert "customer_words" not in slots(events)  # the first words are kept for the agent


async def test_a_short_first_message_leaves_the_story_to_be_asked():
    dispatcher = CollectingDispatcher()
    events = await ActionStartCase().run(dispatcher, make_tracker("ritardo", "delivery_late"), DOMAIN)
    assert "description" not in slots(events)
    assert responses(dispatcher) == ["utter_ack_delivery_late", "utter_apologise"]


async def test_return_request_explains_the_policy_and_records_it():
    dispatcher = CollectingDispatcher()
    events = await ActionStartCase().run(
        dispatcher, make_tracker("vorrei fare il reso", "return_request"), DOMAIN
    )
    # a request, not a problem: nothing went wrong, so no apology (bot/problems.yml: apologise: false)
    assert responses(dispatcher) == ["utter_ack_return_request", "utter_policy_return"]
    assert slots(events)["bot_tried"]


async def test_a_quick_reply_payload_is_not_the_customer_s_words():
    events = await ActionStartCase().run(
        CollectingDispatcher(), make_tracker("/item_damaged", "item_damaged"), DOMAIN
    )
    assert "customer_words" not in slots(events) and "description" not in slots(events)


async def test_another_order_in_the_middle_of_a_case_does_not_touch_this_case():
    pending = {
        "problem_type": "item_damaged",
        "order_number": "2345678",
        "order_product": "il tavolo da pranzo Oslo",
        "customer_words": "il tavolo è arrivato rotto",
        "apologised_for": ["item_damaged"],
    }
    for text, entities in [
        ("c'è anche l'armadio 1234567 a cui mancano pezzi", [{"entity": "order_number", "value": "1234567"}]),
        ("e anche il divano è rovinato", [{"entity": "product", "value": "divano"}]),
    ]:
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(
            text, "missing_parts", entities=entities, slots=pending, active_loop="problem_report_form"
        )
        events = await ActionStartCase().run(dispatcher, tracker, DOMAIN)
        assert responses(dispatcher) == ["utter_one_case_at_a_time"]
        changed = slots(events)
        assert set(changed) == {"bot_tried"}  # the pending case keeps its order, problem and words
        assert text in changed["bot_tried"][-1]
    # the same order restated is still this case
    same = make_tracker(
        "il tavolo 2345678 ha anche un graffio",
        "item_damaged",
        entities=[{"entity": "order_number", "value": "2345678"}],
        slots=pending,
        active_loop="problem_report_form",
    )
    dispatcher = CollectingDispatcher()
    await ActionStartCase().run(dispatcher, same, DOMAIN)
    assert responses(dispatcher) == ["utter_ack_item_damaged"]  # no second apology either


async def test_another_order_is_noted_whatever_the_message_was_understood_as():
    # "sì, ma anche l'ordine 3456789…" may be a yes, a no, or not understood at all: the other order
    # goes on the card once, and the pending case is not touched.
    pending = {
        "problem_type": "item_damaged",
        "order_number": "2345678",
        "order_product": "il tavolo da pranzo Oslo",
        "requested_slot": "summary_confirmed",
    }
    other = [{"entity": "order_number", "value": "3456789"}]
    text = "si confermo, però anche l'ordine 3456789 ha un problema"
    for action, intent in [
        (ActionHandleFallback(), "nlu_fallback"),
        (ActionHandleOutOfScope(), "out_of_scope"),
    ]:
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(text, intent, entities=other, slots=pending, active_loop="problem_report_form")
        changed = slots(await action.run(dispatcher, tracker, DOMAIN))
        assert responses(dispatcher) == ["utter_one_case_at_a_time"], action.name()
        assert set(changed) == {"bot_tried"} and "3456789" in changed["bot_tried"][-1]
    # a yes: the summary is confirmed and the other order noted too, once
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text, "affirm", entities=other, slots=pending, active_loop="problem_report_form")
    events = await ValidateProblemReportForm().run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher).count("utter_one_case_at_a_time") == 1
    assert slots(events).get("order_number", "2345678") == "2345678"
    assert "3456789" in slots(events)["bot_tried"][-1]
    noted_already = make_tracker(
        text,
        "affirm",
        entities=other,
        slots={**pending, "bot_tried": slots(events)["bot_tried"]},
        active_loop="problem_report_form",
    )
    again = CollectingDispatcher()
    await ValidateProblemReportForm().run(again, noted_already, DOMAIN)
    assert "utter_one_case_at_a_time" not in responses(again)


async def test_a_story_the_order_store_contradicts_is_noted_for_the_agent_not_argued():
    # 4567890 is still being prepared (demo orders): "arrived damaged" cannot be checked by the bot
    for problem, number, expected in (
        ("item_damaged", "4567890", "in preparazione"),
        ("wrong_item", "3456789", "in viaggio"),
        ("item_damaged", "2345678", None),  # delivered: story and store agree
        ("delivery_late", "4567890", None),  # a late delivery needs no delivered order
    ):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(
            number, "inform", slots={"problem_type": problem}, active_loop="problem_report_form"
        )
        result = await ValidateProblemReportForm().validate_order_number(number, dispatcher, tracker, DOMAIN)
        assert result["order_number"] == number
        notes = result.get("to_check") or []
        if expected:
            assert len(notes) == 1 and expected in notes[0] and number in notes[0], notes
        else:
            assert notes == []
        assert "utter_apologise" not in responses(dispatcher)  # no arguing, no extra words


async def test_a_new_case_after_a_handoff_starts_clean():
    dispatcher = CollectingDispatcher()
    old = {
        "handoff_status": "assigned",
        "order_number": "2345678",
        "problem_type": "item_damaged",
        "apologised_for": ["item_damaged"],
    }
    events = await ActionStartCase().run(
        dispatcher, make_tracker("mancano le viti", "missing_parts", slots=old), DOMAIN
    )
    got = slots(events)
    assert got["order_number"] is None and got["handoff_status"] is None
    assert got["problem_type"] == "missing_parts"
    assert "utter_apologise" in responses(dispatcher)


async def test_an_order_number_alone_reveals_nothing_and_the_proof_is_asked(hub):
    dispatcher = CollectingDispatcher()
    form = ValidateProblemReportForm()
    tracker = make_tracker(
        "è il 2345678", "inform", slots={"problem_type": "item_damaged", "email": "x@evil.it"}
    )
    result = await form.validate_order_number("è il 2345678", dispatcher, tracker, DOMAIN)
    assert dispatcher.messages == []  # no product, no date, no name, no e-mail said
    assert result["order_number"] == "2345678" and not result["order_verified"]
    # mail about this order goes to the order's own address, never to one typed in the chat
    assert result["email"] == "luca.bianchi@example.it" and result["email_verified"] is False
    asked = make_tracker("è il 2345678", "inform", slots={**result, "problem_type": "item_damaged"})
    slots = await form.required_slots([], dispatcher, asked, DOMAIN)
    assert slots[:2] == ["order_number", "order_proof"]
    assert hub.count("order_lookup", "lookup") == 1  # the lookup was counted by the hub first


@pytest.mark.parametrize("proof, how", [("luca.bianchi@example.it", "email"), ("il CAP è 40121", "postcode")])
async def test_the_orders_email_or_postcode_reflects_it_back(hub, proof, how):
    form = ValidateProblemReportForm()
    found = await form.validate_order_number(
        "2345678", CollectingDispatcher(), make_tracker("2345678", "inform"), DOMAIN
    )
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(proof, "inform", slots={**found, "problem_type": "item_damaged"})
    result = await form.validate_order_proof(proof, dispatcher, tracker, DOMAIN)
    assert (result["order_proof"], result["order_verified"], result["email_verified"]) == (how, how, True)
    [message] = dispatcher.messages
    assert message["response"] == "utter_order_found_delivered"
    delivered = PINNED_TODAY - timedelta(days=12)  # the demo file says `today-12`
    assert message["delivery_date"] == delivered.strftime("%d/%m") == "12/11"
    assert message["product"] == "il tavolo da pranzo Oslo"
    # proven once, never asked again in this case: the same number again is read back at once
    again = make_tracker("2345678", "inform", slots={**found, **result})
    assert not await form.required_slots([], dispatcher, again, DOMAIN) or "order_proof" not in (
        await form.required_slots([], dispatcher, again, DOMAIN)
    )


async def test_a_wrong_proof_is_refused_kindly_counted_and_the_case_goes_on_unverified(hub):
    form = ValidateProblemReportForm()
    found = await form.validate_order_number(
        "2345678", CollectingDispatcher(), make_tracker("2345678", "inform"), DOMAIN
    )
    first = CollectingDispatcher()
    tracker = make_tracker("giulia.rossi@example.it", "inform", slots=found)
    result = await form.validate_order_proof("giulia.rossi@example.it", first, tracker, DOMAIN)
    assert responses(first) == ["utter_order_proof_wrong"] and result["order_proof"] is None
    second = CollectingDispatcher()
    tracker = make_tracker("10121", "inform", slots={**found, **result})
    result = await form.validate_order_proof("10121", second, tracker, DOMAIN)
    assert responses(second) == ["utter_order_proof_given_up"]
    assert result["order_proof"] == "-" and not result["order_verified"]
    assert any("NON verificato" in note for note in result["bot_tried"])
    assert hub.count("order_lookup", "failed_proof") == 2  # each counted, like a failed login
    # the summary then names no product of the order
    summary = CollectingDispatcher()
    tracker = make_tracker("", "inform", slots={**found, **result, "description": "gamba rotta"})
    await ActionAskSummaryConfirmed().run(summary, tracker, DOMAIN)
    assert summary.messages[0]["product"] == "-"


async def test_walking_order_numbers_from_one_visitor_is_stopped(hub, demo_orders, monkeypatch):
    hub.lookup_limit["lookup"] = 10  # the hub's limit for this visitor
    looked_up = []
    real_get = demo_orders.get

    async def counting_get(number):
        looked_up.append(number)
        return await real_get(number)

    monkeypatch.setattr(demo_orders, "get", counting_get)
    form = ValidateProblemReportForm()
    said = []
    for i in range(50):
        number = str(1234560 + i)
        dispatcher = CollectingDispatcher()
        await form.validate_order_number(number, dispatcher, make_tracker(number, "inform"), DOMAIN)
        said += responses(dispatcher)
    assert len(looked_up) == 10  # the store was asked ten times, then never again
    assert said.count("utter_order_lookups_stopped") == 40
    assert not any(name.startswith("utter_order_found") for name in said)


async def test_a_product_named_with_its_own_order_is_not_another_order_but_a_mismatch(hub):
    form = ValidateProblemReportForm()
    text = "buonasera, mi è arrivata la lampada dell'ordine 1234567 con il vetro rotto"
    entities = [{"entity": "order_number", "value": "1234567"}, {"entity": "product", "value": "lampada"}]
    tracker = make_tracker(text, "item_damaged", entities=entities, slots={"problem_type": "item_damaged"})
    dispatcher = CollectingDispatcher()
    result = await form.validate_order_number("1234567", dispatcher, tracker, DOMAIN)
    assert any("lampada" in check and "armadio" in check for check in result["to_check"])
    after = make_tracker(
        text,
        "item_damaged",
        entities=entities,
        slots={**result, "problem_type": "item_damaged"},
        active_loop="problem_report_form",
    )
    assert another_order(after) is None  # "Ho preso nota anche dell'altro ordine" is not said


async def test_unknown_order_number_is_asked_again_then_passed_on():
    form = ValidateProblemReportForm()
    first = CollectingDispatcher()
    result = await form.validate_order_number("9999999", first, make_tracker("9999999", "inform"), DOMAIN)
    assert result["order_number"] is None and result["order_lookup_failures"] == 1
    assert responses(first) == ["utter_order_not_found"]

    second = CollectingDispatcher()
    tracker = make_tracker("9999998", "inform", slots={"order_lookup_failures": 1})
    result = await form.validate_order_number("9999998", second, tracker, DOMAIN)
    assert result["order_number"] == "9999998" and result["order"] is None
    assert responses(second) == ["utter_order_not_found_continue"]
    assert any("9999998" in note for note in result["bot_tried"])


async def test_text_without_an_order_number_is_refused_and_no_number_is_accepted():
    form = ValidateProblemReportForm()
    dispatcher = CollectingDispatcher()
    result = await form.validate_order_number(
        "boh non so", dispatcher, make_tracker("boh non so", "inform"), DOMAIN
    )
    assert result["order_number"] is None
    assert responses(dispatcher) == ["utter_order_number_invalid"]
    dispatcher = CollectingDispatcher()
    result = await form.validate_order_number(
        "no non ce l'ho", dispatcher, make_tracker("no non ce l'ho", "deny"), DOMAIN
    )
    assert result["order_number"] == "-" and dispatcher.messages == []


async def test_required_slots_ask_less_of_a_frustrated_customer_and_email_only_when_missing():
    form = ValidateProblemReportForm()
    all_slots = ["order_number", "description", "email", "summary_confirmed"]
    d = CollectingDispatcher()
    assert await form.required_slots(
        all_slots, d, make_tracker("x", "inform", slots={"mood": "frustrated"}), DOMAIN
    ) == ["order_number"]
    with_email = {"order": {"email": "luca.bianchi@example.it"}}
    assert "email" not in await form.required_slots(
        all_slots, d, make_tracker("x", "inform", slots=with_email), DOMAIN
    )
    without = {"order": {"email": None}}
    assert "email" in await form.required_slots(
        all_slots, d, make_tracker("x", "inform", slots=without), DOMAIN
    )


async def test_email_is_validated():
    form = ValidateProblemReportForm()
    dispatcher = CollectingDispatcher()
    bad = await form.validate_email("mario chiocciola gmail", dispatcher, make_tracker("x", "inform"), DOMAIN)
    assert bad == {"email": None} and responses(dispatcher) == ["utter_email_invalid"]
    good = await form.validate_email(
        "scrivete a Mario.Rossi@Gmail.com grazie", CollectingDispatcher(), make_tracker("x", "inform"), DOMAIN
    )
    assert good == {"email": "mario.rossi@gmail.com"}


async def test_summary_correction_asks_the_story_again_or_takes_a_new_number():
    form = ValidateProblemReportForm()
    dispatcher = CollectingDispatcher()
    result = await form.validate_summary_confirmed(False, dispatcher, make_tracker("no", "deny"), DOMAIN)
    assert result == {"summary_confirmed": None, "description": None}
    assert responses(dispatcher) == ["utter_ask_correction"]

    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "no, è il 1234567", "inform", entities=[{"entity": "order_number", "value": "1234567"}]
    )
    result = await form.validate_summary_confirmed(False, dispatcher, tracker, DOMAIN)
    assert result == {"summary_confirmed": None} and dispatcher.messages == []
    assert await form.validate_summary_confirmed(True, dispatcher, tracker, DOMAIN) == {
        "summary_confirmed": True
    }


async def test_summary_shows_order_and_the_customers_words():
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "",
        "inform",
        slots={
            "order_number": "2345678",
            "order": {"product": "il tavolo da pranzo Oslo"},
            "order_verified": "email",
            "description": "gamba spezzata",
        },
    )
    await ActionAskSummaryConfirmed().run(dispatcher, tracker, DOMAIN)
    [message] = dispatcher.messages
    assert message["response"] == "utter_case_summary"
    assert (message["order_number"], message["product"], message["description"]) == (
        "2345678",
        "il tavolo da pranzo Oslo",
        "gamba spezzata",
    )


async def test_submit_hands_the_case_off(hub):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "sì",
        "affirm",
        slots={
            "problem_type": "item_damaged",
            "order_number": "2345678",
            "order": {
                "number": "2345678",
                "product": "il tavolo da pranzo Oslo",
                "email": "luca.bianchi@example.it",
                "customer_name": "Luca Bianchi",
            },
            "description": "gamba spezzata",
            "customer_words": TABLE_STORY,
            "mood": "neutral",
        },
    )
    events = await ActionSubmitProblemReport().run(dispatcher, tracker, DOMAIN)
    body = hub.last("handoff")["body"]
    assert body["reason"] == "problem" and body["summary"]["mood"] == "neutral"
    assert body["summary"]["order_number"] == "2345678"
    assert body["summary"]["customer_words"] == TABLE_STORY
    assert body["summary"]["email"] == "luca.bianchi@example.it"
    assert body["summary"]["customer_name"] == "Luca Bianchi"
    assert responses(dispatcher) == ["utter_handoff_assigned"]
    assert dispatcher.messages[0]["agent_name"] == "Serena"
    assert SlotSet("handoff_status", "assigned") in events


async def test_change_delivery_is_solved_when_the_order_allows_it(hub, demo_orders):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "sì",
        "affirm",
        slots={
            "problem_type": "change_delivery",
            "order_number": "4567890",
            "order": {"number": "4567890", "delivery_change_allowed": True},
            "order_verified": "postcode",
            "description": "vorrei giovedì",
        },
    )
    await ActionSubmitProblemReport().run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_delivery_change_done", "utter_offer_human"]
    assert demo_orders.delivery_changes == {"4567890": "vorrei giovedì"}
    assert hub.requests == []  # solved by the bot: nobody is bothered


async def test_change_delivery_not_allowed_goes_to_a_person(hub):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "sì",
        "affirm",
        slots={
            "problem_type": "change_delivery",
            "order_number": "2345678",
            "order": {"number": "2345678", "delivery_change_allowed": False},
            "order_verified": "email",
        },
    )
    await ActionSubmitProblemReport().run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_delivery_change_not_possible", "utter_handoff_assigned"]
    assert any("consegna" in note for note in hub.last("handoff")["body"]["summary"]["bot_tried"])


async def test_a_customer_signed_in_on_the_shops_site_is_not_asked_to_prove_their_order(hub):
    form = ValidateProblemReportForm()
    tracker = make_tracker("2345678", "inform", slots={"problem_type": "item_damaged"})
    tracker.events[-1]["metadata"] = {"visitor_id": "v1", "verified_email": "luca.bianchi@example.it"}
    dispatcher = CollectingDispatcher()
    result = await form.validate_order_number("2345678", dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_order_found_delivered"]  # read back at once
    assert (result["order_verified"], result["email_verified"]) == ("token", True)
    # signed in as someone else: the order is not theirs to read
    other = make_tracker("2345678", "inform", slots={"problem_type": "item_damaged"})
    other.events[-1]["metadata"] = {"visitor_id": "v2", "verified_email": "giulia.rossi@example.it"}
    quiet = CollectingDispatcher()
    result = await form.validate_order_number("2345678", quiet, other, DOMAIN)
    assert quiet.messages == [] and not result["order_verified"]


async def test_a_wrong_proof_is_validated_through_the_form_as_rasa_runs_it(hub):
    """The form validates only the slots its required_slots name at that moment: the proof answer
    (a candidate Rasa just extracted) must still be required, or a wrong e-mail would pass unchecked
    straight to the summary (and the typed address would become the case's)."""
    form = ValidateProblemReportForm()
    found = await form.validate_order_number(
        "1234567", CollectingDispatcher(), make_tracker("1234567", "inform"), DOMAIN
    )
    slots = {
        **found,
        "problem_type": "item_damaged",
        "description": "vetro rotto",
        "requested_slot": "order_proof",
    }
    tracker = make_tracker(
        "mario@x.it", "inform", entities=[{"entity": "email", "value": "mario@x.it"}], slots=slots
    )
    # what Rasa's form action sends: the slot candidates extracted from the message, last
    for name in ("email", "order_proof"):
        tracker.events.append({"event": "slot", "name": name, "value": "mario@x.it"})
        tracker.slots[name] = "mario@x.it"
    domain = {
        "forms": {
            "problem_report_form": {
                "required_slots": ["order_number", "order_proof", "description", "email", "summary_confirmed"]
            }
        },
        "slots": {},
    }
    dispatcher = CollectingDispatcher()
    events = await form.run(dispatcher, tracker, domain)
    assert "utter_order_proof_wrong" in responses(dispatcher)
    assert {"event": "slot", "name": "order_proof", "value": None, "timestamp": None} in events
    assert not any(r.startswith("utter_order_found") for r in responses(dispatcher))


async def test_the_proof_is_asked_once_and_after_a_wrong_answer_only_the_refusal_speaks():
    from bot.actions.orders import ActionAskOrderProof

    first = CollectingDispatcher()
    await ActionAskOrderProof().run(first, make_tracker("1234567", "inform"), DOMAIN)
    assert responses(first) == ["utter_ask_order_proof"]
    again = CollectingDispatcher()
    await ActionAskOrderProof().run(
        again, make_tracker("x", "inform", slots={"order_proof_failures": 1}), DOMAIN
    )
    assert again.messages == []
