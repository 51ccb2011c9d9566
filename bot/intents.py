"""Intent names the code relies on (DESIGN.md's contract), defined once."""

# The problems that follow LATTE: acknowledge, apologise once, gather the case, hand off.
PROBLEM_INTENTS = (
    "delivery_late",
    "item_damaged",
    "missing_parts",
    "wrong_item",
    "return_request",
    "refund_request",
    "warranty_claim",
    "cancel_order",
    "change_delivery",
)
# Intents that are about an order: the support-domain guard watches these.
SUPPORT_INTENTS = ("order_status", *PROBLEM_INTENTS)
