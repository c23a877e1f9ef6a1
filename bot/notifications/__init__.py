"""Renderers of core's outbox events (see bot/notifier.py): one module per feature."""
