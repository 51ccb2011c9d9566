"""Ship content safely: `make ship`, `make rollback`, `make releases`.

    python -m tools.ship ship        # validate → train → gates → live in every Rasa and every hub
    python -m tools.ship rollback    # the release before the live one, the same way
    python -m tools.ship list        # the kept releases, the live one marked

A **release** is a folder of `bot/models/releases/` (`SPORTELLO_RELEASES`): `model.tar.gz`, the
`domain.yml` it was trained with and `release.json` (version, date, content hash). Its version is
`<date>-<time>-<hash>`, the hash of the content it was trained from (domain.yml, config.yml,
bot/data): the same content never ships twice.

Going live: every Rasa process loads the model through its HTTP API (`PUT /model`, no restart:
conversations keep their state, which is in Redis); then the domain is published to the hubs
(`content:domain` and `content:version` in Redis and a `content` notice on the hub bus: every hub
process takes the new words in place, handoff/services/content.py). If a Rasa refuses, those already
switched go back to the model they had and the hubs are not touched: a ship that fails any step
changes nothing in the running system, and says why in one sentence.

Where the running system is: `RASA_URLS` (comma-separated), `REDIS_URL`, `HUB_KEY_PREFIX`,
`RASA_TOKEN` from the environment, else the `stack.json` that `make run` writes in `.run/`.
Two ships (or a ship and a rollback) never interleave: a lock file in the releases folder.

Messages are in Italian: content editors run this.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sportello import shop
from sportello.redis_url import async_client, key_prefix
from tools import shop_build
from tools.devstack import holds

ROOT = Path(__file__).resolve().parent.parent
BOT_PY = ROOT / ".venv" / "bot" / "bin" / "python"
RELEASES = Path(os.environ.get("SPORTELLO_RELEASES") or ROOT / "bot" / "models" / "releases")
STACK_FILE = ROOT / ".run" / "stack.json"
KEEP = 10  # releases kept (the live one always)
CONTENT_FILES = ("domain.yml", "config.yml")
CONTENT_DIRS = ("bot/data",)
NOISE = (
    "tensorflow",
    "cuda",
    "TensorRT",
    "AVX2",
    "Pyparsing",
    "setParseAction",
    "parseString",
    "resetCache",
    "is not used in any story or rule",
    "listed in the domain file, but is not found",
)


def model_id(model: Path) -> str:
    """The id Rasa gives a trained model (its metadata.json): what `GET /status` reports."""
    import tarfile

    with tarfile.open(model) as archive:
        name = next(n for n in archive.getnames() if n.lstrip("/") == "metadata.json")
        return str(json.load(archive.extractfile(name))["model_id"])


class ShipError(Exception):
    """A step failed: the message is the sentence the editor reads."""


def say(text: str) -> None:
    print(text, flush=True)


# ---------------------------------------------------------------------------------- the content


def content_hash(root: Path) -> str:
    """The hash of what a model is trained from (domain, config, training data)."""
    digest = hashlib.sha256()
    files = [root / name for name in CONTENT_FILES]
    for folder in CONTENT_DIRS:
        files += sorted((root / folder).rglob("*.yml"))
    # the running shop's profile is trained into the model (tools/shop_build.py)
    files += sorted(p for p in shop.resolve_folder().iterdir() if p.suffix in (".yml", ".csv"))
    for path in files:
        if path.is_file():
            name = path.relative_to(root) if path.is_relative_to(root) else path.name
            digest.update(str(name).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass
class Release:
    version: str
    folder: Path
    shipped_at: float
    hash: str

    @property
    def model(self) -> Path:
        return self.folder / "model.tar.gz"

    @property
    def domain(self) -> Path:
        return self.folder / "domain.yml"


class Releases:
    """The kept releases and which one is live (`live.json`), in a folder."""

    def __init__(self, folder: Path = RELEASES):
        self.folder = Path(folder)

    def all(self) -> list[Release]:
        out = []
        for meta in sorted(self.folder.glob("*/release.json")):
            data = json.loads(meta.read_text(encoding="utf-8"))
            out.append(Release(data["version"], meta.parent, float(data["shipped_at"]), data["hash"]))
        return sorted(out, key=lambda r: r.version)

    def live(self) -> Release | None:
        pointer = self.folder / "live.json"
        if not pointer.exists():
            return None
        version = json.loads(pointer.read_text(encoding="utf-8"))["version"]
        return next((r for r in self.all() if r.version == version), None)

    def set_live(self, release: Release) -> None:
        pointer = self.folder / "live.json"
        tmp = pointer.with_suffix(".tmp")
        tmp.write_text(json.dumps({"version": release.version, "since": time.time()}), encoding="utf-8")
        tmp.replace(pointer)

    def add(self, model: Path, domain: Path, digest: str, now: float | None = None) -> Release:
        now = time.time() if now is None else now
        version = f"{datetime.fromtimestamp(now):%Y%m%d-%H%M%S}-{digest[:7]}"
        folder = self.folder / version
        staging = self.folder / f".{version}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        shutil.copy2(model, staging / "model.tar.gz")
        shutil.copy2(domain, staging / "domain.yml")
        meta = {"version": version, "shipped_at": now, "hash": digest}
        (staging / "release.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
        staging.replace(folder)
        return Release(version, folder, now, digest)

    def prune(self) -> None:
        live = self.live()
        for old in self.all()[:-KEEP]:
            if live is None or old.version != live.version:
                shutil.rmtree(old.folder, ignore_errors=True)

    @contextlib.contextmanager
    def lock(self):
        """One ship or rollback at a time; the second one is refused at once, with who holds it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / ".lock"
        handle = open(path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            handle.close()
            raise ShipError(
                f"Un altro rilascio è in corso ({holder}): aspetta che finisca e riprova."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, iniziato alle {datetime.now():%H:%M:%S}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()


# ---------------------------------------------------------------------------------- the system


@dataclass
class Target:
    """The running system: its Rasa processes and the hubs' Redis."""

    rasa_urls: list[str]
    redis_url: str
    key_prefix: str = "sportello:"
    rasa_token: str = ""
    found: str = ""  # which system this is, in words (said before anything changes)

    @classmethod
    def find(cls, stack_file: Path | None = None) -> Target:
        """The system to ship to: RASA_URLS and REDIS_URL when given (production), else the one
        `make run` of this folder is running (its stack file, written only by the launcher that
        holds the folder's lock). A stack file nobody runs any more is refused, not trusted."""
        stack: dict = {}
        stack_file = Path(os.environ.get("SPORTELLO_STACK") or stack_file or STACK_FILE)
        given = os.environ.get("RASA_URLS") and os.environ.get("REDIS_URL")
        if not given and stack_file.exists():
            if not holds(stack_file.with_name("stack.lock")):
                raise ShipError(
                    f"{stack_file} descrive un sistema che non è più in esecuzione: avvia `make run`, "
                    "oppure imposta RASA_URLS e REDIS_URL."
                )
            stack = json.loads(stack_file.read_text(encoding="utf-8"))
        urls = os.environ.get("RASA_URLS") or ",".join(stack.get("rasa_urls") or [])
        redis_url = os.environ.get("REDIS_URL") or stack.get("redis_url") or ""
        if not urls or not redis_url:
            raise ShipError(
                "Non trovo il sistema in esecuzione: avvia `make run`, oppure imposta RASA_URLS "
                "(gli indirizzi dei processi Rasa) e REDIS_URL (il Redis dei processi hub)."
            )
        target = cls(
            rasa_urls=[u.strip().rstrip("/") for u in urls.split(",") if u.strip()],
            redis_url=redis_url,
            key_prefix=key_prefix(
                os.environ.get("HUB_KEY_PREFIX") or stack.get("key_prefix") or "sportello:", redis_url
            ),
            rasa_token=os.environ.get("RASA_TOKEN") or stack.get("rasa_token") or "",
        )
        target.found = (
            f"make run (pid {stack.get('pid')}, hub {stack.get('hub_url')})"
            if stack and not given
            else "RASA_URLS/REDIS_URL"
        )
        return target

    def _params(self) -> dict:
        return {"token": self.rasa_token} if self.rasa_token else {}

    def rasa_model(self, url: str) -> str:
        """The id of the model this Rasa serves (`GET /status`)."""
        import httpx

        response = httpx.get(f"{url}/status", params=self._params(), timeout=10)
        response.raise_for_status()
        return str(response.json().get("model_id") or "")

    def load_model(self, url: str, model: Path) -> None:
        import httpx

        response = httpx.put(
            f"{url}/model", params=self._params(), json={"model_file": str(model)}, timeout=300
        )
        if response.status_code >= 300:
            raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
        if self.rasa_model(url) != model_id(model):
            raise RuntimeError("dopo il caricamento Rasa dice di usare un altro modello")

    def publish(self, release: Release) -> int:
        """The release's words to every hub process (the content store + a bus notice); how many
        confirmed."""
        from handoff.responses import Responses

        text = release.domain.read_text(encoding="utf-8")
        Responses.parse(text, f"{release.folder.name}/domain.yml")  # what the hub would refuse
        return asyncio.run(self._publish(release, text))

    async def _publish(self, release: Release, text: str) -> int:
        from handoff.bus import AgentNotice, encode
        from handoff.store.content import ContentStore
        from handoff.store.keys import Keys

        meta = {"version": release.version, "shipped_at": release.shipped_at, "hash": release.hash}
        client = async_client(self.redis_url, decode_responses=True)
        try:
            store = ContentStore(client, Keys(self.key_prefix))
            await store.publish(text, meta, encode(AgentNotice({"type": "content", **meta}, None)))
            # how many processes say they took it: wait for the first (10 s at most), then until no
            # other one has come for half a second
            deadline, settled = time.monotonic() + 10, None
            confirmed = 0
            while time.monotonic() < deadline:
                now = await store.processes_on(release.version)
                if now != confirmed:
                    confirmed, settled = now, time.monotonic()
                elif confirmed and time.monotonic() - settled >= 0.5:
                    break
                await asyncio.sleep(0.1)
            return confirmed
        finally:
            await client.aclose()


def go_live(target: Target, release: Release, fallback: Release | None) -> None:
    """Every Rasa loads the release's model, then the hubs take its words. A Rasa that refuses:
    the ones already switched go back to `fallback` (the live release), the hubs are untouched,
    and the error says which."""
    for url in target.rasa_urls:
        try:
            target.rasa_model(url)
        except Exception as exc:  # noqa: BLE001 - any failure is said in a sentence
            raise ShipError(f"Rasa su {url} non risponde ({_short(exc)}): niente è stato cambiato.") from None
    switched: list[str] = []

    def undo() -> None:
        if fallback is None:
            return
        for done in switched:
            with contextlib.suppress(Exception):
                target.load_model(done, fallback.model)

    for url in target.rasa_urls:
        say(f"      Rasa su {url}: carico il modello…")
        try:
            target.load_model(url, release.model)
            switched.append(url)
        except Exception as exc:  # noqa: BLE001
            undo()
            raise ShipError(
                f"Rasa su {url} non ha caricato il modello nuovo ({_short(exc)}): "
                "gli altri processi sono tornati al modello di prima, niente è cambiato."
            ) from None
    try:
        confirmed = target.publish(release)
    except Exception as exc:  # noqa: BLE001
        undo()
        raise ShipError(
            f"Le risposte nuove non sono arrivate ai processi hub ({_short(exc)}): "
            "Rasa è tornato al modello di prima, niente è cambiato."
        ) from None
    if confirmed:
        say(f"      hub: {confirmed} processo/i usano le risposte nuove.")
    else:
        say("      hub: nessun processo ha confermato entro 10 s (è avviato?); le prende all'avvio.")


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


# ---------------------------------------------------------------------------------- the steps


def run_step(argv: list[str], env: dict[str, str], heartbeat: str) -> tuple[int, str]:
    """Run a step, showing a progress line every 15 s; returns (exit code, its output)."""
    lines: list[str] = []
    started = time.monotonic()
    proc = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    )
    stage = {"now": ""}

    def read() -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            for line in raw.replace("\r", "\n").splitlines():
                if line.strip() and not any(n in line for n in NOISE):
                    lines.append(line)
                    if "Starting to train component" in line:
                        stage["now"] = line.rsplit("'", 2)[-2] if "'" in line else line[-40:]

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    while reader.is_alive():
        reader.join(timeout=15)
        if reader.is_alive():
            elapsed = int(time.monotonic() - started)
            extra = f" ({stage['now']})" if stage["now"] else ""
            say(f"      … {heartbeat}: {elapsed // 60} min {elapsed % 60:02d} s{extra}")
    return proc.wait(), "\n".join(lines)


def bot_env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONWARNINGS": "ignore",
        **extra,
    }


