"""`python -m handoff [serve]` runs the hub; `python -m handoff agents ...` manages agents."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys

from handoff.settings import Settings, SettingsError

DEMO_AGENTS = (
    ("serena@sportello.example", "Serena", [], 3, "f", "agent"),
    ("marco@sportello.example", "Marco", [], 3, "m", "agent"),
    ("supervisore@sportello.example", "Giovanna", [], 3, "f", "supervisor"),
    ("editor@sportello.example", "Paolo", [], 3, "m", "editor"),
)


def _redis(settings: Settings):
    from sportello.redis_url import async_client

    return async_client(settings.redis_url, decode_responses=True)


def _password(args) -> str:
    if args.password:
        return args.password
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        raise SystemExit("the passwords do not match")
    return first


async def _agents(args) -> int:
    from handoff.bus import AgentNotice, EventBus
    from handoff.services.agent_desk import REVOKED
    from handoff.store import AgentStore, Keys
    from handoff.store.agents import AgentError, validate_gender, validate_role

    settings = Settings.from_env(require_secrets=False)
    redis = _redis(settings)
    store = AgentStore(redis, Keys(settings.key_prefix), settings.heartbeat_timeout)
    try:
        if args.action == "add":
            skills = [s for s in (args.skills or "").split(",") if s.strip()]
            validate_gender(args.gender)  # before asking for a password
            validate_role(args.role)
            agent = await store.create(
                args.email,
                args.name,
                _password(args),
                skills,
                args.capacity,
                gender=args.gender,
                role=args.role,
            )
            print(f"created {agent.id} {agent.name} <{agent.email}> ({agent.role})")
        elif args.action == "list":
            for agent in await store.all():
                state = "disabled" if agent.disabled else await store.presence(agent.id)
                skills = ",".join(agent.skills) or "*"
                print(
                    f"{agent.id}\t{agent.name}\t{agent.email}\tskills={skills}\tcapacity={agent.capacity}\t{state}"
                    f"\tgender={agent.gender or '-'}\trole={agent.role}"
                )
        elif args.action in ("disable", "enable", "set-password"):
            agent = await store.by_email(args.email)
            if agent is None:
                raise AgentError(f"no agent with e-mail {args.email}")
            if args.action == "set-password":
                await store.set_password(agent.id, _password(args))
                print(f"password changed for {agent.email} (old tokens no longer work)")
            else:
                await store.set_disabled(agent.id, args.action == "disable")
                print(f"{agent.email} {args.action}d")
            # consoles open in any hub process re-check their token now, not at the next tick
            bus = EventBus(redis, Keys(settings.key_prefix).channel())
            await bus.publish(AgentNotice({"type": REVOKED}, agent.id))
        elif args.action == "seed-demo":
            password = os.environ.get("DEMO_AGENT_PASSWORD") or "sportello-demo"
            for email, name, skills, capacity, gender, role in DEMO_AGENTS:
                existing = await store.by_email(email)
                if existing is None:
                    await store.create(email, name, password, skills, capacity, gender=gender, role=role)
                    print(f"created demo {role} {name} <{email}>")
                elif not existing.gender:
                    await store.update(existing.id, gender=gender)
                    print(f"demo agent {name} <{email}> already exists; gender set")
                else:
                    print(f"demo agent {name} <{email}> already exists")
        return 0
    except AgentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        await redis.aclose()


def _serve() -> int:
    import logging

    from handoff.app import create_app

    settings = Settings.from_env()
    # the hub's own loggers get one handler; Sanic configures its own loggers
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    hub_logger = logging.getLogger("handoff")
    hub_logger.addHandler(handler)
    hub_logger.setLevel(os.environ.get("HUB_LOG_LEVEL", "INFO").upper())
    hub_logger.propagate = False
    app = create_app(settings)
    app.run(
        host=settings.host,
        port=settings.port,
        single_process=True,
        motd=False,
        access_log=settings.access_log,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m handoff", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the hub (default)")
    agents = sub.add_parser("agents", help="manage agents")
    actions = agents.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="create an agent")
    add.add_argument("--email", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--skills", default="", help="comma-separated problem types; empty = all")
    add.add_argument("--capacity", type=int, default=3)
    add.add_argument(
        "--gender",
        default=None,
        help="f or m: the widget then says 'si è unita/unito' (optional)",
    )
    add.add_argument(
        "--role",
        default="agent",
        help="agent (default), supervisor (manages agents, reads reports; the first one is made here) or editor",
    )
    add.add_argument("--password", help="default: prompted, or read from stdin")
    actions.add_parser("list", help="list agents")
    for action in ("disable", "enable", "set-password"):
        cmd = actions.add_parser(action)
        cmd.add_argument("--email", required=True)
        if action == "set-password":
            cmd.add_argument("--password")
    actions.add_parser(
        "seed-demo",
        help="create the demo agents Serena and Marco, the supervisor and the editor (idempotent)",
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "agents":
            return asyncio.run(_agents(args))
        return _serve()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
