"""The demo shop page (/), the widget (/widget/) and the agent console (/console/)."""

from __future__ import annotations

from pathlib import Path

from sanic import Blueprint, Request
from sanic.exceptions import NotFound
from sanic.response import file, redirect


def create_blueprint(widget_dir: Path, static_dir: Path, shop_page: Path | None = None) -> Blueprint:
    """`shop_page`: the folder of the demo shop page (the shop profile's `page/`, else the demo's)."""
    bp = Blueprint("static", strict_slashes=True)
    shop = shop_page or static_dir / "shop"
    console = static_dir / "console"
    # helpers the console shares with the widget (console/shared links to widget/src/shared)
    shared = widget_dir / "src" / "shared"

    async def send(base: Path, relative: str):
        base = base.resolve()
        target = (base / (relative or "index.html")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if base not in target.parents or not target.is_file():
            raise NotFound("not found")
        return await file(target, headers={"Cache-Control": "no-cache"})

    @bp.get("/")
    async def shop_index(request: Request):
        return await send(shop, "index.html")

    @bp.get("/shop/<path:path>")
    async def shop_files(request: Request, path: str):
        return await send(shop, path)

    @bp.get("/widget")
    async def widget_root(request: Request):
        return redirect("/widget/")

    @bp.get("/widget/<path:path>")
    async def widget_files(request: Request, path: str = ""):
        return await send(widget_dir, path)

    @bp.get("/widget/")
    async def widget_index(request: Request):
        return await send(widget_dir, "index.html")

    @bp.get("/console")
    async def console_root(request: Request):
        return redirect("/console/")

    @bp.get("/console/")
    async def console_index(request: Request):
        return await send(console, "index.html")

    @bp.get("/console/shared/<path:path>")
    async def console_shared(request: Request, path: str):
        return await send(shared, path)

    @bp.get("/console/<path:path>")
    async def console_files(request: Request, path: str):
        return await send(console, path)

    return bp