def ship(root: Path, releases: Releases, target: Target) -> Release:
    root = Path(root).resolve()
    steps = 5
    with releases.lock():
        say(f"[1/{steps}] Controllo dei contenuti (make validate)…")
        code, out = run_step([str(BOT_PY), "-m", "bot.validate", "--root", str(root)], bot_env(), "controllo")
        if code != 0:
            say(out)
            raise ShipError(
                "Rilascio annullato: i contenuti hanno i problemi elencati sopra; niente è cambiato."
            )
        digest = content_hash(root)
        live = releases.live()
        if live is not None and live.hash == digest:
            say(f"Niente da rilasciare: i contenuti sono quelli della versione live {live.version}.")
            return live
        # the target must answer before minutes of training are spent
        for url in target.rasa_urls:
            try:
                target.rasa_model(url)
            except Exception as exc:  # noqa: BLE001
                raise ShipError(
                    f"Rasa su {url} non risponde ({_short(exc)}): niente è stato cambiato."
                ) from None
        with tempfile.TemporaryDirectory(prefix="sportello-ship-") as tmp:
            out_dir = Path(tmp)
            # what is trained: the content made into the running shop's (its products, its guard)
            built = out_dir / "shop"
            shop_build.build(root, None, built)
            say(f"[2/{steps}] Addestramento del modello (qualche minuto)…")
            code, out = run_step(
                [
                    str(BOT_PY),
                    "-m",
                    "rasa",
                    "train",
                    "--config",
                    str(built / "config.yml"),
                    "--domain",
                    str(root / "domain.yml"),
                    "--data",
                    str(built / "data"),
                    "--out",
                    str(out_dir),
                    "--fixed-model-name",
                    "candidate",
                    "--num-threads",
                    "2",
                ],
                bot_env(),
                "addestramento",
            )
            model = out_dir / "candidate.tar.gz"
            if code != 0 or not model.exists():
                say("\n".join(out.splitlines()[-15:]))
                raise ShipError(
                    "Rilascio annullato: l'addestramento non è riuscito (vedi sopra); niente è cambiato."
                )
            say(f"[3/{steps}] Prove di qualità: comprensione (F1 ≥ 0.90) e conversazioni di prova…")
            code, out = run_step(
                [
                    str(BOT_PY),
                    "-m",
                    "pytest",
                    "-q",
                    "-p",
                    "no:cacheprovider",
                    "tests/bot/test_nlu.py",
                    "tests/bot/test_conversations.py",
                ],
                bot_env(SPORTELLO_MODEL=str(model), SPORTELLO_CONTENT_ROOT=str(root)),
                "prove",
            )
            if code != 0:
                say("\n".join(line for line in out.splitlines() if line.startswith(("FAILED", "E ")))[:3000])
                raise ShipError(
                    "Rilascio annullato: il modello nuovo non supera le prove di qualità (vedi sopra); "
                    "niente è cambiato."
                )
            say(f"[4/{steps}] Salvataggio della versione…")
            release = releases.add(model, root / "domain.yml", digest)
        say(f"[5/{steps}] Messa in linea della versione {release.version}…")
        try:
            go_live(target, release, live)
        except ShipError:
            shutil.rmtree(release.folder, ignore_errors=True)
            raise
        releases.set_live(release)
        releases.prune()
    say(f"Fatto: la versione {release.version} è in linea.")
    return release


