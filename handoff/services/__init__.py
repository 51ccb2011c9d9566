"""The hub's behaviour as a few services with explicit dependencies, wired in `handoff.hub.Hub`.

Who calls whom (no cycles): blueprints → Customers, AgentDesk, Router, ConsoleQueries, Ratings,
Auth; Customers → BotBridge; AgentDesk → Router, BotBridge; BotBridge → Router; Router →
ConsoleQueries; every service → Events and the stores. docs/architecture.md has the picture.
"""
