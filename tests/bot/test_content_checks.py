"""The content checks of `make validate` (bot/content_checks.py, bot/validate.py): the real content
passes; each edit an editor could get wrong, made to a copy of the content, gets its one sentence
with file and line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.content_checks import HELD_OUT, check_register, examples, read_content, run
from bot.validate import main
from tests.support.content import copy_content

FORMAL = "\n      condition:\n        - type: slot\n          name: register\n          value: formal"
FRUSTRATED = "\n      condition:\n        - type: slot\n          name: mood\n          value: frustrated"
REPO = Path(__file__).resolve().parents[2]


def domain(tmp_path: Path, responses: str) -> Path:
    path = tmp_path / "domain.yml"
    path.write_text('version: "3.1"\nresponses:\n' + responses, encoding="utf-8")
    return path


# --- a copy of the content, broken the way an editor would ----------------------------------------


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """The repository's content files, copied to a temporary content root."""
    return copy_content(tmp_path / "content")


def edit(root: Path, name: str, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in a content file."""
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not in {name} exactly once"
    path.write_text(text.replace(old, new), encoding="utf-8")


def replace_response(root: Path, name: str, block: str) -> None:
    """Replace a whole response of the copy's domain.yml (from its name to the next one)."""
    path = root / "domain.yml"
    text = path.read_text(encoding="utf-8")
    match = re.search(rf"^  {name}:\n(?:(?:    .*|\s*)\n)*", text, re.M)
    assert match, name
    path.write_text(text[: match.start()] + block + text[match.end() :], encoding="utf-8")


def line_of(root: Path, name: str, needle: str) -> int:
    """The 1-based line of the first line of a content file that contains ``needle``."""
    lines = (root / name).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if needle in line)


def problems(root: Path) -> list[str]:
    return [str(p) for p in run(root).problems]


