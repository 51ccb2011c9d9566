"""What the bot, the hub and the tools share, written once.

The bot (`bot/`, Rasa's Python 3.10 environment) and the hub (`handoff/`, Python 3.11+) never import
each other; both import this package, which imports neither of them (tests/project/test_imports.py
fails on any import between them and on any import cycle). It holds only what both sides must agree
on, with the standard library, PyYAML and redis-py:

* `problems`  the registry of problem types and moods (bot/problems.yml)
* `responses` which variation of a domain.yml response fits a conversation (tu/Lei, mood…)
* `shop`      the shop's facts that responses quote (bot/shop.yml)
* `patterns`  what an order number and an e-mail address look like
* `redis_url` REDIS_URL: one Redis, a Cluster or Sentinel, with redis-py's own clients
* `env`       reading settings from the environment, with errors that name the variable
"""