def rollback(releases: Releases, target: Target) -> Release:
    with releases.lock():
        live = releases.live()
        kept = releases.all()
        if live is None:
            raise ShipError("Non c'è una versione in linea da cui tornare indietro.")
        earlier = [r for r in kept if r.version < live.version]
        if not earlier:
            raise ShipError(
                f"La versione {live.version} è la più vecchia conservata: non c'è una precedente."
            )
        previous = earlier[-1]
        say(f"Ripristino della versione {previous.version} (in linea ora: {live.version})…")
        go_live(target, previous, live)
        releases.set_live(previous)
        # the release rolled back is dropped: a second rollback goes one further back, and shipping
        # the fixed content makes a new version
        shutil.rmtree(live.folder, ignore_errors=True)
    say(f"Fatto: è di nuovo in linea la versione {previous.version}.")
    return previous


def register_running(model: Path, domain: Path, root: Path, releases: Releases, target: Target) -> Release:
    """`make run`: what it starts with (the trained model, the working tree's domain) is the live
    release, so the first ship can be rolled back to it. Publishes the words to the hubs' Redis."""
    digest = content_hash(root)
    with releases.lock():
        live = releases.live()
        if live is not None and live.hash == digest and live.model.exists():
            release = live
        else:
            release = releases.add(model, domain, digest)
        target.publish(release)
        releases.set_live(release)
        releases.prune()
    return release