def validate(root: Path) -> subprocess.CompletedProcess[str]:
    """`python -m bot.validate --root ROOT`, as the release tool runs it."""
    return subprocess.run(
        [sys.executable, "-m", "bot.validate", "--root", str(root)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"},
    )


def only(found: list[str], path: str, line: int, *words: str) -> str:
    """The one problem found, at ``path:line``, with all ``words`` in it."""
    assert len(found) == 1, found
    assert found[0].startswith(f"{path}:{line}: "), found
    for word in words:
        assert word in found[0], (word, found)
    return found[0]


# --- the real content -----------------------------------------------------------------------------


def test_the_project_s_own_responses_pass():
    assert check_register(REPO / "domain.yml") == []


def test_the_real_repository_passes_every_content_check():
    report = run(REPO)
    assert [str(p) for p in report.problems] == []
    assert not report.blocking and report.checks == 8


def test_a_copy_of_the_content_passes_the_whole_validation(content, capsys, monkeypatch):
    # in this process (Rasa is imported already): the same as `python -m bot.validate --root …`
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    assert main(["--root", str(content)]) == 0
    out = capsys.readouterr().out
    assert re.fullmatch(r"Tutto a posto: 18 controlli superati\.", out.strip()), out


# --- 1. YAML syntax ---------------------------------------------------------------------------------


def test_broken_indentation_is_one_sentence_and_rasa_does_not_run(content):
    edit(
        content,
        "domain.yml",
        "responses:\n",
        'responses:\n  utter_nuova:\n    - text: "Eccomi."\n   utter_altra:\n    - text: "Salve."\n',
    )
    line = line_of(content, "domain.yml", "   utter_altra:")
    done = validate(content)
    assert done.returncode == 1
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 2, done.stdout
    assert lines[0].startswith(f"domain.yml:{line}: il YAML non è valido: un rientro non torna"), lines
    assert "utter_altra" in lines[0]  # the line is shown
    assert lines[1] == "1 problema da correggere."
    assert "Traceback" not in done.stderr and "Rasa" not in done.stdout


def test_a_colon_in_an_unquoted_text_is_explained(content):
    edit(content, "shops/casa/shop.yml", "  return_days: 30", "  return_days: 30\n  note: orari: 9-18")
    only(
        problems(content),
        "shops/casa/shop.yml",
        line_of(content, "shops/casa/shop.yml", "note:"),
        "«:»",
        "virgolette",
    )


def test_a_broken_training_file_skips_the_checks_that_need_it(content):
    edit(
        content,
        "bot/data/rules/smalltalk.yml",
        "      - action: utter_greet\n",
        "      - action: utter_greet\n\t\n",
    )
    # the rule file cannot be read: its responses are not called unused, nothing crashes
    only(
        problems(content),
        "bot/data/rules/smalltalk.yml",
        line_of(content, "bot/data/rules/smalltalk.yml", "\t"),
        "tabulazione",
    )


def test_a_key_written_twice_is_refused(content):
    edit(content, "shops/casa/shop.yml", "  refund_days: 14", "  refund_days: 14\n  return_days: 20")
    only(
        problems(content),
        "shops/casa/shop.yml",
        line_of(content, "shops/casa/shop.yml", "return_days: 20"),
        "due volte",
    )


# --- 2. responses used and defined ------------------------------------------------------------------


def test_a_rule_saying_an_unknown_response_is_named_and_sorted_with_the_rest(content):
    edit(
        content,
        "bot/data/rules/smalltalk.yml",
        "- intent: greet\n      - action: utter_greet",
        "- intent: greet\n      - action: utter_nonexistent",
    )
    edit(
        content,
        "domain.yml",
        "  utter_policy_return:\n",
        '  utter_policy_return:\n    - text: "Siamo aperti {orario_apertura}."\n',
    )
    done = validate(content)  # Rasa's validation runs too: its English warning is not repeated
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    rule = line_of(content, "bot/data/rules/smalltalk.yml", "utter_nonexistent")
    response = line_of(content, "domain.yml", "{orario_apertura}")
    assert lines[0].startswith(
        f"bot/data/rules/smalltalk.yml:{rule}: la regola «greet» usa utter_nonexistent"
    ), lines
    assert "correggi il nome" in lines[0]
    assert lines[1].startswith(
        f"domain.yml:{response}: la risposta utter_policy_return usa {{orario_apertura}}"
    )
    assert lines[2:] == ["2 problemi da correggere."], lines


def test_a_response_nothing_says_is_named(content):
    edit(
        content,
        "domain.yml",
        "responses:\n",
        'responses:\n  utter_orario:\n    - text: "Oggi."\n    - text: "Domani."\n',
    )
    only(
        problems(content),
        "domain.yml",
        line_of(content, "domain.yml", "utter_orario:"),
        "utter_orario",
        "non la dice nessuno",
    )


def test_an_unknown_response_under_actions_is_named(content):
    edit(
        content, "domain.yml", "  - action_add_case_detail\n", "  - action_add_case_detail\n  - utter_ghost\n"
    )
    only(
        problems(content),
        "domain.yml",
        line_of(content, "domain.yml", "- utter_ghost"),
        "utter_ghost",
        "sotto actions:",
    )


def test_a_response_the_code_says_cannot_be_renamed(content):
    edit(content, "domain.yml", "  utter_ticket_found:\n", "  utter_ticket_found_ok:\n")
    found = problems(content)
    said = [p for p in found if "manca la risposta utter_ticket_found," in p]
    assert said and "bot/actions/tickets.py:" in said[0], found
    assert any("utter_ticket_found_ok non la dice nessuno" in p for p in found), found


# --- 3. placeholders ----------------------------------------------------------------------------------


def test_a_placeholder_nothing_fills_is_refused_until_the_shop_has_it(content):
    edit(
        content,
        "domain.yml",
        "  utter_policy_return:\n",
        '  utter_policy_return:\n    - text: "Siamo aperti {orario_apertura}."\n',
    )
    line = line_of(content, "domain.yml", "{orario_apertura}")
    only(
        problems(content),
        "domain.yml",
        line,
        "utter_policy_return",
        "{orario_apertura}",
        "nessuno riempie",
        "shops/casa/shop.yml",
    )
    edit(
        content,
        "shops/casa/shop.yml",
        "  refund_days: 14",
        '  refund_days: 14\n  orario_apertura: "dalle 9 alle 18"',
    )
    assert problems(content) == []


def test_a_value_the_code_passes_fills_only_the_response_it_is_passed_with(content):
    # {carrier} is passed with the order-status responses (order.template_values()), not with utter_greet
    edit(content, "domain.yml", "  utter_greet:\n", '  utter_greet:\n    - text: "Spediamo con {carrier}."\n')
    only(
        problems(content),
        "domain.yml",
        line_of(content, "domain.yml", "{carrier}"),
        "utter_greet",
        "{carrier}",
    )


# --- 4. and 5. examples ---------------------------------------------------------------------------------


def test_an_example_under_two_intents_is_named_with_both_places(content):
    late = next(
        e
        for e in examples(read_content(content).doc("bot/data/nlu/problems.yml"))
        if e.intent == "delivery_late"
    )
    edit(
        content,
        "bot/data/nlu/orders.yml",
        "      - stato ordine\n",
        f"      - stato ordine\n      -   {late.text.upper()}\n",
    )
    pasted = line_of(content, "bot/data/nlu/orders.yml", late.text.upper())
    only(
        problems(content),
        late.path,
        late.line,
        f"l'esempio «{late.text}»",
        "«delivery_late»",
        f"è anche sotto l'intento «order_status» (bot/data/nlu/orders.yml:{pasted})",
        "lascialo in uno solo",
    )


def test_a_held_out_sentence_pasted_into_training_is_named_where_it_was_pasted(content):
    exam = examples(read_content(content).doc(HELD_OUT))
    greeting = next(e for e in exam if e.intent == "greet")
    edit(
        content,
        "bot/data/nlu/smalltalk.yml",
        "      - ciao\n",
        f"      - ciao\n      - {greeting.text.upper()}  \n",
    )
    line = line_of(content, "bot/data/nlu/smalltalk.yml", greeting.text.upper())
    only(problems(content), "bot/data/nlu/smalltalk.yml", line, "esame", f"({HELD_OUT}:{greeting.line})")


# --- 6. variations -------------------------------------------------------------------------------------


def test_a_response_of_two_rules_with_one_variation_is_refused(content):
    replace_response(
        content, "utter_iamabot", '  utter_iamabot:\n    - text: "Sono un assistente virtuale."\n'
    )
    line = line_of(content, "domain.yml", "utter_iamabot:")
    only(problems(content), "domain.yml", line, "utter_iamabot", "una sola variante", "2 passi")


def test_the_answer_to_a_common_intent_with_one_variation_is_refused(content):
    # utter_how_can_help is said by one rule only, in answer to `affirm`
    replace_response(
        content, "utter_how_can_help", '  utter_how_can_help:\n    - text: "Come posso aiutare?"\n'
    )
    line = line_of(content, "domain.yml", "utter_how_can_help:")
    only(problems(content), "domain.yml", line, "utter_how_can_help", "una sola variante", "«affirm»")


# --- 7. the frustrated acknowledgement -------------------------------------------------------------------


def test_a_new_problem_type_needs_its_frustrated_acknowledgement(content):
    edit(
        content,
        "bot/problems.yml",
        "    solver: delivery_change\n",
        "    solver: delivery_change\n  price_match:\n    label: Prezzo\n    skill: price_match\n",
    )
    only(
        problems(content),
        "bot/problems.yml",
        line_of(content, "bot/problems.yml", "price_match:"),
        "utter_ack_price_match",
        "mood: frustrated",
    )
    edit(
        content,
        "domain.yml",
        "responses:\n",
        'responses:\n  utter_ack_price_match:\n    - text: "Vediamo il prezzo."\n    - text: "Controllo il prezzo."\n',
    )
    only(
        problems(content),
        "domain.yml",
        line_of(content, "domain.yml", "utter_ack_price_match:"),
        "utter_ack_price_match",
        "aggiungi una variante con la condizione mood: frustrated",
    )
    edit(
        content,
        "domain.yml",
        '    - text: "Controllo il prezzo."\n',
        f'    - text: "Controllo il prezzo."\n    - text: "Capisco, controllo subito il prezzo."{FRUSTRATED}\n',
    )
    assert problems(content) == []


# --- 8. tu and Lei ----------------------------------------------------------------------------------------


def test_tu_and_lei_mixed_in_a_real_response_is_named_at_its_line(content):
    edit(
        content, "domain.yml", '  utter_greet:\n    - text: "', '  utter_greet:\n    - text: "La ringrazio. '
    )
    only(
        problems(content),
        "domain.yml",
        line_of(content, "domain.yml", "La ringrazio. "),
        "utter_greet",
        "mescola",
        "usane uno solo",
    )


def test_a_good_pair_passes(tmp_path):
    path = domain(
        tmp_path,
        '  utter_x:\n    - text: "Ti ringrazio, puoi scrivermi quando vuoi."\n'
        f'    - text: "La ringrazio, può scrivermi quando vuole."{FORMAL}\n'
        '  utter_neutral:\n    - text: "Il rimborso arriva entro 14 giorni."\n',
    )
    assert check_register(path) == []


def test_a_response_with_tu_and_no_formal_variation_is_named_with_its_line(tmp_path):
    path = domain(
        tmp_path, '  utter_ok:\n    - text: "Grazie."\n  utter_x:\n    - text: "Dimmi pure, ti ascolto."\n'
    )
    [problem] = check_register(path)
    assert problem.line == 5 and "utter_x" in problem.message and "register: formal" in problem.message


def test_each_condition_needs_its_formal_counterpart(tmp_path):
    path = domain(
        tmp_path,
        '  utter_x:\n    - text: "Dimmi pure."\n'
        f'    - text: "Mi dica pure."{FORMAL}\n'
        f'    - text: "Ti capisco, dimmi."{FRUSTRATED}\n',
    )
    [problem] = check_register(path)
    assert "mood: frustrated" in problem.message


def test_mixing_tu_and_lei_in_one_variation_is_refused(tmp_path):
    path = domain(tmp_path, f'  utter_x:\n    - text: "La ringrazio, dimmi pure."{FORMAL}\n')
    problems = check_register(path)
    assert any("mescola" in p.message and "«dimmi»" in p.message for p in problems), problems


def test_a_formal_variation_must_speak_lei_and_a_default_must_not(tmp_path):
    path = domain(
        tmp_path,
        '  utter_x:\n    - text: "Dimmi pure."\n'
        f'    - text: "Dimmi pure, ti ascolto."{FORMAL}\n'
        '  utter_y:\n    - text: "La ringrazio per la pazienza."\n',
    )
    messages = [p.message for p in check_register(path)]
    assert any("variante formale" in m and "utter_x" in m for m in messages), messages
    assert any("utter_y" in m and "dà del Lei" in m for m in messages), messages


# --- the shop's profile -------------------------------------------------------------------------------


def test_a_mistake_in_the_shop_profile_is_named_with_its_line(content):
    edit(content, "shops/casa/shop.yml", "{name: panca, gender: f,", "{name: panca, gender: x,")
    only(
        problems(content),
        "shops/casa/shop.yml",
        line_of(content, "shops/casa/shop.yml", "{name: panca"),
        "profilo del negozio",
        "gender",
    )


def test_the_shop_s_own_examples_must_use_its_intents_and_its_products(content):
    own = content / "shops" / "casa" / "nlu.yml"
    own.write_text(
        'version: "3.1"\nnlu:\n  - intent: item_damaged\n    examples: |\n'
        "      - la gamba del [tavolo](product) è storta\n"
        "      - lo schermo del [televisore](product) è crepato\n"
        "  - intent: complimento\n    examples: |\n      - bravissimi\n",
        encoding="utf-8",
    )
    found = problems(content)
    assert found == [
        "shops/casa/nlu.yml:6: «televisore» non è un prodotto di shop.yml: aggiungilo ai products (o ai sinonimi)",
        "shops/casa/nlu.yml:7: l'intento complimento non è in domain.yml",
    ]
