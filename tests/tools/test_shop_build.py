"""The shop's profile (sportello/shop.py), its catalogue (sportello/catalogue.py) and what `make
train` derives from it (tools/shop_build.py), checked without training."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sportello import shop
from sportello.catalogue import rows
from tools import shop_build

ROOT = Path(__file__).resolve().parents[2]
PROFILES = sorted(p.parent for p in (ROOT / "shops").glob("*/shop.yml"))
FOREIGN = ROOT / "bot" / "components" / "foreign_words.yml"


def foreign_words() -> set[str]:
    data = yaml.safe_load(FOREIGN.read_text(encoding="utf-8"))
    return {shop.fold(str(w)) for words in data["words"].values() for w in words}


def write_profile(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "shop.yml").write_text(text, encoding="utf-8")
    return folder


MINI = """\
name: Negozio Prova
sells: elettronica
facts:
  return_days: 15
products:
  - {name: televisore, plural: televisori, gender: m, synonyms: [tv, tele]}
  - {name: smartphone, plural: smartphone, gender: m}
  - {name: lavatrice, plural: lavatrici, gender: f}
  - {name: cuffie, gender: f, number: plural}
  - {name: asciugatrice, plural: asciugatrici, gender: f}
cues: [schermo, batteri]
"""


def test_the_project_ships_the_demo_and_two_other_shops_and_each_loads():
    assert {p.name for p in PROFILES} >= {"casa", "electronics", "clothing"}
    for folder in PROFILES:
        profile = shop.load(folder)
        assert profile.products and profile.name and profile.sells
        assert {"return_days", "refund_days", "shop_name", "shop_sells"} <= set(profile.quoted_facts)
        assert profile.orders is not None and profile.orders.is_file()


@pytest.mark.parametrize("folder", PROFILES, ids=lambda p: p.name)
def test_the_other_worlds_lexicon_the_model_gets_never_holds_what_the_shop_sells(folder, tmp_path):
    profile = shop.load(folder)
    shop_build.build(ROOT, folder, tmp_path)
    config = yaml.safe_load((tmp_path / "config.yml").read_text(encoding="utf-8"))
    guard = next(c for c in config["pipeline"] if c["name"] == shop_build.GUARD)
    left = foreign_words() - {shop.fold(w) for w in guard["shop_words"]}
    sold = {
        shop.fold(word)
        for product in profile.products
        for phrase in product.words
        for word in phrase.split()[:1]
    }
    assert sold, profile.id
    assert sold & left == set()
    # and what the shop sells is its lookup table, canonical names through synonyms
    products = yaml.safe_load((tmp_path / "data" / "nlu" / "shop_products.yml").read_text(encoding="utf-8"))
    lookup = next(b for b in products["nlu"] if b.get("lookup") == "product")
    entries = [line[2:] for line in lookup["examples"].splitlines() if line.startswith("- ")]
    assert {w for p in profile.products for w in p.words} <= set(entries)
    multi = [i for i, e in enumerate(entries) if " " in e]
    single = [i for i, e in enumerate(entries) if " " not in e]
    assert not multi or max(multi) < min(single)  # "divano letto" is tried before "divano"
    assert sorted(guard["shop_cues"]) == sorted(profile.cues)


def test_the_demo_trains_on_the_examples_as_they_are_written(tmp_path):
    shop_build.build(ROOT, ROOT / "shops" / "casa", tmp_path)
    source = sorted(p.relative_to(ROOT / "bot" / "data") for p in (ROOT / "bot" / "data").rglob("*.yml"))
    for relative in source:
        assert (tmp_path / "data" / relative).read_text() == (ROOT / "bot" / "data" / relative).read_text()


@pytest.mark.parametrize("name", ["electronics", "clothing"])
def test_another_shop_s_examples_name_only_what_it_sells(name, tmp_path):
    profile = shop.load(ROOT / "shops" / name)
    shop_build.build(ROOT, ROOT / "shops" / name, tmp_path)
    named = []
    for path in (tmp_path / "data" / "nlu").glob("*.yml"):
        named += shop_build.PRODUCT.findall(path.read_text(encoding="utf-8"))
    assert len(named) > 200
    assert [w for w in named if profile.product(w) is None] == []


def test_products_are_replaced_by_the_same_gender_and_number_with_the_article_agreed(tmp_path):
    target = shop.load(write_profile(tmp_path / "prova", MINI))
    replacer = shop_build.Replacer(shop.load(ROOT / "shops" / "casa"), target)
    for text, prep, gender, plural in [
        ("l'[armadio](product) è arrivato rotto", "", "m", False),
        ("mi manca una gamba della [sedia](product)", "di", "f", False),
        ("le [sedie](product) sono arrivate graffiate", "", "f", True),
        ("dov'è il [divano](product)?", "", "m", False),
        ("Il [tavolo](product) non è mai arrivato", "", "m", False),
        ("ho ordinato dei [cuscini](product)", "di", "m", True),
        ("un [comodino](product) rigato", "un", "m", False),
    ]:
        new = replacer.example(text)
        word = shop_build.PRODUCT.search(new).group(1)
        product = target.product(word)
        assert product is not None and product.gender == gender, (text, new)
        assert (product.is_plural or word == product.plural) == plural or product.plural == product.name
        expected = shop_build.article(prep, gender, plural, word)
        assert new[: new.index("[")].rstrip().lower().endswith(expected), (text, new, expected)
        assert new[0].isupper() == text[0].isupper()
        assert replacer.example(text) == new  # the same build gives the same data
    assert shop_build.article("", "m", False, "smartphone") == "lo"
    assert shop_build.article("di", "m", False, "aspirapolvere") == "dell'"
    assert shop_build.article("a", "f", True, "cuffie") == "alle"
    # what the shop sells stays as it is written
    assert replacer.example("il [tv](product) è rotto") == "il [tv](product) è rotto"


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        (MINI.replace("gender: f}", "gender: x}", 1), 8, "gender: m or f"),
        (MINI.replace("name: Negozio Prova\n", ""), 1, "name: is required"),
        (MINI.replace("synonyms: [tv, tele]", "synonyms: [tv, lavatrice]"), 8, "names both"),
        (MINI.replace("  - {name: cuffie", "  - {nome: cuffie"), 9, "unknown"),
        (MINI.replace("return_days: 15", "return_days: [15]"), 4, "short number or text"),
        (MINI + "orders: ordini.json\n", 1, "not a file"),
        (MINI.replace("products:", "products: :"), 5, "not valid YAML"),
    ],
)
def test_a_mistake_in_a_profile_names_its_line(tmp_path, text, line, says):
    folder = write_profile(tmp_path / "shop", text)
    with pytest.raises(shop.ShopError) as raised:
        shop.load(folder)
    assert raised.value.line == line, str(raised.value)
    assert says in str(raised.value) and str(folder / "shop.yml") in str(raised.value)


def test_a_missing_shop_folder_says_what_to_do(tmp_path):
    with pytest.raises(shop.ShopError, match="no shop profile here"):
        shop.load(tmp_path / "nowhere")


def test_the_catalogues_of_two_platforms_give_model_names_and_name_the_rows_they_cannot_place(tmp_path):
    target = shop.load(write_profile(tmp_path / "prova", MINI))
    shopify = tmp_path / "shopify.csv"
    shopify.write_text(
        "Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published\n"
        "tv-lumio,Smart TV Lumio 55'' QLED,<p>x</p>,Lumio,Electronics,Televisore,,TRUE\n"
        "tv-lumio,,,,,,,\n"
        "aquaris,Lavatrice Aquaris 9 kg,,,Appliances,,,TRUE\n"
        "boh,Frullatore Vortex,,,,,,TRUE\n",
        encoding="utf-8",
    )
    models, problems = rows(shopify, target)
    assert models == {"lumio": "televisore", "aquaris": "lavatrice"}
    assert len(problems) == 1 and f"{shopify}:5:" in problems[0] and "Frullatore Vortex" in problems[0]
    woo = tmp_path / "woo.csv"
    woo.write_text(
        "ID,Type,SKU,Name,Published,Categories\n"
        '1,simple,A1,Cuffie Sonara wireless,1,"Audio > Cuffie"\n'
        '2,simple,A2,Oblix Ventara,1,"Grandi elettrodomestici > Asciugatrici"\n',
        encoding="utf-8",
    )
    models, problems = rows(woo, target)
    assert (
        models == {"sonara": "cuffie", "oblix": "asciugatrice", "ventara": "asciugatrice"} and problems == []
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("sku;nome\n1;x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a Shopify"):
        rows(bad, target)


def test_the_catalogue_s_model_names_become_words_of_the_product(tmp_path):
    folder = write_profile(tmp_path / "prova", MINI + "catalogue: catalogo.csv\n")
    (folder / "catalogo.csv").write_text(
        "Handle,Title,Type\nx,Lavatrice Aquaris 9 kg,Lavatrice\n", encoding="utf-8"
    )
    profile = shop.load(folder)
    shop_build.build(ROOT, folder, tmp_path / "out")
    products = (tmp_path / "out" / "data" / "nlu" / "shop_products.yml").read_text(encoding="utf-8")
    assert "      - aquaris\n" in products and "  - synonym: lavatrice\n" in products
    assert "aquaris" in profile.words()


def test_the_build_rewrites_only_what_changed(tmp_path):
    first = shop_build.build(ROOT, ROOT / "shops" / "casa", tmp_path)
    assert first
    assert shop_build.build(ROOT, ROOT / "shops" / "casa", tmp_path) == []
    changed = shop_build.build(ROOT, ROOT / "shops" / "electronics", tmp_path)
    assert tmp_path / "config.yml" in changed and tmp_path / "data" / "nlu" / "shop_products.yml" in changed


def _examples(path: Path) -> list[tuple[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    pairs = []
    for block in data.get("nlu") or []:
        if "intent" in block:
            pairs += [
                (block["intent"], line.strip()[2:])
                for line in str(block["examples"]).splitlines()
                if line.strip().startswith("- ")
            ]
    return pairs


def _norm(text: str) -> str:
    import re

    return " ".join(re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text).lower().split())


@pytest.mark.parametrize("name", ["electronics", "clothing"])
def test_a_shop_s_held_out_sets_share_nothing_with_what_it_is_trained_on_and_cover_every_intent(
    name, tmp_path
):
    """`make nlu-profiles` measures each shop on its own sets: a sentence the shop's model was
    trained on (after the build put the shop's products in) would make the figure meaningless."""
    shop_build.build(ROOT, ROOT / "shops" / name, tmp_path)
    trained = {_norm(t) for f in (tmp_path / "data" / "nlu").glob("*.yml") for _, t in _examples(f)}
    tests = ROOT / "shops" / name / "tests"
    held_out = _examples(tests / "nlu_test.yml")
    everyday = [
        t
        for items in yaml.safe_load((tests / "out_of_domain.yml").read_text())["topics"].values()
        for t in items
    ]
    assert [t for _, t in held_out if _norm(t) in trained] == []
    assert [t for t in everyday if _norm(t) in trained] == []
    assert len(everyday) >= 200
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    intents = {i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]} - {
        "handoff_resolved",
        "case_detail",
    }
    counts = {i: sum(1 for intent, _ in held_out if intent == i) for i in intents}
    assert {i: n for i, n in counts.items() if n < 12} == {}


