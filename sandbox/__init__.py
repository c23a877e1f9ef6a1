"""Offline stand-ins for the services outside this machine (Telegram, TRON).

Each stand-in speaks the real wire protocol over loopback HTTP, so the production clients
(aiogram, tronpy) run against it unchanged.
"""
