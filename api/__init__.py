"""The REST API and the Mini App (served by the web role under /api and /app/).

Every endpoint calls the same core services as the traders' bot: no rule lives here. api/ may
import core and botkit (texts, numbers, formatting), never bot/ or admin_bot/. ``api.app.mount``
puts it on the process's aiohttp application; ``api.stream`` carries the outbox's events to the
WebSocket clients of every web worker; ``api.photos`` keeps the chat's photos as files of the
traders' bot (the context's ``bot``).
"""
