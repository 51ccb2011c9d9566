"""A shop's catalogue, as its platform exports it (CSV): the model names customers write ("la mia
Aquaris perde acqua") mapped to the product they are ("lavatrice").

Shopify's export (Title, Type, Product Category), WooCommerce's (Name, Categories) and PrestaShop's
(Name, Categories) are recognised by their header. Each row's product is the first of the profile's
products named in its type, its categories, then its title; its model names are the title's
capitalised words that are not that product's words, numbers, units or ordinary Italian words: "Luna"
or "Spiaggia" would tie "vado in spiaggia" to the shop. The Italian words are the forms and lemmas of
spaCy's Italian lookup tables (spacy-lookups-data, in the bot's environment, where `make train` and
`make validate` run); without them only the short list below is left out.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from sportello.patterns import fold

FORMATS = {
    # platform: (title column, columns that may name the product, in order)
    "shopify": ("Title", ("Type", "Product Category")),
    "woocommerce": ("Name", ("Categories", "Tags")),
    "prestashop": ("Name *", ("Categories (x,y,z...)",)),
}
COMMON = {
    "con",
    "per",
    "senza",
    "della",
    "delle",
    "degli",
    "dello",
    "del",
    "dei",
    "alla",
    "alle",
    "nel",
    "nella",
    "smart",
    "pro",
    "plus",
    "max",
    "mini",
    "lite",
    "new",
    "nuovo",
    "nuova",
    "edition",
    "set",
    "kit",
    "pack",
    "bianco",
    "bianca",
    "bianche",
    "bianchi",
    "nero",
    "nera",
    "nere",
    "neri",
    "grigio",
    "grigia",
    "blu",
    "rosso",
    "rossa",
    "verde",
    "beige",
    "cotone",
    "lana",
    "pelle",
    "legno",
    "metallo",
    "acciaio",
    "inox",
    "uomo",
    "donna",
    "bambino",
    "bambina",
    "unisex",
    "classic",
    "classico",
    "classica",
    "slim",
    "regular",
    "qled",
    "oled",
    "led",
    "lcd",
    "wifi",
    "wi-fi",
    "bluetooth",
    "usb",
    "hdmi",
    "gb",
    "tb",
    "kg",
    "cm",
    "mm",
    "pollici",
    "watt",
    "litri",
    "posti",
    "ante",
    "tre",
    "due",
    "quattro",
}


@lru_cache(maxsize=1)
def italian_words() -> frozenset[str]:
    """Italian word forms and lemmas (spacy-lookups-data), or nothing where it is not installed."""
    try:
        import spacy_lookups_data
    except ImportError:
        return frozenset()
    table = Path(spacy_lookups_data.__file__).parent / "data" / "it_lemma_lookup.json.gz"
    with gzip.open(table, "rt", encoding="utf-8") as handle:
        forms = json.load(handle)
    return frozenset(forms) | frozenset(forms.values())


WORD = re.compile(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'’-]*")


def detect(header: list[str]) -> str:
    """The platform whose export has this header; ValueError when none."""
    for platform, (title, _) in FORMATS.items():
        if title in header:
            return platform
    raise ValueError(
        "the header is not a Shopify (Title, Type), WooCommerce (Name, Categories) or PrestaShop "
        "(Name *, Categories (x,y,z...)) product export"
    )


def _product_in(text: str, profile: Any):
    """The first product of the profile named in `text` (whole words, longest words first)."""
    folded = " " + " ".join(re.findall(r"[a-z0-9]+", fold(text))) + " "
    candidates = sorted(((w, p) for p in profile.products for w in p.words), key=lambda pair: -len(pair[0]))
    for word, product in candidates:
        key = " ".join(re.findall(r"[a-z0-9]+", fold(word)))
        if key and f" {key} " in folded:
            return product
    return None


def rows(path: Path, profile: Any) -> tuple[dict[str, str], list[str]]:
    """({model name: product name}, problems naming file and line) for a catalogue CSV."""
    models: dict[str, str] = {}
    problems: list[str] = []
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            platform = detect(reader.fieldnames or [])
            title_column, product_columns = FORMATS[platform]
            for row in reader:
                line = reader.line_num
                title = (row.get(title_column) or "").strip()
                if not title:
                    continue  # a variant row (Shopify repeats the handle without the title)
                product = None
                for column in (*product_columns, title_column):
                    product = _product_in(row.get(column) or "", profile)
                    if product:
                        break
                if product is None:
                    problems.append(
                        f"{path}:{line}: {title!r} names no product of shop.yml: add its common name "
                        "(or a synonym) to products, or fill the row's type/category"
                    )
                    continue
                own = {fold(w) for p in profile.products for phrase in p.words for w in phrase.split()}
                for word in WORD.findall(title):
                    key = fold(word).strip("'’-")
                    if (
                        word[0].isupper()
                        and len(key) > 3
                        and key not in COMMON
                        and key not in italian_words()
                        and key not in own
                        and models.get(key, product.name) == product.name
                    ):
                        models[key] = product.name
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ValueError(f"{path}: cannot read the catalogue ({exc})") from None
    except ValueError as exc:
        raise ValueError(f"{path}:1: {exc}") from None
    return models, problems


def read_catalogue(path: Path, profile: Any) -> dict[str, str]:
    """The catalogue's model names → product names (rows that name no product are left out;
    `make validate` lists them)."""
    return rows(path, profile)[0]
