"""`make validate`: the content checks (bot/content_checks.py), then Rasa's data validation.

Usage: ``python -m bot.validate [--root DIR]``. DIR is the *content root* (default: the repository):
where domain.yml, config.yml, bot/data, bot/problems.yml, the shop profile (shops/<id>/shop.yml) and tests/bot/nlu_test.yml
are read, e.g. a copy of the content in a temporary folder. The code that says responses
(bot/actions, handoff/) is always read from the repository. Each problem is printed as
``file:line: sentence`` (paths relative to DIR), sorted by file and line, then one last line:
"Tutto a posto: N controlli superati." (exit 0) or "N problemi da correggere." (exit 1).

When a content file cannot be read (broken YAML, a repeated key, a missing file) the editor sees that
one sentence; Rasa's validation does not run, as it would only fail on the same file.

Rasa 3.6's validator warns about two things that are by design here, and about which it
cannot know better:

* a response that no rule or story names, because an action says it (``response=`` in
  bot/actions, or a problem type's ``policy`` in bot/problems.yml), a form asks with it (``utter_ask_<slot>``), the hub says it
  (``utter_hub_*`` and the ``utter_handoff_*`` it shares with the bot), or agents send it
  from the console (``utter_canned_*``);
* an intent with no training examples because only the hub triggers it
  (``handoff_resolved`` and ``case_detail``, through Rasa's ``trigger_intent`` API).

Those warnings are accepted only after proving each explanation (the response name really appears in
the code that says it); a response that nothing uses is named by the content checks, in Italian,
and so is every other Rasa warning those checks already explain (an unknown response in a rule, an
example under two intents). Any other Rasa warning, or a Rasa check that fails, is a problem too.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parent.parent
EXTERNAL_INTENTS = {"handoff_resolved", "case_detail"}
UNUSED_RESPONSE = re.compile(r"The utterance '([^']+)' is not used in any story or rule\.")
NO_EXAMPLES = re.compile(r"The intent '([^']+)' is listed in the domain file, but is not found in the NLU")
UNKNOWN_RESPONSE = re.compile(
    r"The action '([^']+)' is used in the stories, but is not a valid utterance"
    r"|Action '([^']+)' is listed as a response action in the domain file, but there is no matching response"
)
# Rasa logs (rather than warns) what these checks find; the editor reads it in words.
LOGGED = {"verify_story_structure": "storie o regole in conflitto (dopo gli stessi passi fanno cose diverse)"}
REPEATED_EXAMPLE = re.compile(r"The example '(.*)' was found labeled with multiple different intents", re.S)


class _Records(logging.Handler):
    """Rasa's log warnings (story conflicts are logged, not warned)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _captured(run: Callable[[], Any]) -> tuple[Any, list[str], list[str]]:
    """Run ``run``; return its result, its UserWarnings and its log warnings (nothing is printed)."""
    from rasa.utils.common import EXPECTED_WARNINGS  # the ones `rasa data validate` hides too

    logger = logging.getLogger("rasa")
    records = _Records()
    propagate = logger.propagate
    logger.addHandler(records)
    logger.propagate = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = run()
    finally:
        logger.removeHandler(records)
        logger.propagate = propagate
    texts = [
        str(w.message)
        for w in caught
        if issubclass(w.category, UserWarning)
        and not any(
            issubclass(w.category, category) and re.match(pattern, str(w.message))
            for category, pattern in EXPECTED_WARNINGS
        )
    ]
    return result, texts, records.messages


def rasa_validation(root: Path, report: Any) -> tuple[list[Any], int, int]:
    """Rasa's checks on the content of ``root``: (problems, checks run, warnings explained)."""
    from bot.content_checks import Problem

    try:
        return _rasa_validation(root, report)
    except Exception as exc:  # Rasa could not read the content: say it, do not crash
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        hint = ": correggi prima i problemi sopra" if report.problems else ""
        return [Problem("", 0, f"Rasa non riesce a leggere i dati ({first}){hint}.")], 1, 0


