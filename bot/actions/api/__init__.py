"""Clients for the services the actions talk to: the shop's order system and the hub."""
