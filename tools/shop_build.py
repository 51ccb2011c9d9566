"""What `make train` trains: the project's content (config.yml, bot/data) made into one shop's.

    python -m tools.shop_build [--shop shops/electronics] [--content .] [--out .build/shop]

writes into --out:

* ``data/``: bot/data, with the product lookup table and its synonyms from the shop's profile
  (``nlu/shop_products.yml``: names, plurals, synonyms, the catalogue's model names), and, in the
  training examples, each product the shop does not sell replaced by one it sells of the same gender
  and number, the article before it agreed ("l'[armadio]" → "il [televisore]"). The examples are
  written for the demo shop (shops/casa); for the demo nothing is replaced.
* ``data/nlu/shop_examples.yml``: the shop's own examples (``shops/<id>/nlu.yml``, optional: how its
  customers describe its goods' problems), trained with the rest.
* ``config.yml``: config.yml, the support-domain guard given the shop's cues, anchors and the words
  of what it sells (taken out of its "other worlds" lexicon).
* ``shop.json``: which shop, and the profile's hash.

A file is rewritten only when its content changes, so `make` retrains only when something did.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Optional

import yaml

from sportello.patterns import ORDER_DIGITS
from sportello.shop import DEFAULT_SHOP, ROOT, Product, Profile, ShopError, fold, load

GUARD = "bot.components.domain_guard.SupportDomainGuard"
SOURCE_SHOP = DEFAULT_SHOP  # the shop the training examples are written for
PRODUCT = re.compile(r"\[([^\]]+)\]\(product\)")
SHOP_EXAMPLES = "nlu.yml"  # a shop's own training examples, next to its shop.yml (optional)

# the article (or article + preposition) before a noun, by gender, number and the noun's first sounds
_FORMS = {
    # key: (m sg consonant, m sg s+consonant/z/gn/ps/x/y, m sg vowel, m pl consonant, m pl vowel/s-impure,
    #       f sg consonant, f sg vowel, f pl)
    "": ("il", "lo", "l'", "i", "gli", "la", "l'", "le"),
    "di": ("del", "dello", "dell'", "dei", "degli", "della", "dell'", "delle"),
    "a": ("al", "allo", "all'", "ai", "agli", "alla", "all'", "alle"),
    "da": ("dal", "dallo", "dall'", "dai", "dagli", "dalla", "dall'", "dalle"),
    "in": ("nel", "nello", "nell'", "nei", "negli", "nella", "nell'", "nelle"),
    "su": ("sul", "sullo", "sull'", "sui", "sugli", "sulla", "sull'", "sulle"),
    "un": ("un", "uno", "un", None, None, "una", "un'", None),
}
_ARTICLE = {form: (prep, i) for prep, forms in _FORMS.items() for i, form in enumerate(forms) if form}
_BEFORE = re.compile(
    r"(?i)(?:^|(?<=[\s(\"«]))("
    + "|".join(sorted((re.escape(a) for a in _ARTICLE), key=len, reverse=True))
    + r")(\s*)$"
)


def sound(word: str) -> str:
    """The class of a word's first sounds that chooses the article: vowel, s-impure (lo), other."""
    w = fold(word)
    if re.match(r"[aeiouh]", w):
        return "vowel"
    if re.match(r"(s[^aeiou]|z|gn|ps|pn|x|y)", w):
        return "impure"
    return "other"


def article(prep: str, gender: str, plural: bool, word: str) -> Optional[str]:
    """The article (with its preposition) for a noun: article("di", "m", False, "armadio") → "dell'"."""
    kind = sound(word)
    if gender == "m" and not plural:
        index = {"other": 0, "impure": 1, "vowel": 2}[kind]
    elif gender == "m":
        index = 3 if kind == "other" else 4
    elif not plural:
        index = 6 if kind == "vowel" else 5
    else:
        index = 7
    return _FORMS[prep][index]


def form_of(product: Product, plural: bool) -> Optional[str]:
    """The word for a product in the number wanted, or None when it has no such form."""
    if product.is_plural:
        return product.name if plural else None
    if plural:
        return product.plural
    return product.name


class Replacer:
    """Puts the shop's products in place of the products of the examples' shop."""

    def __init__(self, source: Profile, target: Profile) -> None:
        self.source, self.target = source, target

    def product(self, word: str, seed: str) -> Optional[tuple[str, Product, bool, Product]]:
        """(new word, target product, plural, source product) for a product word of an example, or
        None when the shop sells it (or it is no product of the examples' shop)."""
        if self.target.product(word) is not None:
            return None
        origin = self.source.product(word)
        if origin is None:
            return None
        plural = origin.is_plural or (origin.plural is not None and fold(word) == fold(origin.plural))
        choices = [p for p in self.target.products if form_of(p, plural)]
        if not choices:
            return None
        same = [p for p in choices if p.gender == origin.gender] or choices
        # a stable choice per example: the same build gives the same data
        index = int(hashlib.sha256(f"{seed}|{word}".encode()).hexdigest(), 16) % len(same)
        chosen = same[index]
        return form_of(chosen, plural), chosen, plural, origin

    def example(self, text: str) -> str:
        """The example with the shop's products (and agreeing articles)."""
        out, last = [], 0
        for match in PRODUCT.finditer(text):
            found = self.product(match.group(1), text)
            if found is None:
                continue
            word, chosen, plural, origin = found
            before = text[last : match.start()]
            article_match = _BEFORE.search(before)
            if article_match:
                old = article_match.group(1)
                prep, _ = _ARTICLE[old.lower()]
                new = article(prep, chosen.gender, plural, word)
                if new:
                    if old[0].isupper():
                        new = new[0].upper() + new[1:]
                    space = "" if new.endswith("'") else " "
                    before = before[: article_match.start(1)] + new + space
            out.append(before + f"[{word}](product)")
            last = match.end()
        out.append(text[last:])
        return "".join(out)