def show(releases: Releases) -> None:
    live = releases.live()
    kept = releases.all()
    if not kept:
        say("Nessuna versione conservata: la prima la crea `make ship` (o `make run`).")
        return
    for r in reversed(kept):
        mark = "  ← in linea" if live is not None and r.version == live.version else ""
        say(
            f"{r.version}  {datetime.fromtimestamp(r.shipped_at):%d/%m/%Y %H:%M}  contenuti {r.hash[:12]}{mark}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.ship", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("ship", "rollback", "list", "register"))
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the content folder (default: the repository)"
    )
    parser.add_argument("--releases", type=Path, default=RELEASES)
    parser.add_argument("--model", type=Path, help="register: the model the system starts with")
    args = parser.parse_args(argv)
    releases = Releases(args.releases)
    try:
        if args.command == "list":
            show(releases)
        elif args.command == "register":  # make run, before the hub starts
            target = Target.find()
            release = register_running(args.model, args.root / "domain.yml", args.root, releases, target)
            say(release.version)
        elif args.command == "ship":
            target = Target.find()
            say(f"Sistema: {target.found} — Rasa {', '.join(target.rasa_urls)}")
            ship(args.root, releases, target)
        else:
            target = Target.find()
            say(f"Sistema: {target.found} — Rasa {', '.join(target.rasa_urls)}")
            rollback(releases, target)
    except ShipError as exc:
        say(str(exc))
        return 3 if "in corso" in str(exc) else 1
    except KeyboardInterrupt:
        say("Interrotto: la versione in linea non è cambiata se il passo 5 non era iniziato.")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
