"""Checks of what content editors write, each failure one plain Italian sentence with file and line.

`make validate` (bot/validate.py) runs them before Rasa's own validation. They read the YAML files
directly (with the line of every item), so they run in a second and need no trained model. The
content is read from a *content root* (the repository, or a copy of its content files in a
temporary folder); the code that says responses (bot/actions, handoff/) is always the repository's.

The checks, in the order of CHECKS:

1. ``yaml``: every content file is valid YAML without a repeated key; a broken file is named once,
   with its line and what is wrong in plain words, and the other checks skip it.
2. ``responses``: every response a rule, a story, domain ``actions:``, a form, a problem type's policy
   or the code uses is defined in domain.yml, and every response defined is used by something.
3. ``placeholders``: every ``{placeholder}`` of a response can be filled where the response is said.
4. ``duplicates``: no training example is listed under two intents.
5. ``held_out``: no sentence of the held-out exam (tests/bot/nlu_test.yml, and tests/bot/out_of_domain.yml
   when the root has it) is in the training data.
6. ``variations``: a response said often has more than one variation.
7. ``frustrated``: each problem type has its acknowledgement with a variation for a frustrated customer.
8. ``register``: tu and Lei are not mixed, and a response that gives the tu has its Lei variations.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

import yaml

from sportello import shop
from sportello.problems import registry
from sportello.responses import FORMAL, REGISTER_SLOT, conditions

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
PLACEHOLDER_NAME = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
MARKUP = re.compile(r"\[([^\]]+)\]\((?:[^)]+)\)|\[([^\]]+)\]\{[^}]+\}")
RESPONSE_NAME = re.compile(r"utter_[a-z0-9_]+")

DOMAIN = "domain.yml"
CONFIG = "config.yml"
DATA = "bot/data"
PROBLEMS = "bot/problems.yml"


def _shop_file() -> str:
    """The running shop's profile (SPORTELLO_SHOP), relative to the project when it is inside it."""
    path = shop.resolve_folder() / shop.SHOP_FILE_NAME
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


SHOP = _shop_file()
HELD_OUT = "tests/bot/nlu_test.yml"
# Also held out (tests/bot/test_nlu.py), checked when the content root has it.
OUT_OF_DOMAIN = "tests/bot/out_of_domain.yml"
REQUIRED_FILES = (DOMAIN, CONFIG, PROBLEMS, SHOP, HELD_OUT)
CODE_FOLDERS = ("bot/actions", "handoff")

CHECKS = (
    "yaml",
    "responses",
    "placeholders",
    "duplicates",
    "held_out",
    "variations",
    "frustrated",
    "register",
)

# Check 6. A response is "said often" when two or more steps of rules or stories say it, or when it
# answers one of these intents (the latest `intent:` before its step in a rule or story): the small
# talk nearly every conversation has, so a customer hears the answer again and again.
COMMON_INTENTS = frozenset({"greet", "goodbye", "thank", "affirm", "deny", "bot_challenge"})

# Check 3. Values the hub fills when *it* says a response (handoff/), which a static reading of the
# code cannot follow: the hand-off outcome and the queue (`wait` is the phrase of utter_wait_one or
# utter_wait_many for `eta_minutes`, from Router.wait), the e-mails' link and the agent's messages
# (Mailer._words gets them from its callers). They count only for responses handoff/ code names.
HUB_VALUES = frozenset(
    {"agent_name", "ticket_id", "queue_position", "eta_minutes", "wait", "email", "link", "messages"}
)
# The calls that say a response, whose keyword arguments fill its placeholders: rasa-sdk's
# dispatcher.utter_message(response=…, name=value) and the hub's self.responses.render/text(name, …).
SAY_CALLS = frozenset({"utter_message", "render", "text"})
CANNED_PREFIX = "utter_canned_"