def products_yaml(profile: Profile) -> str:
    """The product lookup table and its synonyms, as Rasa NLU YAML."""
    entries: dict[str, str] = {}  # word → canonical name
    for product in profile.products:
        for word in product.words:
            entries.setdefault(word, product.name)
    for model, name in profile.catalogue_titles.items():
        entries.setdefault(model, name)
    # the extractor joins the entries into one alternation in this order: "divano letto" before "divano"
    words = sorted(entries, key=lambda w: (-len(w.split()), list(entries).index(w)))
    lines = [
        'version: "3.1"',
        f"# Written by tools/shop_build.py from {profile.id}/shop.yml: edit the profile, not this file.",
        "nlu:",
        "  - lookup: product",
        "    examples: |",
        *(f"      - {w}" for w in words),
    ]
    synonyms: dict[str, list[str]] = {}
    for word, name in entries.items():
        if word != name:
            synonyms.setdefault(name, []).append(word)
    for name, others in synonyms.items():
        lines += [f"  - synonym: {name}", "    examples: |", *(f"      - {w}" for w in others)]
    return "\n".join(lines) + "\n"


def guard_config(config_text: str, profile: Profile) -> str:
    """config.yml with the shop's cues, anchors and words given to the support-domain guard."""
    config = yaml.safe_load(config_text)
    for component in config.get("pipeline") or []:
        if component.get("name") == GUARD:
            component["shop_cues"] = sorted(profile.cues)
            component["shop_anchors"] = sorted(profile.anchors)
            component["shop_words"] = sorted(profile.words())
            component["order_min_digits"] = min(6, profile.order_digits[0])
            break
    else:
        raise ShopError(f"config.yml has no {GUARD} in its pipeline")
    header = f"# Written by tools/shop_build.py for the shop {profile.id}: edit config.yml, not this file.\n"
    return header + yaml.safe_dump(config, allow_unicode=True, sort_keys=False, width=120)


def _write(path: Path, text: str) -> bool:
    """Write when different; True when written."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def build(content: Path, shop: Path | str | None, out: Path) -> list[Path]:
    """Write the shop's training input into `out`; return the files written (changed)."""
    profile = load(shop)
    source = load(SOURCE_SHOP)
    replacer = Replacer(source, profile)
    changed: list[Path] = []
    data_in, data_out = content / "bot" / "data", out / "data"
    wanted = set()
    for path in sorted(data_in.rglob("*.yml")):
        relative = path.relative_to(data_in)
        text = path.read_text(encoding="utf-8")
        if relative.parts[0] == "nlu":
            text = "\n".join(replacer.example(line) for line in text.split("\n"))
            if profile.order_digits != ORDER_DIGITS:  # the shop's order numbers, not the demo's 7 digits
                low, high = profile.order_digits
                text = text.replace("      - \\b\\d{7}\\b\n", f"      - \\b\\d{{{low},{high}}}\\b\n")
        wanted.add(relative)
        if _write(data_out / relative, text):
            changed.append(data_out / relative)
    own = profile.folder / SHOP_EXAMPLES
    if own.is_file():  # the shop's own examples, in its customers' words
        relative = Path("nlu") / "shop_examples.yml"
        wanted.add(relative)
        if _write(data_out / relative, own.read_text(encoding="utf-8")):
            changed.append(data_out / relative)
    generated = Path("nlu") / "shop_products.yml"
    wanted.add(generated)
    if _write(data_out / generated, products_yaml(profile)):
        changed.append(data_out / generated)
    for stale in [p for p in data_out.rglob("*.yml") if p.relative_to(data_out) not in wanted]:
        stale.unlink()
        changed.append(stale)
    config_text = guard_config((content / "config.yml").read_text(encoding="utf-8"), profile)
    if _write(out / "config.yml", config_text):
        changed.append(out / "config.yml")
    profile_hash = hashlib.sha256((profile.folder / "shop.yml").read_bytes()).hexdigest()[:16]
    info = json.dumps(
        {"shop": profile.id, "folder": str(profile.folder), "profile_hash": profile_hash}, indent=1
    )
    if _write(out / "shop.json", info + "\n"):
        changed.append(out / "shop.json")
    return changed


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Build one shop's training input (config and data).")
    parser.add_argument(
        "--shop", default=None, help="the shop's folder (default: SPORTELLO_SHOP or shops/casa)"
    )
    parser.add_argument("--content", default=str(ROOT), help="the content root (config.yml, bot/data)")
    parser.add_argument("--out", default=str(ROOT / ".build" / "shop"), help="where to write")
    parser.add_argument("--clean", action="store_true", help="empty --out first")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if args.clean and out.exists():
        shutil.rmtree(out)
    try:
        changed = build(Path(args.content), args.shop, out)
    except ShopError as exc:
        print(f"shop profile: {exc}", file=sys.stderr)
        return 1
    profile = load(args.shop)
    if changed:
        print(
            f"Training input for the shop {profile.id} ({profile.name}) written to {out}: {len(changed)} files changed"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
