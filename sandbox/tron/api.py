"""The HTTP API: java-tron's /wallet and /walletsolidity endpoints (the subset tronpy and a deposit
scanner use, in their real JSON shapes) and /control endpoints for tests and a web panel."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from tronpy import keys

from . import proto, render
from .chain import MAX_BLOCKS_PER_RANGE, Block, Changes, Reject, Tx, b58, build_raw, parse_tx, raw_address
from .contracts import PAYOUT_ABI, TRC20_ABI, Payout, selector
from .node import BroadcastError, TronNode

Handler = Callable[[TronNode, dict[str, Any], bool], Any]
NODE_KEY: web.AppKey[TronNode] = web.AppKey("tron_node", TronNode)


def _json(value: Any, status: int = 200) -> web.Response:
    text = value if isinstance(value, str) else render.dumps(value)
    return web.Response(text=text, status=status, content_type="application/json")


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _hex_message(text: str) -> str:
    return text.encode().hex()


def _java_error(kind: str, message: str) -> dict[str, str]:
    return {"Error": f"class {kind} : {message}"}


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        try:
            body = await request.json(loads=json.loads)
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        if isinstance(body, dict):
            params.update(body)
    return params


def _int(params: dict[str, Any], name: str) -> int:
    value = params.get(name)
    if value is None:
        raise ValueError(f"{name} is required")
    return int(value)


# ---- blocks ---------------------------------------------------------------------------------


def now_block(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> str:
    chain = node.chain
    return render.block_text(chain.solid_block if solid else chain.head, visible)


def block_by_num(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    found = node.chain.block(_int(params, "num"), solid=solid)
    return render.block_text(found, visible) if found else {}


def block_by_id(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    found = node.chain.block_by_id(str(params.get("value", "")))
    if found is None or (solid and found.number > node.solid_number):
        return {}
    return render.block_text(found, visible)


def _blocks_text(blocks: list[Block], visible: bool) -> str:
    if not blocks:
        return "{}"
    return '{"block":[' + ",".join(render.block_text(b, visible) for b in blocks) + "]}"


def block_range(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    start, end = _int(params, "startNum"), _int(params, "endNum")
    if start < 0 or end <= start or end - start > MAX_BLOCKS_PER_RANGE:
        return {}
    limit = node.solid_number if solid else node.head_number
    return _blocks_text(node.chain.blocks[start : min(end, limit + 1)], visible)


def latest_blocks(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    count = _int(params, "num")
    if count <= 0 or count > MAX_BLOCKS_PER_RANGE:
        return {}
    limit = node.solid_number if solid else node.head_number
    return _blocks_text(node.chain.blocks[max(0, limit + 1 - count) : limit + 1], visible)


def get_block(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    id_or_num = str(params.get("id_or_num", ""))
    chain = node.chain
    if not id_or_num:
        found: Block | None = chain.solid_block if solid else chain.head
    elif id_or_num.isdigit():
        found = chain.block(int(id_or_num), solid=solid)
    else:
        found = chain.block_by_id(id_or_num)
        if found is not None and solid and found.number > node.solid_number:
            found = None
    if found is None:
        return {}
    if _truthy(params.get("detail")):
        return render.block_text(found, visible)
    out = render.block(found, visible)
    out.pop("transactions", None)
    return out


def infos_by_block(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    found = node.chain.block(_int(params, "num"), solid=solid)
    return render.tx_infos_text(found) if found else []


def info_by_id(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    hit = node.chain.find_tx(str(params.get("value", "")), solid=solid)
    if hit is None:
        return {}
    info = render.tx_info(*hit)
    if visible and "contract_address" in info:
        info["contract_address"] = b58(bytes.fromhex(info["contract_address"]))
    return info


def tx_by_id(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    hit = node.chain.find_tx(str(params.get("value", "")), solid=solid)
    if hit is None:
        return {}
    _, tx, receipt = hit
    return render.transaction(tx, receipt, visible, flag=True)


def tx_from_pending(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    tx = node.pending_tx(str(params.get("value", "")))
    return render.transaction(tx, None, visible, flag=True) if tx is not None else {}


def node_info(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    chain = node.chain
    return {
        "beginSyncNum": chain.head_number,
        "block": f"Num:{chain.head_number},ID:{chain.head.block_id}",
        "solidityBlock": f"Num:{chain.solid_number},ID:{chain.solid_block.block_id}",
        "currentConnectCount": 27,
        "activeConnectCount": 27,
        "passiveConnectCount": 0,
        "totalFlow": 0,
        "peerInfoList": [],
        "configNodeInfo": {"codeVersion": "4.7.6", "versionNum": "18306", "p2pVersion": "11111",
                           "dbVersion": 2, "supportConstant": True, "minTimeRatio": 0.0},
        "machineInfo": {"threadCount": 1, "cpuCount": 2, "javaVersion": "none (koxx sandbox)"},
        "cheatWitnessInfoMap": {},
    }


# ---- accounts and parameters ----------------------------------------------------------------


def _address_param(params: dict[str, Any], name: str = "address") -> bytes:
    value = params.get(name)
    if not value:
        raise ValueError(f"{name} is required")
    return raw_address(str(value))


def get_account(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    return render.account(node.chain, _address_param(params), visible, solid=solid)


def get_account_resource(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    return render.account_resource(node.chain, _address_param(params))


def get_account_net(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    resource = render.account_resource(node.chain, _address_param(params))
    return {k: v for k, v in resource.items() if "Net" in k}


def chain_parameters(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    return render.chain_parameters(node.chain)


def energy_prices(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    return {"prices": f"0:100,1575871200000:10,1606537680000:40,1614238080000:140,1635739080000:280,"
                      f"1681895880000:420,1701153000000:{node.chain.params.energy_fee}"}


def bandwidth_prices(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    return {"prices": f"0:10,1606537680000:40,1614238080000:140,1626581880000:1000,"
                      f"1681895880000:{node.chain.params.transaction_fee}"}


def get_contract(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    address = raw_address(str(params.get("value", "")))
    contract = node.chain.contracts.get(address)
    if contract is None:
        return {}
    is_payout = isinstance(contract, Payout)
    name = "Payout" if isinstance(contract, Payout) else contract.name.replace(" ", "")
    origin = node.chain.witnesses[0]
    return {
        "origin_address": render.address(origin, visible),
        "contract_address": render.address(address, visible),
        "abi": {"entrys": PAYOUT_ABI if is_payout else TRC20_ABI},
        "bytecode": "6080604052348015600f57600080fd5b50",
        "consume_user_resource_percent": 100,
        "name": name,
        "origin_energy_limit": 10_000_000,
        "code_hash": keys.keccak256(address).hex(),
    }


def get_contract_info(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    smart = get_contract(node, params, visible, solid)
    if not smart:
        return {}
    return {"runtimecode": smart["bytecode"], "smart_contract": smart,
            "contract_state": {"energy_usage": 0, "energy_factor": 0, "update_cycle": 1}}


# ---- building transactions ------------------------------------------------------------------


def _dry_run(node: TronNode, tx: Tx) -> None:
    """Validate `tx` on top of the pool without keeping anything."""
    pool = node.chain.pool_changes
    scratch = Changes(node.chain.state, pool.block)
    scratch.deltas = dict(pool.deltas)
    scratch.created = dict(pool.created)
    node.chain.execute(tx, scratch, node.chain.now_ms())


def _unsigned(node: TronNode, kind: str, value: dict[str, Any], visible: bool, fee_limit: int = 0) -> dict[str, Any]:
    raw = build_raw(kind, value, ref_block_id=node.chain.head.block_id, now=node.chain.now_ms(), fee_limit=fee_limit)
    raw_bytes = proto.encode_raw(raw)
    return render.unsigned_tx(raw, proto.txid(raw_bytes), raw_bytes.hex(), visible)


def create_transaction(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    value = {
        "owner_address": _address_param(params, "owner_address").hex(),
        "to_address": _address_param(params, "to_address").hex(),
        "amount": _int(params, "amount"),
    }
    tx = _unsigned(node, "TransferContract", value, visible)
    try:
        _dry_run(node, parse_tx(tx))
    except Reject as exc:
        return _java_error("org.tron.core.exceptions.ContractValidateException", exc.message)
    return tx


def _resource_name(params: dict[str, Any]) -> str:
    resource = params.get("resource", "BANDWIDTH")
    if isinstance(resource, int):
        return "ENERGY" if resource == 1 else "BANDWIDTH"
    return str(resource).upper()


def _build_checked(node: TronNode, kind: str, value: dict[str, Any], visible: bool) -> Any:
    tx = _unsigned(node, kind, value, visible)
    try:
        _dry_run(node, parse_tx(tx))
    except Reject as exc:
        return _java_error("org.tron.core.exceptions.ContractValidateException", exc.message)
    return tx


def freeze_v2(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    value = {
        "owner_address": _address_param(params, "owner_address").hex(),
        "frozen_balance": _int(params, "frozen_balance"),
        "resource": _resource_name(params),
    }
    return _build_checked(node, "FreezeBalanceV2Contract", value, visible)


def delegate_resource(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    value = {
        "owner_address": _address_param(params, "owner_address").hex(),
        "receiver_address": _address_param(params, "receiver_address").hex(),
        "balance": _int(params, "balance"),
        "resource": _resource_name(params),
        "lock": _truthy(params.get("lock")),
        "lock_period": int(params.get("lock_period", 0) or 0),
    }
    return _build_checked(node, "DelegateResourceContract", value, visible)


def undelegate_resource(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    value = {
        "owner_address": _address_param(params, "owner_address").hex(),
        "receiver_address": _address_param(params, "receiver_address").hex(),
        "balance": _int(params, "balance"),
        "resource": _resource_name(params),
    }
    return _build_checked(node, "UnDelegateResourceContract", value, visible)


def can_delegate_max(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    owner = _address_param(params, "owner_address")
    resource = "ENERGY" if int(params.get("type", 0) or 0) == 1 else "BANDWIDTH"
    nums = node.chain.state.nums
    size = nums.get(("frozen", owner, resource), 0) - nums.get(("delegated_out", owner, resource), 0)
    return {"max_size": size} if size else {}


def delegated_v2(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    src, dst = _address_param(params, "fromAddress"), _address_param(params, "toAddress")
    nums = node.chain.state.nums
    net = nums.get(("delegated", src, dst, "BANDWIDTH"), 0)
    energy = nums.get(("delegated", src, dst, "ENERGY"), 0)
    if not net and not energy:
        return {}
    entry: dict[str, Any] = {"from": render.address(src, visible), "to": render.address(dst, visible)}
    if net:
        entry["frozen_balance_for_bandwidth"] = net
    if energy:
        entry["frozen_balance_for_energy"] = energy
    return {"delegatedResource": [entry]}


def _call_data(params: dict[str, Any]) -> bytes:
    if params.get("data"):
        return bytes.fromhex(str(params["data"]))
    function = str(params.get("function_selector", ""))
    if not function:
        raise ValueError("function_selector or data is required")
    return selector(function.replace(" ", "")) + bytes.fromhex(str(params.get("parameter", "") or ""))


def _owner(params: dict[str, Any]) -> bytes:
    value = params.get("owner_address")
    return raw_address(str(value)) if value else b"\x41" + b"\x00" * 20


def trigger_smart_contract(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    contract = _address_param(params, "contract_address")
    if contract not in node.chain.contracts:
        return {"result": {"code": "CONTRACT_VALIDATE_ERROR",
                           "message": _hex_message("No contract or not a smart contract")}}
    value = {
        "owner_address": _address_param(params, "owner_address").hex(),
        "contract_address": contract.hex(),
        "data": _call_data(params).hex(),
        "call_value": int(params.get("call_value", 0) or 0),
    }
    tx = _unsigned(node, "TriggerSmartContract", value, visible, int(params.get("fee_limit", 0) or 0))
    return {"result": {"result": True}, "transaction": tx}


def trigger_constant_contract(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    contract = _address_param(params, "contract_address")
    owner = _owner(params)
    data = _call_data(params)
    call = node.chain.constant_call(owner, contract, data, solid=solid)
    if call is None:
        return {"result": {"code": "CONTRACT_VALIDATE_ERROR",
                           "message": _hex_message("No contract or not a smart contract")}}
    value = {"owner_address": owner.hex(), "contract_address": contract.hex(), "data": data.hex()}
    tx = _unsigned(node, "TriggerSmartContract", value, visible)
    result: dict[str, Any] = {"result": True}
    if not call.ok:
        result["message"] = "REVERT opcode executed"
    tx = {"ret": [{}], **tx}
    return {"result": result, "energy_used": call.energy, "constant_result": [call.output.hex()],
            "transaction": tx}


def estimate_energy(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    call = node.chain.constant_call(_owner(params), _address_param(params, "contract_address"), _call_data(params))
    if call is None:
        return {"result": {"code": "CONTRACT_VALIDATE_ERROR",
                           "message": _hex_message("No contract or not a smart contract")}}
    if not call.ok:
        return {"result": {"result": True, "message": "REVERT opcode executed"}}
    return {"result": {"result": True}, "energy_required": call.energy}


def sign_weight(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    try:
        tx = parse_tx(params)
    except (Reject, KeyError, ValueError, TypeError) as exc:
        message = exc.message if isinstance(exc, Reject) else f"invalid transaction: {exc}"
        return {"result": {"code": "OTHER_ERROR", "message": _hex_message(message)}}
    out: dict[str, Any] = {}
    if tx.owner in node.chain.state.accounts or node.chain.pool_changes.exists(tx.owner):
        out["permission"] = {
            "permission_name": "owner",
            "threshold": 1,
            "keys": [{"address": render.address(tx.owner, visible), "weight": 1}],
        }
    if tx.signature:
        try:
            node.chain.check_signature(tx)
            out["current_weight"] = 1
            out["approved_list"] = [render.address(tx.owner, visible)]
            out["result"] = {"code": "ENOUGH_PERMISSION"}
        except Reject as exc:
            out["result"] = {"code": "SIGNATURE_FORMAT_ERROR", "message": exc.message}
    else:
        out["result"] = {"code": "NOT_ENOUGH_PERMISSION"}
    out["transaction"] = {
        "result": {"result": True},
        "txid": tx.txid,
        "transaction": render.transaction(tx, None, visible, flag=True),
    }
    return out


def broadcast(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    txid = str(params.get("txID", ""))
    try:
        tx = node.chain.broadcast(params)
    except Reject as exc:
        return {"code": exc.code, "txid": txid, "message": _hex_message(exc.message)}
    except (KeyError, ValueError, TypeError) as exc:
        return {"code": "OTHER_ERROR", "txid": txid, "message": _hex_message(f"invalid transaction: {exc}")}
    return {"result": True, "txid": tx.txid}


def broadcast_hex(node: TronNode, params: dict[str, Any], visible: bool, solid: bool) -> Any:
    return {"code": "OTHER_ERROR", "message": _hex_message("broadcasthex is not supported by the sandbox; "
                                                            "use broadcasttransaction")}


WALLET: dict[str, Callable[..., Any]] = {
    "getnowblock": now_block,
    "getblockbynum": block_by_num,
    "getblockbyid": block_by_id,
    "getblockbylimitnext": block_range,
    "getblockbylatestnum": latest_blocks,
    "getblock": get_block,
    "gettransactioninfobyblocknum": infos_by_block,
    "gettransactioninfobyid": info_by_id,
    "gettransactionbyid": tx_by_id,
    "gettransactionfrompending": tx_from_pending,
    "getnodeinfo": node_info,
    "getaccount": get_account,
    "getaccountresource": get_account_resource,
    "getaccountnet": get_account_net,
    "getchainparameters": chain_parameters,
    "getenergyprices": energy_prices,
    "getbandwidthprices": bandwidth_prices,
    "getcontract": get_contract,
    "getcontractinfo": get_contract_info,
    "createtransaction": create_transaction,
    "triggersmartcontract": trigger_smart_contract,
    "triggerconstantcontract": trigger_constant_contract,
    "estimateenergy": estimate_energy,
    "getsignweight": sign_weight,
    "broadcasttransaction": broadcast,
    "broadcasthex": broadcast_hex,
    "freezebalancev2": freeze_v2,
    "delegateresource": delegate_resource,
    "undelegateresource": undelegate_resource,
    "getcandelegatedmaxsize": can_delegate_max,
    "getdelegatedresourcev2": delegated_v2,
}
SOLIDITY = {
    name: WALLET[name]
    for name in (
        "getnowblock", "getblockbynum", "getblockbyid", "getblockbylimitnext", "getblockbylatestnum", "getblock",
        "gettransactioninfobyblocknum", "gettransactioninfobyid", "gettransactionbyid", "getaccount",
        "triggerconstantcontract", "getnodeinfo",
    )
}
QUERY_ONLY_VISIBLE = {"getnowblock"}  # java-tron ignores the body of getnowblock


def _wallet_handler(table: dict[str, Callable[..., Any]], solid: bool) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        node = request.app[NODE_KEY]
        name = request.match_info["name"].lower()
        busy = node.take_busy()
        if busy is not None:
            return web.json_response({"Error": "Too Many Requests"}, status=busy, headers={"Retry-After": "0"})
        injected = node.take_injected_error()
        if injected is not None:
            return _json({"Error": injected[1]}, status=injected[0])
        node = node.serving()
        handler = table.get(name)
        if handler is None:
            return _json({"Error": f"endpoint {request.path} is not served by the koxx TRON sandbox"}, status=404)
        params = await _params(request) if name not in QUERY_ONLY_VISIBLE else dict(request.query)
        visible = _truthy(params.get("visible"))
        try:
            result = handler(node, params, visible, solid)
        except (KeyError, ValueError, TypeError) as exc:
            return _json(_java_error("java.lang.IllegalArgumentException", str(exc) or type(exc).__name__))
        return _json(result)

    return handle


# ---- control --------------------------------------------------------------------------------


def _control_result(node: TronNode, action: str, p: dict[str, Any]) -> Any:
    if action == "status":
        return node.status()
    if action == "fund":
        node.fund(str(p["address"]), trx_sun=int(p.get("trx_sun", 0)), usdt=int(p.get("usdt", 0)))
        return {"ok": True, **_balances(node, str(p["address"]))}
    if action == "balance":
        return _balances(node, str(p["address"]))
    if action == "outside_address":
        return {"address": node.outside_address(str(p.get("label", "outside")))}
    if action == "send_trx":
        return {"txid": node.send_trx(str(p.get("from", "outside")), str(p["to"]), int(p["amount"]))}
    if action == "send_usdt":
        return {"txid": node.send_usdt(str(p.get("from", "outside")), str(p["to"]), int(p["amount"]))}
    if action == "send_usdt_failing":
        return {"txid": node.send_usdt_failing(str(p.get("from", "outside")), str(p["to"]), int(p["amount"]))}
    if action == "send_usdt_transfer_from":
        txid = node.send_usdt_transfer_from(str(p.get("holder", "holder")), str(p.get("spender", "spender")),
                                            str(p["to"]), int(p["amount"]))
        return {"txid": txid}
    if action == "send_usdt_via_contract":
        return {"txid": node.send_usdt_via_contract(str(p["to"]), int(p["amount"]))}
    if action == "mine":
        return {"blocks": node.mine(int(p.get("n", 1))), **node.status()}
    if action == "fork":
        return {"dropped": node.fork(int(p["depth"]), reinclude=_truthy(p.get("reinclude"))), **node.status()}
    if action == "solid_lag":
        node.set_solid_lag(int(p["n"]))
        return node.status()
    if action == "hide_pending":
        node.hide_pending = _truthy(p.get("on", True))
        return node.status()
    if action == "energy_fee":
        node.set_energy_fee(int(p["sun"]))
        return node.status()
    if action == "stake":
        node.stake(str(p["address"]), int(p["trx_sun"]), str(p.get("resource", "ENERGY")))
        return {"ok": True}
    if action == "delegate_energy":
        node.delegate_energy(str(p["address"]), int(p["energy"]))
        return {"ok": True}
    if action == "transactions":
        address = p.get("address")
        return {"transactions": node.transactions(str(address) if address else None,
                                                  since_block=int(p.get("since_block", 0)))}
    if action == "generate_blocks":
        recipients = p.get("recipients") or []
        hits = node.generate_blocks(int(p.get("n", 1)), txs_per_block=int(p.get("txs_per_block", 300)),
                                    usdt_share=float(p.get("usdt_share", 0.2)), recipients=list(recipients),
                                    hits_per_block=int(p.get("hits_per_block", 1)))
        return {"hits": hits, **node.status()}
    if action == "inject_busy":
        node.inject_busy(int(p.get("status", 429)), int(p.get("count", 1)))
        return {"ok": True}
    if action == "view_lag":
        node.set_view_lag(int(p["n"]))
        return {"view_lag": node.view_lag, **node.status()}
    if action == "inject_errors":
        node.inject_errors(int(p.get("status", 429)), int(p.get("count", 1)))
        return {"ok": True}
    raise LookupError(action)


def _balances(node: TronNode, address: str) -> dict[str, Any]:
    return {"address": address, "trx_sun": node.trx_balance(address), "usdt": node.usdt_balance(address),
            "activated": node.is_activated(address)}


async def control(request: web.Request) -> web.Response:
    node = request.app[NODE_KEY]
    params = await _params(request)
    action = request.match_info["action"].lower()
    try:
        return _json(_control_result(node, action, params))
    except LookupError as exc:
        if isinstance(exc, KeyError):
            return _json({"error": f"missing parameter {exc}"}, status=400)
        return _json({"error": f"unknown control action {action}"}, status=404)
    except BroadcastError as exc:
        return _json({"error": exc.message, "code": exc.code}, status=409)
    except (ValueError, TypeError) as exc:
        return _json({"error": str(exc)}, status=400)


async def not_found(request: web.Request) -> web.Response:
    return _json({"Error": f"endpoint {request.path} is not served by the koxx TRON sandbox"}, status=404)


def make_app(node: TronNode | None = None) -> web.Application:
    app = web.Application(client_max_size=8 * 1024 * 1024)
    app[NODE_KEY] = node or TronNode()
    app.router.add_route("*", "/wallet/{name}", _wallet_handler(WALLET, solid=False))
    app.router.add_route("*", "/walletsolidity/{name}", _wallet_handler(SOLIDITY, solid=True))
    app.router.add_route("*", "/control/{action}", control)
    app.router.add_route("*", "/{tail:.*}", not_found)
    return app