@dataclass(frozen=True)
class Problem:
    """One thing to fix: where, and what, in a sentence for the editor."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        if self.path and self.line:
            return f"{self.path}:{self.line}: {self.message}"
        return f"{self.path}: {self.message}" if self.path else self.message

    def sort_key(self) -> tuple[bool, str, int, str]:
        """By file and line; messages without a file (Rasa's) last."""
        return (not self.path, self.path, self.line, self.message)


def relative(path: Path, root: Path = ROOT) -> str:
    """The path as the editor sees it, from the content root."""
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(path)


def norm(text: str) -> str:
    """An example compared with the others: entity markup [x](y) reduced to x, lower case, one space."""
    plain = MARKUP.sub(lambda m: m.group(1) or m.group(2), str(text))
    return " ".join(plain.lower().split())


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _maybe(name: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.75)
    return f" (forse {close[0]}?)" if close else ""


# --- YAML with lines -------------------------------------------------------------------------


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def get(node: Optional[yaml.Node], key: str) -> Optional[yaml.Node]:
    """The value node of ``key`` in a mapping node (None when absent or not a mapping)."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return value
    return None


def items(node: Optional[yaml.Node]) -> list[tuple[yaml.Node, yaml.Node]]:
    """(key node, value node) pairs of a mapping node; [] for anything else."""
    return list(node.value) if isinstance(node, yaml.MappingNode) else []


def elements(node: Optional[yaml.Node]) -> list[yaml.Node]:
    """The items of a sequence node; [] for anything else."""
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def scalar(node: Optional[yaml.Node]) -> Optional[str]:
    return node.value if isinstance(node, yaml.ScalarNode) else None


# libyaml when PyYAML has it (ten times faster on the NLU files); the pure-Python parser explains errors.
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse(text: str, loader: type = FAST_LOADER) -> tuple[Optional[yaml.Node], Any]:
    """The node tree (with lines) and the data of a YAML text; yaml.YAMLError when it is broken."""
    parser = loader(text)
    try:
        node = parser.get_single_node()
        return node, parser.construct_document(node) if node is not None else None
    finally:
        parser.dispose()


def response_lines(path: Path) -> dict[tuple[str, int], int]:
    """The line (1-based) of every variation of every response: {(name, index): line}; (name, -1)
    is the line of the name."""
    return _response_lines(parse(Path(path).read_text(encoding="utf-8"))[0])


def _response_lines(root: Optional[yaml.Node]) -> dict[tuple[str, int], int]:
    lines: dict[tuple[str, int], int] = {}
    for name_node, variations in items(get(root, "responses")):
        lines[(name_node.value, -1)] = _line(name_node)
        for index, item in enumerate(elements(variations)):
            lines[(name_node.value, index)] = _line(item)
    return lines


# What PyYAML says, in words an editor can act on (the first that matches wins).
YAML_WORDS = (
    (
        "mapping values are not allowed",
        "c'è un «:» dove non può stare: se il testo contiene i due punti, mettilo tutto tra virgolette",
    ),
    ("could not find expected ':'", "manca uno spazio dopo i due punti o un rientro non torna"),
    ("found character '\\t'", "c'è un carattere di tabulazione: per i rientri usa solo spazi"),
    (
        "found unknown escape character",
        "tra virgolette doppie c'è una \\ non valida: scrivi \\\\ oppure usa le virgolette semplici",
    ),
    ("found unexpected end of stream", "una virgoletta aperta qui non viene mai chiusa"),
    (
        "but found '<scalar>'",
        "dopo le virgolette (o la parentesi graffa) di chiusura c'è altro testo: "
        "racchiudi tutto il testo tra virgolette doppie e non usarle dentro il testo (scrivi « »)",
    ),
    (
        "expected <block end>",
        "un rientro non torna, in questa riga o in quella sopra: allinea le righe dello stesso livello",
    ),
    ("did not find expected key", "un rientro non torna, o manca il «- » all'inizio di un elemento"),
    (
        "did not find expected '-' indicator",
        "un elemento della lista non inizia con «- », o il rientro non torna",
    ),
    ("did not find expected <document start>", "un rientro non torna, o una riga non ha i due punti"),
    ("found undefined alias", "un testo che inizia con * va messo tra virgolette"),
    ("cannot start any token", "un testo che inizia con @ o ` va messo tra virgolette"),
)


def _yaml_error(path: str, text: str, exc: yaml.YAMLError) -> Problem:
    """One sentence for a YAML syntax error, at the line where the editor has to look."""
    problem = str(getattr(exc, "problem", "") or exc)
    mark = getattr(exc, "problem_mark", None)
    context = getattr(exc, "context_mark", None)
    if "end of stream" in problem and context is not None:
        mark = context  # an unclosed quote: where it opens, not the end of the file
    line = mark.line + 1 if mark is not None else 1
    words = next((w for pattern, w in YAML_WORDS if pattern in problem), None)
    what = words or "controlla rientri, due punti e virgolette"
    lines = text.splitlines()
    shown = f" (riga: «{_short(lines[line - 1].strip(), 60)}»)" if 0 < line <= len(lines) else ""
    return Problem(path, line, f"il YAML non è valido: {what}{shown}.")


def _repeated_keys(path: str, node: Optional[yaml.Node]) -> list[Problem]:
    """A key written twice in one mapping (PyYAML keeps the last, Rasa refuses the file)."""
    problems = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value in current.value:
                key = scalar(key_node)
                if key is not None and key in seen:
                    problems.append(
                        Problem(
                            path,
                            _line(key_node),
                            f"il YAML non è valido: «{key}» c'è due volte (anche alla riga {seen[key]}): "
                            "rinominane uno o uniscili.",
                        )
                    )
                elif key is not None:
                    seen[key] = _line(key_node)
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return problems


@dataclass
class Document:
    """A content file read with its lines: ``node`` for where things are, ``data`` for what they are."""

    path: str
    node: Optional[yaml.Node]
    data: Any


@dataclass
class Content:
    """The content files of a root, read once; ``problems`` are the files that could not be read."""

    root: Path
    docs: dict[str, Document] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)

    def doc(self, path: str) -> Optional[Document]:
        """A readable document, or None (missing or broken: already reported)."""
        return self.docs.get(path)

    def data_docs(self) -> list[Document]:
        """The readable files under bot/data, in path order."""
        return [d for p, d in sorted(self.docs.items()) if p.startswith(DATA + "/")]

    @property
    def data_broken(self) -> bool:
        return any(p.startswith(DATA + "/") for p in self.broken)


def content_files(root: Path) -> list[str]:
    """The content files of a root (paths relative to it), required ones even when missing."""
    found = set(REQUIRED_FILES)
    data = Path(root) / DATA
    if data.is_dir():
        found.update(relative(p, root) for p in data.rglob("*") if p.suffix in (".yml", ".yaml"))
    if (Path(root) / OUT_OF_DOMAIN).is_file():
        found.add(OUT_OF_DOMAIN)
    return sorted(found)


def read_content(root: Path) -> Content:
    """Read every content file; a missing file, a syntax error or a repeated key is a problem."""
    content = Content(Path(root))
    for path in content_files(root):
        full = Path(root) / path
        if not full.is_file():
            content.problems.append(Problem(path, 1, f"il file {path} non c'è: rimettilo al suo posto."))
            content.broken.add(path)
            continue
        text = full.read_text(encoding="utf-8")
        try:
            node, data = parse(text)
        except yaml.YAMLError:
            try:  # the same error, in PyYAML's words that YAML_WORDS knows
                parse(text, yaml.SafeLoader)
                raise
            except yaml.YAMLError as exc:
                content.problems.append(_yaml_error(path, text, exc))
            content.broken.add(path)
            continue
        repeated = _repeated_keys(path, node)
        if repeated:
            content.problems.extend(repeated)
            content.broken.add(path)
            continue
        content.docs[path] = Document(path, node, data)
    return content


# --- what the content says ---------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    intent: str
    text: str
    path: str
    line: int


def examples(doc: Document) -> list[Example]:
    """The intent examples of an NLU file, each with its line."""
    found = []
    for block in elements(get(doc.node, "nlu")):
        intent = scalar(get(block, "intent"))
        listed = get(block, "examples")
        if intent is None or listed is None:
            continue
        if isinstance(listed, yaml.ScalarNode):
            # a literal block (|) keeps its lines: the k-th line is k lines below the "|"
            first = listed.start_mark.line + 2 if listed.style == "|" else None
            for k, raw in enumerate(listed.value.split("\n")):
                stripped = raw.strip()
                if stripped.startswith("- "):
                    line = first + k if first is not None else _line(listed)
                    found.append(Example(intent, stripped[2:].strip(), doc.path, line))
        for item in elements(listed):
            text = scalar(item) if isinstance(item, yaml.ScalarNode) else scalar(get(item, "text"))
            if text is not None:
                found.append(Example(intent, text.strip(), doc.path, _line(item)))
    return found


@dataclass(frozen=True)
class Step:
    """An action step of a rule or story: what it does, where, and the intent(s) it answers."""

    action: str
    path: str
    line: int
    block: str  # "la regola «…»" or "la storia «…»"
    intents: frozenset[str]


def action_steps(doc: Document) -> list[Step]:
    """Every `action:` of the rules and stories of a file (steps and conditions)."""
    found = []
    for kind in ("rules", "stories"):
        for block in elements(get(doc.node, kind)):
            title = scalar(get(block, "rule")) or scalar(get(block, "story")) or "?"
            name = f"la regola «{title}»" if kind == "rules" else f"la storia «{title}»"
            for step in elements(get(block, "condition")):
                action = get(step, "action")
                if scalar(action):
                    found.append(Step(scalar(action), doc.path, _line(action), name, frozenset()))
            answering: frozenset[str] = frozenset()
            for step in elements(get(block, "steps")):
                if get(step, "intent") is not None:
                    answering = frozenset({scalar(get(step, "intent")) or ""})
                elif get(step, "or") is not None:
                    answering = frozenset(
                        scalar(get(option, "intent")) for option in elements(get(step, "or"))
                    ) - {None}
                action = get(step, "action")
                if scalar(action):
                    found.append(Step(scalar(action), doc.path, _line(action), name, answering))
    return found


@dataclass
class Domain:
    """What the checks need from domain.yml: responses (data and lines), slots, forms, actions."""

    path: str
    responses: dict[str, list[Any]]
    lines: dict[tuple[str, int], int]
    responses_line: int
    slots: dict[str, Any]
    forms: dict[str, list[str]]
    form_slot_lines: dict[tuple[str, str], int]
    actions: dict[str, int]

    @classmethod
    def of(cls, doc: Document) -> Domain:
        data = doc.data if isinstance(doc.data, dict) else {}
        responses = data.get("responses") if isinstance(data.get("responses"), dict) else {}
        forms: dict[str, list[str]] = {}
        form_slot_lines: dict[tuple[str, str], int] = {}
        for form_node, spec in items(get(doc.node, "forms")):
            slots = [scalar(s) for s in elements(get(spec, "required_slots")) if scalar(s)]
            forms[form_node.value] = slots
            for slot_node in elements(get(spec, "required_slots")):
                form_slot_lines[(form_node.value, scalar(slot_node) or "")] = _line(slot_node)
        actions = {}
        for entry in elements(get(doc.node, "actions")):
            name = scalar(entry) or (scalar(entry.value[0][0]) if items(entry) else None)
            if name:
                actions[name] = _line(entry)
        responses_node = next((k for k, _ in items(doc.node) if k.value == "responses"), None)
        return cls(
            path=doc.path,
            responses={str(k): v if isinstance(v, list) else [] for k, v in responses.items()},
            lines=_response_lines(doc.node),
            responses_line=_line(responses_node) if responses_node is not None else 1,
            slots=data.get("slots") if isinstance(data.get("slots"), dict) else {},
            forms=forms,
            form_slot_lines=form_slot_lines,
            actions=actions,
        )

    def line(self, name: str, index: int = -1) -> int:
        return self.lines.get((name, index), self.lines.get((name, -1), 1))

    @property
    def form_slots(self) -> set[str]:
        return {slot for slots in self.forms.values() for slot in slots}


def _problem_types(content: Content) -> list[tuple[str, int, Optional[str], int]]:
    """(intent, line, policy, policy line) of each problem type of bot/problems.yml."""
    doc = content.doc(PROBLEMS)
    found = []
    for name_node, entry in items(get(doc.node if doc else None, "problems")):
        policy = get(entry, "policy")
        found.append((name_node.value, _line(name_node), scalar(policy), _line(policy) if policy else 0))
    return found


# --- what the code says ------------------------------------------------------------------------


@dataclass
class CodeFacts:
    """What bot/actions and handoff/ say: response names (exact, or f-string prefixes such as
    "utter_handoff_"), the values they pass with them, and the slots the actions set."""

    said: dict[str, tuple[str, int]] = field(default_factory=dict)
    values: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    hub: set[str] = field(default_factory=set)
    slot_sets: set[str] = field(default_factory=set)

    def values_for(self, response: str) -> set[str]:
        """Names the code passes when it says ``response`` (by its name or a prefix of it)."""
        found: set[str] = set()
        for mention, names in self.values.items():
            if mention == response or (mention.endswith("_") and response.startswith(mention)):
                found |= names
        return found

    def hub_says(self, response: str) -> bool:
        return any(m == response or (m.endswith("_") and response.startswith(m)) for m in self.hub)


def _terminal(func: ast.expr) -> Optional[str]:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def _said_by(call: ast.AST) -> Optional[ast.expr]:
    """The response argument of a call that says one (SAY_CALLS), else None."""
    if not isinstance(call, ast.Call) or _terminal(call.func) not in SAY_CALLS:
        return None
    if _terminal(call.func) != "utter_message":
        # the hub's self.responses.render/text(name, …), not any other .text(…)
        owner = call.func.value if isinstance(call.func, ast.Attribute) else None
        if not (owner is not None and (_terminal(owner) or "").endswith("responses")):
            return None
    response = next((kw.value for kw in call.keywords if kw.arg in ("response", "template")), None)
    return response if response is not None else (call.args[0] if call.args else ast.Constant(None))


def _mentions(tree: ast.AST) -> Iterator[tuple[str, int]]:
    """Response names in string literals (exact) and f-string prefixes ("utter_ack_") of a tree."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if RESPONSE_NAME.fullmatch(node.value):
                yield node.value, node.lineno
        elif isinstance(node, ast.JoinedStr) and node.values:
            first = node.values[0]
            if isinstance(first, ast.Constant) and str(first.value).startswith("utter_"):
                yield str(first.value), node.lineno


def _dict_keys(node: ast.AST) -> set[str]:
    """String keys of a dict literal or dict(...) call."""
    if isinstance(node, ast.Dict):
        return {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    if isinstance(node, ast.Call) and _terminal(node.func) == "dict":
        return {kw.arg for kw in node.keywords if kw.arg}
    return set()


def _returned_keys(functions: dict[str, list[ast.AST]], name: Optional[str]) -> set[str]:
    """Keys of the dicts that the functions called ``name`` return."""
    keys: set[str] = set()
    for function in functions.get(name or "", []):
        for node in ast.walk(function):
            if isinstance(node, ast.Return) and node.value is not None:
                keys |= _dict_keys(node.value)
    return keys


def _splatted(
    function: ast.AST,
    value: ast.expr,
    functions: dict[str, list[ast.AST]],
    seen: frozenset[str] = frozenset(),
) -> set[str]:
    """The names ``**value`` passes: a dict, a call whose function returns a dict, or a local
    variable built from those (assigned, updated, or set key by key in the same function)."""
    if isinstance(value, ast.Await):
        value = value.value
    if isinstance(value, ast.Call) and _terminal(value.func) != "dict":
        return _returned_keys(functions, _terminal(value.func))
    keys = _dict_keys(value)
    if not isinstance(value, ast.Name) or value.id in seen:
        return keys
    seen = seen | {value.id}
    for node in ast.walk(function):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets, assigned = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, assigned = [node.target], node.value
        if any(isinstance(t, ast.Name) and t.id == value.id for t in targets):
            keys |= _splatted(function, assigned, functions, seen)
        for target in targets:
            if (
                isinstance(target, ast.Subscript)
                and isinstance(target.value, ast.Name)
                and target.value.id == value.id
                and isinstance(target.slice, ast.Constant)
                and isinstance(target.slice.value, str)
            ):
                keys.add(target.slice.value)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "update"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == value.id
        ):
            for arg in node.args:
                keys |= _splatted(function, arg, functions, seen)
            keys |= {kw.arg for kw in node.keywords if kw.arg}
    return keys


@lru_cache(maxsize=1)
def code_facts(repo: Path = ROOT) -> CodeFacts:
    """Read bot/actions and handoff/ once (the repository's code, whatever the content root)."""
    facts = CodeFacts()
    trees: list[tuple[str, ast.AST]] = []
    for folder in CODE_FOLDERS:
        for path in sorted((repo / folder).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            trees.append((relative(path, repo), ast.parse(text)))
            if folder == "bot/actions":
                facts.slot_sets.update(re.findall(r"SlotSet\(\s*[\"']([A-Za-z0-9_]+)[\"']", text))
    functions: dict[str, list[ast.AST]] = defaultdict(list)
    for _, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions[node.name].append(node)
    for path, tree in trees:
        for name, line in _mentions(tree):
            if not name.endswith("_"):
                facts.said.setdefault(name, (path, line))
            if path.startswith("handoff/"):
                facts.hub.add(name)
        for function in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
            mentioned = {name for name, _ in _mentions(function)}
            if not mentioned:
                continue
            for call in ast.walk(function):
                said = _said_by(call)
                if said is None:
                    continue
                passed: set[str] = set()
                for kw in call.keywords:
                    if kw.arg is None:
                        passed |= _splatted(function, kw.value, functions)
                    elif kw.arg not in ("response", "template"):
                        passed.add(kw.arg)
                # the response named in the call, or (a variable) any response the function names
                for name in {name for name, _ in _mentions(said)} or mentioned:
                    facts.values[name] |= passed
    return facts


# --- responses said by code (not by a rule or a story) ------------------------------------------


def names_in_code(policies: Optional[Iterable[str]] = None) -> set[str]:
    """Response names (``utter_…``) that appear literally, or as an f-string prefix, in code, and
    the policy responses of the problem registry (action_start_case says them): ``policies`` when
    given (the content root's bot/problems.yml), else the repository's registry."""
    if policies is None:
        policies = {p.policy for p in registry().problems if p.policy}
    names: set[str] = set(policies)
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


# --- the checks ----------------------------------------------------------------------------------


def check_responses(content: Content, domain: Domain, code: CodeFacts) -> list[Problem]:
    """Every response used is defined; every response defined is used (by a rule or a story, or
    explained by bot/validate.py: said by an action, a form, the hub, the console, a policy)."""
    defined = set(domain.responses)
    problems: list[Problem] = []

    def undefined(name: str) -> str:
        return f"{name}, una risposta che {domain.path} non ha{_maybe(name, defined)}"

    steps = [s for doc in content.data_docs() for s in action_steps(doc)]
    for step in steps:
        if step.action.startswith("utter_") and step.action not in defined:
            problems.append(
                Problem(
                    step.path,
                    step.line,
                    f"{step.block} usa {undefined(step.action)}: correggi il nome, oppure aggiungi la "
                    "risposta sotto responses:.",
                )
            )
    for name, line in domain.actions.items():
        if name.startswith("utter_") and name not in defined:
            problems.append(
                Problem(
                    domain.path,
                    line,
                    f"sotto actions: c'è {name}, ma sotto responses: non c'è una risposta con questo nome"
                    f"{_maybe(name, defined)}: aggiungila o togli la riga.",
                )
            )
    for form, slots in domain.forms.items():
        for slot in slots:
            asks = {f"utter_ask_{slot}", f"utter_ask_{form}_{slot}"}
            if not asks & defined and not {f"action_ask_{slot}", f"action_ask_{form}_{slot}"} & set(
                domain.actions
            ):
                problems.append(
                    Problem(
                        domain.path,
                        domain.form_slot_lines.get((form, slot), 1),
                        f"il modulo {form} chiede {slot}, ma manca la domanda: aggiungi la risposta "
                        f"utter_ask_{slot}.",
                    )
                )
    policies = set()
    for intent, _, policy, policy_line in _problem_types(content):
        if policy:
            policies.add(policy)
            if policy not in defined:
                problems.append(
                    Problem(
                        PROBLEMS,
                        policy_line,
                        f"il tipo di problema {intent} ha come policy {undefined(policy)}: correggi il nome "
                        "o aggiungi la risposta.",
                    )
                )
    for name, (path, line) in sorted(code.said.items()):
        if name not in defined and not name.startswith(CANNED_PREFIX):
            problems.append(
                Problem(
                    domain.path,
                    domain.responses_line,
                    f"manca la risposta {name}, che il programma dice ({path}:{line}): rimettila con "
                    "questo nome (non si può rinominare né togliere).",
                )
            )

    if content.data_broken or PROBLEMS in content.broken:
        return problems  # where a response is used cannot be known: no "never used" guesses
    in_steps = {s.action for s in steps}
    code_names = names_in_code(policies)
    for name in domain.responses:
        if name in in_steps or explained(name, code_names, domain.form_slots):
            continue
        problems.append(
            Problem(
                domain.path,
                domain.line(name),
                f"la risposta {name} non la dice nessuno (né una regola, né una storia, né le azioni, i "
                "moduli, l'hub o la console): usala in una regola o in una storia, oppure toglila.",
            )
        )
    return problems


def _texts(variation: Any) -> list[str]:
    """The words of a variation that are filled in: its text and its buttons' titles."""
    if not isinstance(variation, dict):
        return []
    texts = [variation["text"]] if isinstance(variation.get("text"), str) else []
    for button in variation.get("buttons") or []:
        if isinstance(button, dict) and isinstance(button.get("title"), str):
            texts.append(button["title"])
    return texts


def _slots_set(domain: Domain, code: CodeFacts) -> set[str]:
    """Slots something fills: a mapping that is not custom, a form, SlotSet in the actions, or an
    initial value."""
    found = set(domain.form_slots) | (set(domain.slots) & code.slot_sets)
    for name, spec in domain.slots.items():
        spec = spec if isinstance(spec, dict) else {}
        mappings = spec.get("mappings") or []
        if spec.get("initial_value") is not None or any(
            isinstance(m, dict) and m.get("type") not in (None, "custom") for m in mappings
        ):
            found.add(name)
    return found


def _intents(domain_doc: Any) -> set[str]:
    data = getattr(domain_doc, "data", None) or {}
    return {i if isinstance(i, str) else next(iter(i)) for i in data.get("intents") or []}


def check_shop(path: Path, domain_intents: set[str] = frozenset()) -> list[Problem]:
    """The shop's profile: what the assistant needs of it, and the catalogue rows it can use."""
    try:
        profile = shop.load(path.parent)
    except shop.ShopError as exc:
        return [Problem(SHOP, exc.line, f"profilo del negozio: {exc.detail}")]
    problems = []
    if profile.catalogue is not None:
        from sportello.catalogue import rows

        for problem in rows(profile.catalogue, profile)[1]:
            where, _, message = problem.partition(": ")
            file, _, line = where.rpartition(":")
            name = str(Path(SHOP).parent / Path(file).name)
            problems.append(Problem(name, int(line) if line.isdigit() else 1, f"catalogo: {message}"))
    problems += _check_shop_examples(path.parent, profile, domain_intents)
    return problems


def _check_shop_examples(folder: Path, profile: Any, intents: set[str]) -> list[Problem]:
    """The shop's own examples (nlu.yml next to shop.yml): intents the assistant has, products the
    shop sells."""
    own = folder / "nlu.yml"
    if not own.is_file():
        return []
    name = str(Path(SHOP).parent / "nlu.yml")
    text = own.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return [
            Problem(
                name, mark.line + 1 if mark else 1, f"il YAML non è valido ({getattr(exc, 'problem', exc)})"
            )
        ]
    problems = []
    lines = text.splitlines()

    def line_of(needle: str) -> int:
        return next((i + 1 for i, line in enumerate(lines) if needle in line), 1)

    for block in data.get("nlu") or []:
        intent = block.get("intent") if isinstance(block, dict) else None
        if intent is None:
            continue
        if intents and intent not in intents:
            problems.append(
                Problem(name, line_of(f"intent: {intent}"), f"l'intento {intent} non è in domain.yml")
            )
        for product in re.findall(r"\[([^\]]+)\]\(product\)", str(block.get("examples") or "")):
            if profile.product(product) is None:
                problems.append(
                    Problem(
                        name,
                        line_of(f"[{product}](product)"),
                        f"«{product}» non è un prodotto di shop.yml: aggiungilo ai products (o ai sinonimi)",
                    )
                )
    return problems


def check_placeholders(content: Content, domain: Domain, code: CodeFacts) -> list[Problem]:
    """A {placeholder} must be a slot that something sets, a shop fact (shops/<id>/shop.yml), or a value the
    code passes when it says that response (HUB_VALUES for those the hub says). The console fills
    canned replies (utter_canned_*) with the shop's facts only."""
    profile = content.doc(SHOP)
    given = profile.data.get("facts") if profile and isinstance(profile.data, dict) else None
    facts = set(given or {}) | set(shop.DERIVED_FACTS)
    slots = _slots_set(domain, code)
    problems = []
    for name, variations in domain.responses.items():
        if name.startswith(CANNED_PREFIX):
            allowed = set(facts)
        else:
            allowed = slots | facts | code.values_for(name) | (HUB_VALUES if code.hub_says(name) else set())
        reported: set[str] = set()
        for index, variation in enumerate(variations):
            for text in _texts(variation):
                for placeholder in PLACEHOLDER_NAME.findall(text):
                    if placeholder in allowed or placeholder in reported:
                        continue
                    reported.add(placeholder)
                    if name.startswith(CANNED_PREFIX):
                        why = (
                            "le risposte pronte per la console possono usare solo i dati di "
                            f"{SHOP} ({', '.join(sorted(facts)) or 'nessuno'})"
                        )
                    elif placeholder in domain.slots:
                        why = f"lo slot {placeholder} esiste, ma nessuno lo riempie"
                    else:
                        why = (
                            f"non è uno slot, né un dato di {SHOP}, né un valore che il programma passa "
                            "a questa risposta"
                        )
                    problems.append(
                        Problem(
                            domain.path,
                            domain.line(name, index),
                            f"la risposta {name} usa {{{placeholder}}}, che nessuno riempie ({why})"
                            f"{_maybe(placeholder, allowed)}: correggi il nome, oppure, se è un dato del "
                            f"negozio, aggiungilo a {SHOP}.",
                        )
                    )
    return problems


def check_duplicates(training: list[Example]) -> list[Problem]:
    """An example under two intents (same text once lower-cased, without entity markup and with
    single spaces): named where it appears the second time, with the first place."""
    first: dict[str, list[Example]] = defaultdict(list)
    problems = []
    for example in sorted(training, key=lambda e: (e.path, e.line)):
        key = norm(example.text)
        other = next((e for e in first[key] if e.intent != example.intent), None)
        if other is not None:
            problems.append(
                Problem(
                    example.path,
                    example.line,
                    f"l'esempio «{_short(example.text)}» (intento «{example.intent}») è anche sotto "
                    f"l'intento «{other.intent}» ({other.path}:{other.line}): lascialo in uno solo.",
                )
            )
        first[key].append(example)
    return problems


def _under_two_intents(training: list[Example]) -> set[str]:
    intents: dict[str, set[str]] = defaultdict(set)
    for example in training:
        intents[norm(example.text)].add(example.intent)
    return {text for text, found in intents.items() if len(found) > 1}


def _held_out(content: Content) -> list[tuple[str, str, int]]:
    """(text, file, line) of the held-out sentences: the NLU exam and, when present, out-of-domain."""
    found = []
    doc = content.doc(HELD_OUT)
    if doc:
        found += [(e.text, e.path, e.line) for e in examples(doc)]
    ood = content.doc(OUT_OF_DOMAIN)
    if ood:
        for _, texts in items(get(ood.node, "topics")):
            found += [
                (t.value, ood.path, _line(t)) for t in elements(texts) if isinstance(t, yaml.ScalarNode)
            ]
    return found


def check_held_out(content: Content, training: list[Example]) -> list[Problem]:
    """A held-out sentence (tests/bot/nlu_test.yml) must not be a training example."""
    exam: dict[str, tuple[str, int]] = {}
    for text, path, line in _held_out(content):
        exam.setdefault(norm(text), (path, line))
    problems = []
    for example in training:
        where = exam.get(norm(example.text))
        if where:
            problems.append(
                Problem(
                    example.path,
                    example.line,
                    f"l'esempio «{_short(example.text)}» è anche nell'esame ({where[0]}:{where[1]}), che "
                    "l'assistente non deve vedere durante l'addestramento: toglilo da qui o riscrivilo con "
                    "parole tue.",
                )
            )
    return problems


def check_variations(content: Content, domain: Domain) -> list[Problem]:
    """A response said often needs more than one variation (customers notice a sentence repeated).
    "Often": said by 2 or more steps of rules and stories, or in answer to a COMMON_INTENTS intent
    (the latest intent before its step). Its `text` variations, all conditions together, count."""
    steps = [s for doc in content.data_docs() for s in action_steps(doc)]
    uses: dict[str, list[Step]] = defaultdict(list)
    for step in steps:
        if step.action in domain.responses:
            uses[step.action].append(step)
    problems = []
    for name, said in sorted(uses.items()):
        texts = [v for v in domain.responses[name] if isinstance(v, dict) and isinstance(v.get("text"), str)]
        if len(texts) != 1:
            continue
        common = sorted({i for s in said for i in s.intents} & COMMON_INTENTS)
        if len(said) >= 2:
            why = f"la dicono {len(said)} passi di regole o storie"
        elif common:
            why = f"risponde all'intento «{common[0]}», che i clienti scrivono spesso"
        else:
            continue
        problems.append(
            Problem(
                domain.path,
                domain.line(name),
                f"la risposta {name} ha una sola variante, ma {why}: aggiungine almeno un'altra con parole "
                "diverse (e la sua variante formale).",
            )
        )
    return problems


def _is_frustrated(variation: Any) -> bool:
    return isinstance(variation, dict) and any(
        slot == "mood" and str(value).casefold() == "frustrated" for slot, value in conditions(variation)
    )


def check_frustrated(content: Content, domain: Domain) -> list[Problem]:
    """Each problem type of bot/problems.yml has utter_ack_<problem>, with a variation for the
    condition mood: frustrated."""
    problems = []
    for intent, line, _, _ in _problem_types(content):
        name = f"utter_ack_{intent}"
        if name not in domain.responses:
            problems.append(
                Problem(
                    PROBLEMS,
                    line,
                    f"il tipo di problema {intent} non ha la sua risposta di riconoscimento: aggiungi "
                    f"{name} in {domain.path}, con una variante con la condizione mood: frustrated.",
                )
            )
        elif not any(_is_frustrated(v) for v in domain.responses[name]):
            problems.append(
                Problem(
                    domain.path,
                    domain.line(name),
                    f"la risposta {name} non ha una variante per il cliente frustrato: aggiungi una variante "
                    "con la condizione mood: frustrated.",
                )
            )
    return problems


def _describe(conds: frozenset[tuple[str, Any]]) -> str:
    if not conds:
        return "la variante senza condizioni"
    return "le varianti con " + ", ".join(f"{name}: {value}" for name, value in sorted(conds, key=str))


def check_register(domain_path: Path, root: Optional[Path] = None) -> list[Problem]:
    """Tu and Lei: no variation mixes them; a variation for `register: formal` speaks Lei and the
    others do not; a response that gives the tu has a formal variation for each of its conditions."""
    from bot.components.register import STRONG, WEAK, score_register

    node, data = parse(Path(domain_path).read_text(encoding="utf-8"))
    responses = data.get("responses") if isinstance(data, dict) else None
    responses = responses if isinstance(responses, dict) else {}
    lines = _response_lines(node)
    where = relative(domain_path, root or ROOT)
    problems: list[Problem] = []
    for name, variations in responses.items():
        if not isinstance(variations, list):
            continue
        informal_sets: set[frozenset[tuple[str, Any]]] = set()
        formal_sets: set[frozenset[tuple[str, Any]]] = set()
        for index, variation in enumerate(variations):
            if not isinstance(variation, dict) or not isinstance(variation.get("text"), str):
                continue
            line = lines.get((name, index), lines.get((name, -1), 1))
            score = score_register(PLACEHOLDER.sub("", variation["text"]))
            conds = frozenset(conditions(variation))
            is_formal = (REGISTER_SLOT, FORMAL) in conds
            rest = frozenset(c for c in conds if c[0] != REGISTER_SLOT)
            tu_cues, lei_cues = score.informal_cues, score.formal_cues
            if score.formal >= STRONG - 0.5 and score.informal >= WEAK:
                problems.append(
                    Problem(
                        where,
                        line,
                        f"La risposta {name} mescola il tu ({', '.join(tu_cues)}) e il Lei "
                        f"({', '.join(lei_cues)}) nella stessa frase: usane uno solo.",
                    )
                )
                continue
            if is_formal:
                formal_sets.add(rest)
                if score.informal >= WEAK:
                    problems.append(
                        Problem(
                            where,
                            line,
                            f"La variante formale (register: formal) di {name} dà del tu "
                            f"({', '.join(tu_cues)}): scrivila con il Lei.",
                        )
                    )
            else:
                if score.formal >= STRONG - 0.5:
                    problems.append(
                        Problem(
                            where,
                            line,
                            f"La variante di {name} senza la condizione register: formal dà del Lei "
                            f"({', '.join(lei_cues)}): aggiungi la condizione, oppure scrivila con il tu.",
                        )
                    )
                if score.informal >= WEAK:
                    informal_sets.add(frozenset(conds))
        for missing in sorted(informal_sets - formal_sets, key=lambda c: sorted(map(str, c))):
            problems.append(
                Problem(
                    where,
                    lines.get((name, -1), 1),
                    f"La risposta {name} dà del tu ma non ha una variante formale per "
                    f"{_describe(missing)}: aggiungine una con anche la condizione register: formal "
                    "(il Lei, per i clienti che scrivono in modo formale).",
                )
            )
    return problems


def _variation_shapes(domain: Domain) -> list[Problem]:
    """A variation that is not `- text: …` (e.g. `- text:"…"`, without the space, is one plain text)."""
    problems = []
    for name, variations in domain.responses.items():
        for index, variation in enumerate(variations):
            if not isinstance(variation, dict):
                problems.append(
                    Problem(
                        domain.path,
                        domain.line(name, index),
                        f"una variante di {name} non è nella forma «- text: …»: manca uno spazio dopo i due "
                        "punti, o il rientro non torna.",
                    )
                )
    return problems


@dataclass
class Report:
    """The problems found, how many checks ran, and what Rasa's own validation may skip."""

    problems: list[Problem]
    checks: int
    blocking: bool  # a file cannot be read: Rasa's validation would only repeat it, or crash
    covered_responses: set[str] = field(default_factory=set)
    covered_examples: set[str] = field(default_factory=set)


def run(root: Path = ROOT, repo: Path = ROOT) -> Report:
    """Every check on the content of ``root`` (code from ``repo``); problems sorted by file and line."""
    content = read_content(root)
    problems = list(content.problems)
    domain_doc = content.doc(DOMAIN)
    training = [e for doc in content.data_docs() for e in examples(doc)]
    problems += check_duplicates(training)
    problems += check_held_out(content, training)
    covered_responses: set[str] = set()
    if domain_doc is not None:
        domain = Domain.of(domain_doc)
        code = code_facts(repo)
        shapes = _variation_shapes(domain)
        problems += shapes
        responses = check_responses(content, domain, code)
        problems += responses
        covered_responses = {n for p in responses for n in RESPONSE_NAME.findall(p.message)}
        if SHOP not in content.broken:
            problems += check_placeholders(content, domain, code)
        problems += check_variations(content, domain)
        if PROBLEMS not in content.broken:
            problems += check_frustrated(content, domain)
        problems += check_register(Path(root) / DOMAIN, root)
    if SHOP not in content.broken:
        problems += check_shop(Path(root) / SHOP, _intents(domain_doc))
    return Report(
        problems=sorted(set(problems), key=Problem.sort_key),
        checks=len(CHECKS),
        blocking=bool(content.broken),
        covered_responses=covered_responses,
        covered_examples=_under_two_intents(training),
    )
