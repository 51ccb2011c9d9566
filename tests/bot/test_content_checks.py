"""The content checks of `make validate` (bot/content_checks.py): each broken edit gets its sentence."""

from __future__ import annotations

from pathlib import Path

from bot.content_checks import check_register

FORMAL = "\n      condition:\n        - type: slot\n          name: register\n          value: formal"
FRUSTRATED = "\n      condition:\n        - type: slot\n          name: mood\n          value: frustrated"


def domain(tmp_path: Path, responses: str) -> Path:
    path = tmp_path / "domain.yml"
    path.write_text('version: "3.1"\nresponses:\n' + responses, encoding="utf-8")
    return path


def test_the_project_s_own_responses_pass():
    assert check_register(Path(__file__).resolve().parents[2] / "domain.yml") == []


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
