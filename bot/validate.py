"""`make validate`: Rasa's data validation, failing on every warning that is not explained.

Rasa 3.6's validator warns about two things that are by design here, and about which it
cannot know better:

* a response that no rule or story names, because an action says it (``response=`` in
  bot/actions, or a problem type's ``policy`` in bot/problems.yml), a form asks with it (``utter_ask_<slot>``), the hub says it
  (``utter_hub_*`` and the ``utter_handoff_*`` it shares with the bot), or agents send it
  from the console (``utter_canned_*``);
* an intent with no training examples because only the hub triggers it
  (``handoff_resolved`` and ``case_detail``, through Rasa's ``trigger_intent`` API).

This script runs the same checks as ``rasa data validate`` and accepts those warnings
only after proving each explanation (the response name really appears in the code that
says it); anything else — including a response that nothing uses — fails.
"""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXTERNAL_INTENTS = {"handoff_resolved", "case_detail"}
UNUSED_RESPONSE = re.compile(r"The utterance '([^']+)' is not used in any story or rule\.")
NO_EXAMPLES = re.compile(r"The intent '([^']+)' is listed in the domain file, but is not found in the NLU")


def names_in_code() -> set[str]:
    """Response names (``utter_…``) that appear literally, or as an f-string prefix, in code, and
    the policy responses of the problem registry (action_start_case says them)."""
    from bot.problems import registry

    names: set[str] = {p.policy for p in registry().problems if p.policy}
    for folder in ("bot/actions", "handoff"):
        for path in (ROOT / folder).rglob("*.py"):
            names.update(re.findall(r"utter_[a-z0-9_]+", path.read_text(encoding="utf-8")))
    return names


def explained(response: str, code_names: set[str], form_slots: set[str]) -> bool:
    """True when something other than a rule or story is shown to say ``response``."""
    if response.startswith("utter_ask_") and response[len("utter_ask_") :] in form_slots:
        return True
    if response.startswith("utter_canned_"):
        return True
    if response in code_names:
        return True
    # f"utter_ack_{problem}" and the like: a prefix in code that ends with "_"
    return any(name.endswith("_") and response.startswith(name) for name in code_names)


def main() -> int:
    """Validate; print each warning; exit 1 on any unexplained one."""
    from rasa.shared.importers.importer import TrainingDataImporter
    from rasa.utils.common import EXPECTED_WARNINGS  # the ones `rasa data validate` hides too
    from rasa.validator import Validator

    importer = TrainingDataImporter.load_from_config(
        config_path=str(ROOT / "config.yml"),
        domain_path=str(ROOT / "domain.yml"),
        training_data_paths=[str(ROOT / "bot/data")],
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        validator = Validator.from_importer(importer)
        checks = [
            validator.verify_domain_validity(),
            validator.verify_intents_in_stories(False),
            validator.verify_example_repetition_in_intents(False),
            validator.verify_utterances_in_stories(False),
            validator.verify_forms_in_stories_rules(),
            validator.verify_actions_in_stories_rules(),
            validator.verify_form_slots(),
            validator.verify_slot_mappings(),
            validator.verify_story_structure(False, max_history=5),
        ]
        validator.warn_if_config_mandatory_keys_are_not_set()

    form_slots = {slot for form in validator.domain.forms.values() for slot in form.get("required_slots", [])}
    code_names = names_in_code()
    problems: list[str] = []
    accepted: list[str] = []
    for warning in caught:
        text = str(warning.message)
        if not issubclass(warning.category, UserWarning) or any(
            issubclass(warning.category, category) and re.match(pattern, text)
            for category, pattern in EXPECTED_WARNINGS
        ):
            continue
        unused = UNUSED_RESPONSE.search(text)
        no_examples = NO_EXAMPLES.search(text)
        if unused and explained(unused.group(1), code_names, form_slots):
            accepted.append(unused.group(1))
        elif no_examples and no_examples.group(1) in EXTERNAL_INTENTS:
            accepted.append(no_examples.group(1))
        else:
            problems.append(text.splitlines()[0])

    # A failed check without a warning (e.g. story conflicts print through logging) still fails.
    failed_checks = [str(i) for i, ok in enumerate(checks) if ok is False]
    for problem in problems:
        print(f"WARNING: {problem}")
    print(
        f"rasa data validate: {len(problems)} warning(s); {len(accepted)} explained "
        f"(said by actions, forms, the hub or the console, or triggered by the hub)"
    )
    if failed_checks and not problems:
        print(f"validation checks failed: {', '.join(failed_checks)}")

    from bot.content_checks import check_register

    content = check_register(ROOT / "domain.yml")
    for problem in content:
        print(problem)
    print(f"controlli dei contenuti: {len(content)} problema/i")
    return 1 if problems or failed_checks or content else 0


if __name__ == "__main__":
    sys.exit(main())