def test_a_shop_whose_order_numbers_are_not_seven_digits_says_so_once(tmp_path):
    """Shopify numbers orders #1001, #1002…: the profile's order_number_digits reaches what the
    assistant extracts, what it trains its order-number feature on, what the guard takes for an
    order, and the words that ask for the number."""
    folder = write_profile(tmp_path / "prova", MINI + "order_number_digits: [4, 6]\n")
    profile = shop.load(folder)
    assert profile.order_number("ordine #1001 del 12 marzo") == "1001"
    assert profile.order_number("il mio ordine è 12345678") is None  # too long for this shop
    assert shop.load(ROOT / "shops" / "casa").order_number("ordine #1001") is None  # the demo: 7 digits
    assert profile.quoted_facts["order_number_format"] == "da 4 a 6 cifre"
    assert profile.quoted_facts["order_number_example"] == "123456"
    assert shop.load(ROOT / "shops" / "casa").quoted_facts["order_number_format"] == "7 cifre"
    shop_build.build(ROOT, folder, tmp_path / "out")
    entities = (tmp_path / "out" / "data" / "nlu" / "entities.yml").read_text(encoding="utf-8")
    assert "      - \\b\\d{4,6}\\b\n" in entities and "\\d{7}" not in entities
    config = yaml.safe_load((tmp_path / "out" / "config.yml").read_text(encoding="utf-8"))
    guard = next(c for c in config["pipeline"] if c["name"] == shop_build.GUARD)
    assert guard["order_min_digits"] == 4
    for bad in ("order_number_digits: 2\n", "order_number_digits: [9, 4]\n", "order_number_digits: sette\n"):
        write_profile(tmp_path / "bad", MINI + bad)
        with pytest.raises(shop.ShopError, match="order_number_digits"):
            shop.load(tmp_path / "bad")


def test_a_shop_s_own_examples_are_trained_with_the_rest(tmp_path):
    folder = write_profile(tmp_path / "prova", MINI)
    (folder / "nlu.yml").write_text(
        'version: "3.1"\nnlu:\n  - intent: item_damaged\n    examples: |\n      - lo schermo del [televisore](product) è crepato\n',
        encoding="utf-8",
    )
    shop_build.build(ROOT, folder, tmp_path / "out")
    own = tmp_path / "out" / "data" / "nlu" / "shop_examples.yml"
    assert "schermo del [televisore](product)" in own.read_text(encoding="utf-8")
    (folder / "nlu.yml").unlink()
    assert tmp_path / "out" / "data" / "nlu" / "shop_examples.yml" in shop_build.build(
        ROOT, folder, tmp_path / "out"
    )
    assert not own.exists()  # taken away with the file
