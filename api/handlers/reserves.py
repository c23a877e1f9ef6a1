"""Proof of reserves: the signed-in trader's inclusion proof, and the standalone verifier that
checks it (the same file and proof /proof gives in the bot; docs/proof-of-reserves.md)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from api.problems import Problem
from api.routing import Call, route
from core.reserves import snapshot


@route("GET", "/reserves/proof", summary="The trader's inclusion proof in a proof of reserves (default: the latest)",
       tag="reserves", query={"snapshot": "a snapshot id (default: the latest published)"},
       answer={"type": "object", "properties": {"proof": {"type": "object"}, "verifier": {"type": "string"}}})
async def proof(call: Call) -> dict[str, Any]:
    raw = call.request.query.get("snapshot")
    if raw is not None and not (raw.isdigit() and len(raw) <= 18):  # Arabic-Indic digits too
        raise Problem(422, "field_invalid", field="snapshot")
    doc = await snapshot.proof_for(call.session, call.user_id, int(raw) if raw is not None else None)
    if doc is None:
        raise Problem(404, "proof_not_found")
    return {"proof": doc, "verifier": "/api/reserves/verifier"}


@route("GET", "/reserves/verifier", summary="The standalone verifier (Python, standard library only)",
       tag="reserves", auth=False, raw=True, answer={"type": "string"})
async def verifier(request: web.Request) -> web.Response:
    return web.Response(body=snapshot.verifier_file(), content_type="text/x-python",
                        headers={"Content-Disposition": 'attachment; filename="verify_reserves.py"'})
