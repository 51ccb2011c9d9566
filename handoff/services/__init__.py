"""The hub's behaviour as a few services with explicit dependencies, wired in `handoff.hub.Hub`.

Who calls whom (no cycles; tests/project/test_imports.py checks the modules): blueprints →
Customers, AgentDesk, Router, Cases, ConsoleQueries, Ratings, Auth; Customers → BotBridge;
AgentDesk → Router, Waits, Presence, BotBridge; BotBridge → Router, Waits, Cases; Presence → Router,
Waits; Router → Cases, Waits, ConsoleQueries; Sweeper → Presence, Cases, BotBridge, Mailer; every
service → Events (which tells Metrics, the metrics home) and the stores. docs/architecture.md has
the picture.
"""
