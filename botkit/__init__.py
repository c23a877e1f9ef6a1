"""What both bots share: the notifier that delivers core's outbox to Telegram and the registry of
how each event reads (botkit.rendering). bot/ and admin_bot/ depend on botkit, never on each
other."""
