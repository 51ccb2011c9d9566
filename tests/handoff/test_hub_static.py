"""Static files: the demo shop at /, the widget under /widget/, the console under /console/."""

from __future__ import annotations


async def test_static_pages(make_hub, tmp_path):
    (tmp_path / "widget" / "src").mkdir(parents=True)
    (tmp_path / "widget" / "sportello.js").write_text("export const w = 1;\n")
    (tmp_path / "widget" / "src" / "main.js").write_text("export const m = 1;\n")
    (tmp_path / "static" / "shop").mkdir(parents=True)
    (tmp_path / "static" / "shop" / "index.html").write_text("<h1>shop</h1>")
    (tmp_path / "static" / "console" / "js").mkdir(parents=True)
    (tmp_path / "static" / "console" / "index.html").write_text("<h1>console</h1>")
    (tmp_path / "static" / "console" / "js" / "main.js").write_text("export {};\n")
    (tmp_path / "secret.txt").write_text("do not serve")
    hub = await make_hub(widget_dir=tmp_path / "widget", static_dir=tmp_path / "static")
    shop = await hub.http.get("/")
    assert (
        shop.status_code == 200
        and "shop" in shop.text
        and shop.headers["content-type"].startswith("text/html")
    )
    widget = await hub.http.get("/widget/sportello.js")
    assert widget.status_code == 200 and "javascript" in widget.headers["content-type"]
    assert (await hub.http.get("/widget/src/main.js")).status_code == 200
    console = await hub.http.get("/console/")
    assert console.status_code == 200 and "console" in console.text
    assert (await hub.http.get("/console/js/main.js")).status_code == 200
    redirect = await hub.http.get("/console")
    assert redirect.status_code in (301, 302, 307, 308) and redirect.headers["location"].endswith("/console/")
    for path in (
        "/widget/../secret.txt",
        "/widget/%2e%2e/secret.txt",
        "/console/..%2Fsecret.txt",
        "/widget/nope.js",
    ):
        response = await hub.http.get(path)
        assert response.status_code == 404, path
        assert "do not serve" not in response.text


async def test_repo_static_files_are_served(running):
    """The real files written by the widget/console engineers (skipped parts are simply absent)."""
    shop = await running.http.get("/")
    assert shop.status_code == 200
    assert (await running.http.get("/console/")).status_code == 200
    # the console's modules and the helpers it shares with the widget, as the browser asks for them
    for path in (
        "/console/js/main.js",
        "/console/js/app.js",
        "/console/shared/text.js",
        "/console/shared/ids.js",
    ):
        response = await running.http.get(path)
        assert response.status_code == 200 and "javascript" in response.headers["content-type"], path
    assert "export function linkify" in (await running.http.get("/console/shared/text.js")).text
    assert (await running.http.get("/console/shared/%2e%2e/%2e%2e/secret.txt")).status_code == 404


async def test_a_shop_profile_with_its_own_page_is_the_page_at_the_root(make_hub, tmp_path):
    """`make run SHOP=shops/<id>`: the demo page is the shop's (its profile's page/), not the furniture one."""
    from handoff.settings import shop_page

    folder = tmp_path / "negozio"
    (folder / "page").mkdir(parents=True)
    (folder / "shop.yml").write_text(
        "name: Negozio Prova\nsells: cose\nproducts:\n  - {name: cosa, gender: f}\n", encoding="utf-8"
    )
    (folder / "page" / "index.html").write_text("<h1>Negozio Prova</h1>", encoding="utf-8")
    (folder / "page" / "shop.css").write_text("h1 { color: teal }", encoding="utf-8")
    (tmp_path / "static" / "shop").mkdir(parents=True)
    (tmp_path / "static" / "shop" / "index.html").write_text("<h1>Casa</h1>")
    assert shop_page(str(folder)) == folder / "page"
    hub = await make_hub(static_dir=tmp_path / "static", shop_page_dir=shop_page(str(folder)))
    page = await hub.http.get("/")
    assert page.status_code == 200 and "Negozio Prova" in page.text
    assert "teal" in (await hub.http.get("/shop/shop.css")).text
    assert (await hub.http.get("/shop/../shop.yml")).status_code == 404
    # a profile without a page keeps the demo page
    (folder / "page" / "index.html").unlink()
    assert shop_page(str(folder)) is None
