"""Sportello's Rasa SDK actions: one module per concern (see docs/architecture.md)."""
