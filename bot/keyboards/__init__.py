"""Keyboard builders and CallbackData classes of the traders' bot."""
