"""The shop's profile (shops/<id>/shop.yml): its name, what it sells, its facts, the words its
customers use for its goods. One source for the bot's words, the agents' canned replies and what
`make train` derives (tools/shop_build.py).

The shop that runs is `SPORTELLO_SHOP` (a folder holding shop.yml; default: the demo, shops/casa).
A profile with a mistake raises ShopError naming the file and the line.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

import yaml

from sportello.catalogue import read_catalogue
from sportello.patterns import ORDER_DIGITS, extract_order_number, fold

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SHOP = ROOT / "shops" / "casa"
SHOP_FILE_NAME = "shop.yml"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_STEM = re.compile(r"^[a-z][a-z0-9]{2,}$")
# facts the profile itself provides to responses
DERIVED_FACTS = ("shop_name", "shop_sells", "order_number_format", "order_number_example")
PRODUCT_KEYS = {"name", "plural", "gender", "number", "category", "synonyms"}
TOP_KEYS = {
    "name",
    "sells",
    "facts",
    "products",
    "cues",
    "anchors",
    "orders",
    "catalogue",
    "order_number_digits",
}


class ShopError(ValueError):
    """A shop profile is missing, unreadable or has a mistake (the message names file and line)."""

    def __init__(self, message: str, line: int = 1, detail: str = "") -> None:
        super().__init__(message)
        self.line = line  # in shop.yml
        self.detail = detail or message  # the message without the file and line


# kept for the callers that knew the facts file only
ShopFactsError = ShopError


@dataclass(frozen=True)
class Product:
    """One kind of thing the shop sells, with the words customers use for it."""

    name: str
    gender: str  # "m" or "f"
    plural: Optional[str] = None
    number: str = "singular"  # "plural" for a noun used in the plural ("le lenzuola")
    category: str = ""
    synonyms: tuple[str, ...] = ()

    @property
    def words(self) -> tuple[str, ...]:
        """Every word customers write for it: the name, the plural, the synonyms."""
        return (self.name, *((self.plural,) if self.plural else ()), *self.synonyms)

    @property
    def is_plural(self) -> bool:
        return self.number == "plural"


@dataclass(frozen=True)
class Profile:
    """A shop's profile, checked."""

    folder: Path
    name: str
    sells: str
    facts: dict[str, Any]
    products: tuple[Product, ...]
    cues: tuple[str, ...] = ()
    anchors: tuple[str, ...] = ()
    orders: Optional[Path] = None
    catalogue: Optional[Path] = None
    catalogue_titles: dict[str, str] = field(default_factory=dict)  # model name → product name
    order_digits: tuple[int, int] = ORDER_DIGITS  # how many digits its order numbers have (least, most)

    @property
    def id(self) -> str:
        """The folder's name: "casa", "electronics"."""
        return self.folder.name

    @property
    def quoted_facts(self) -> dict[str, Any]:
        """What responses may quote: the facts, the shop's name and what it sells."""
        low, high = self.order_digits
        return {
            **self.facts,
            "shop_name": self.name,
            "shop_sells": self.sells,
            "order_number_format": f"{low} cifre" if low == high else f"da {low} a {high} cifre",
            "order_number_example": "1234567890"[:high] if high <= 10 else "1234567890",
        }

    def order_number(self, text: Any) -> Optional[str]:
        """The first order number of this shop in a customer's text."""
        return extract_order_number(str(text or ""), self.order_digits)

    def product(self, word: str) -> Optional[Product]:
        """The product a customer's word names (any of its words, case and accents ignored)."""
        wanted = fold(word).strip()
        for product in self.products:
            if any(fold(w) == wanted for w in product.words):
                return product
        return None

    def words(self) -> set[str]:
        """Every word (folded) that names something the shop sells: each single-word name, plural
        and synonym, the first word of the longer ones ("macchina del caffè" → "macchina"), the
        catalogue's model names and the cues."""
        found = set()
        for product in self.products:
            for phrase in product.words:
                parts = re.findall(r"[a-z0-9]+", fold(phrase))
                if parts:
                    found.add(parts[0])
        for title, _ in self.catalogue_titles.items():
            found.update(w for w in re.findall(r"[a-z0-9]+", fold(title)) if len(w) > 2)
        # a cue that is a whole word ("wifi") names a part of what the shop sells, never another world
        found.update(self.cues)
        return found