def _rasa_validation(root: Path, report: Any) -> tuple[list[Any], int, int]:
    from rasa.shared.importers.importer import TrainingDataImporter
    from rasa.validator import Validator

    from bot.content_checks import Problem, _problem_types, explained, names_in_code, norm, read_content

    def load() -> Validator:
        importer = TrainingDataImporter.load_from_config(
            config_path=str(root / "config.yml"),
            domain_path=str(root / "domain.yml"),
            training_data_paths=[str(root / "bot/data")],
        )
        return Validator.from_importer(importer)

    validator, texts, logs = _captured(load)
    checks: list[tuple[str, Callable[[], bool]]] = [
        ("verify_domain_validity", validator.verify_domain_validity),
        ("verify_intents_in_stories", lambda: validator.verify_intents_in_stories(False)),
        (
            "verify_example_repetition_in_intents",
            lambda: validator.verify_example_repetition_in_intents(False),
        ),
        ("verify_utterances_in_stories", lambda: validator.verify_utterances_in_stories(False)),
        ("verify_forms_in_stories_rules", validator.verify_forms_in_stories_rules),
        ("verify_actions_in_stories_rules", validator.verify_actions_in_stories_rules),
        ("verify_form_slots", validator.verify_form_slots),
        ("verify_slot_mappings", validator.verify_slot_mappings),
        ("verify_story_structure", lambda: validator.verify_story_structure(False, max_history=5)),
        ("config", lambda: validator.warn_if_config_mandatory_keys_are_not_set() or True),
    ]
    form_slots = {slot for form in validator.domain.forms.values() for slot in form.get("required_slots", [])}
    policies = {policy for _, _, policy, _ in _problem_types(read_content(root)) if policy}
    code_names = names_in_code(policies)
    problems: list[Problem] = []
    explained_count = 0

    def judge(text: str) -> Optional[bool]:
        """True: explained; False: a problem; None: the content checks already named it."""
        unused = UNUSED_RESPONSE.search(text)
        if unused and explained(unused.group(1), code_names, form_slots):
            return True
        if unused and unused.group(1) in report.covered_responses:
            return None
        no_examples = NO_EXAMPLES.search(text)
        if no_examples and no_examples.group(1) in EXTERNAL_INTENTS:
            return True
        unknown = UNKNOWN_RESPONSE.search(text)
        if unknown and (unknown.group(1) or unknown.group(2)) in report.covered_responses:
            return None
        repeated = REPEATED_EXAMPLE.search(text)
        if repeated and norm(repeated.group(1)) in report.covered_examples:
            return None
        return False

    results: list[tuple[str, bool, list[str], list[str]]] = [("load", True, texts, logs)]
    for name, check in checks:
        ok, texts, logs = _captured(check)
        results.append((name, ok is not False, texts, logs))
    for name, ok, texts, logs in results:
        verdicts = [judge(text) for text in texts]
        explained_count += sum(1 for v in verdicts if v is True)
        own = [text.splitlines()[0] for text, v in zip(texts, verdicts, strict=True) if v is False]
        own += [f"{LOGGED.get(name, name)}: {' '.join(line.split())}" for line in logs]
        problems += [Problem("", 0, f"Rasa: {text}") for text in own]
        if not ok and not own and None not in verdicts:
            problems.append(Problem("", 0, f"Rasa: il controllo {name} non è passato."))
    return problems, len(checks), explained_count


def main(argv: Optional[list[str]] = None) -> int:
    """Validate the content of --root; print each problem and a last line; exit 1 on any problem."""
    parser = argparse.ArgumentParser(prog="python -m bot.validate", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--root",
        type=Path,
        default=ROOT,
        help="the content root: domain.yml, config.yml, bot/data, bot/problems.yml, the shop profile (shops/<id>/shop.yml) and "
        "tests/bot/nlu_test.yml are read there (default: the repository)",
    )
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if not root.is_dir():
        print(f"{args.root}: la cartella non c'è.")
        return 2
    # quiet Rasa for editors: no TensorFlow notices, no progress bars, no deprecation notices
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from bot.content_checks import run

        report = run(root)
        problems = list(report.problems)
        checks = report.checks
        if not report.blocking:
            found, rasa_checks, _ = rasa_validation(root, report)
            problems += found
            checks += rasa_checks
    for problem in sorted(problems, key=lambda p: p.sort_key()):
        print(problem)
    if not problems:
        print(f"Tutto a posto: {checks} controlli superati.")
        return 0
    print("1 problema da correggere." if len(problems) == 1 else f"{len(problems)} problemi da correggere.")
    return 1


if __name__ == "__main__":
    sys.exit(main())
