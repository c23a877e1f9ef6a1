"""The domain of KOXX P2P: plain async Python over SQLAlchemy, nothing of Telegram."""