class _Loader(yaml.SafeLoader):
    """A YAML loader that keeps each mapping's line, for errors that say where."""


def _mapping_with_line(loader: _Loader, node: yaml.MappingNode) -> dict:
    data = loader.construct_mapping(node, deep=True)
    return _Lined(data, node.start_mark.line + 1)


class _Lined(dict):
    def __init__(self, data: dict, line: int) -> None:
        super().__init__(data)
        self.line = line


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def _line(value: Any, default: int = 1) -> int:
    return getattr(value, "line", default)


def resolve_folder(shop: Optional[str | Path] = None) -> Path:
    """The folder of the shop to use: the argument, else `SPORTELLO_SHOP`, else the demo. A
    relative path is taken from the project's root."""
    chosen = shop or os.environ.get("SPORTELLO_SHOP", "").strip() or DEFAULT_SHOP
    folder = Path(chosen)
    if folder.name == SHOP_FILE_NAME:
        folder = folder.parent
    if not folder.is_absolute():
        folder = (ROOT / folder) if not folder.exists() else folder.resolve()
    return folder


def load(shop: Optional[str | Path] = None) -> Profile:
    """The shop's profile, checked; raise ShopError with the file and line of the first mistake."""
    folder = resolve_folder(shop)
    path = folder / SHOP_FILE_NAME
    where = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        raise ShopError(
            f"{where}: no shop profile here (SPORTELLO_SHOP / SHOP names a folder with a shop.yml; "
            "see shops/casa/shop.yml)"
        ) from None
    try:
        data = yaml.load(text, Loader=_Loader) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        problem = f"not valid YAML ({getattr(exc, 'problem', exc)})"
        raise ShopError(f"{where}{line}: {problem}", mark.line + 1 if mark else 1, problem) from None
    if not isinstance(data, dict):
        raise ShopError(f"{where}:1: expected the profile's fields (name:, sells:, facts:, products:)")

    def fail(line: int, message: str) -> ShopError:
        return ShopError(f"{where}:{line}: {message}", line, message)

    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise fail(_line(data), f"unknown field {unknown[0]!r} (known: {', '.join(sorted(TOP_KEYS))})")
    for key in ("name", "sells"):
        value = data.get(key)
        if not isinstance(value, str) or not value.strip() or len(value) > 80:
            raise fail(_line(data), f"{key}: is required, a short text (80 characters at most)")

    facts = data.get("facts") or {}
    if not isinstance(facts, dict):
        raise fail(_line(data), "facts: expected name: value lines")
    for fact, value in facts.items():
        if not isinstance(fact, str) or not _NAME.match(fact):
            raise fail(_line(facts), f"fact {fact!r} is not a valid name (lower case, digits, _)")
        if fact in DERIVED_FACTS:
            raise fail(_line(facts), f"fact {fact!r} comes from the profile's name/sells: remove it")
        if isinstance(value, bool) or not isinstance(value, (int, float, str)) or len(str(value)) > 80:
            raise fail(_line(facts), f"fact {fact} must be a short number or text")

    raw_products = data.get("products")
    if not isinstance(raw_products, list) or not raw_products:
        raise fail(_line(data), "products: list at least one product (name, gender, …)")
    products = []
    owner: dict[str, str] = {}
    for item in raw_products:
        line = _line(item, _line(data))
        if not isinstance(item, dict):
            raise fail(line, "a product is a mapping: {name: …, gender: m|f, …}")
        extra = sorted(set(item) - PRODUCT_KEYS)
        if extra:
            raise fail(
                line, f"product field {extra[0]!r} is unknown (known: {', '.join(sorted(PRODUCT_KEYS))})"
            )
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise fail(line, "a product needs a name (singular, lower case)")
        if name != name.lower().strip():
            raise fail(line, f"product {name!r}: write the name in lower case")
        gender = item.get("gender")
        if gender not in ("m", "f"):
            raise fail(line, f'product {name!r} needs gender: m or f ("il {name}" or "la {name}")')
        number = item.get("number", "singular")
        if number not in ("singular", "plural"):
            raise fail(line, f"product {name!r}: number is singular or plural")
        synonyms = item.get("synonyms") or []
        if not isinstance(synonyms, list) or not all(isinstance(s, str) and s.strip() for s in synonyms):
            raise fail(line, f"product {name!r}: synonyms is a list of words")
        plural = item.get("plural")
        if plural is not None and (not isinstance(plural, str) or not plural.strip()):
            raise fail(line, f"product {name!r}: plural is a word")
        product = Product(
            name=name,
            gender=gender,
            plural=plural.lower().strip() if plural else None,
            number=number,
            category=str(item.get("category") or ""),
            synonyms=tuple(s.lower().strip() for s in synonyms),
        )
        for word in product.words:
            key = fold(word)
            if owner.get(key, name) != name:
                raise fail(
                    line, f"{word!r} names both {owner[key]!r} and {name!r}: a word belongs to one product"
                )
            owner[key] = name
        products.append(product)

    stems = []
    for key in ("cues", "anchors"):
        values = data.get(key) or []
        if not isinstance(values, list):
            raise fail(_line(data), f"{key}: a list of word beginnings")
        for value in values:
            if not isinstance(value, str) or not _STEM.match(fold(value)):
                raise fail(_line(data), f"{key}: {value!r} must be a word beginning of 3 letters or more")
        stems.append(tuple(fold(v) for v in values))

    digits = data.get("order_number_digits", ORDER_DIGITS[0])
    if isinstance(digits, int) and not isinstance(digits, bool):
        digits = [digits, digits]
    if (
        not isinstance(digits, list)
        or len(digits) != 2
        or not all(isinstance(d, int) and not isinstance(d, bool) for d in digits)
        or not 3 <= digits[0] <= digits[1] <= 20
    ):
        raise fail(
            _line(data), "order_number_digits: a number of digits (7) or a range ([4, 9]), from 3 to 20"
        )

    files = {}
    for key in ("orders", "catalogue"):
        value = data.get(key)
        if value is None:
            files[key] = None
            continue
        file = folder / str(value)
        if not file.is_file():
            raise fail(_line(data), f"{key}: {value} is not a file next to shop.yml")
        files[key] = file

    profile = Profile(
        folder=folder,
        name=data["name"].strip(),
        sells=data["sells"].strip(),
        facts=dict(facts),
        products=tuple(products),
        cues=stems[0],
        anchors=stems[1],
        orders=files["orders"],
        catalogue=files["catalogue"],
        order_digits=(digits[0], digits[1]),
    )
    if profile.catalogue is not None:
        try:
            titles = read_catalogue(profile.catalogue, profile)
        except ValueError as exc:
            raise ShopError(str(exc)) from None
        profile = Profile(**{**profile.__dict__, "catalogue_titles": titles})
    return profile


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


@lru_cache(maxsize=8)
def _cached(folder: str) -> Profile:
    return load(folder)


def current() -> Profile:
    """The running shop's profile (`SPORTELLO_SHOP`), loaded once per process and folder."""
    return _cached(str(resolve_folder()))


def facts(shop: Optional[str] = None) -> dict[str, Any]:
    """What responses quote as {placeholders}: the facts, {shop_name} and {shop_sells}."""
    return (_cached(str(resolve_folder(shop))) if shop else current()).quoted_facts
