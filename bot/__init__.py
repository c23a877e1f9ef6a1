"""The traders' bot (aiogram 3)."""
