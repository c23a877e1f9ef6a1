"""JSON shapes of java-tron's HTTP API for blocks, transactions, transaction infos and accounts.

Sealed blocks never change, so their JSON (as text) is cached on the block per `visible` flag:
a scanner reading hundreds of blocks a second gets prebuilt strings.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from .chain import ADDRESS_FIELDS, Block, Chain, Receipt, Tx, b58

ACTIVE_OPERATIONS = "7fff1fc0033efb07000000000000000000000000000000000000000000000000"


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def address(raw: bytes, visible: bool) -> str:
    return b58(raw) if visible else raw.hex()


def raw_data(tx: Tx, visible: bool) -> dict[str, Any]:
    if not visible:
        return tx.raw_data
    cached = tx.cache.get("raw_visible")
    if cached is None:
        cached = copy.deepcopy(tx.raw_data)
        value = cached["contract"][0]["parameter"]["value"]
        for key in ADDRESS_FIELDS:
            if key in value:
                value[key] = b58(bytes.fromhex(value[key]))
        tx.cache["raw_visible"] = cached
    return cached


def unsigned_tx(tx_raw: dict[str, Any], txid: str, raw_hex: str, visible: bool) -> dict[str, Any]:
    """An unsigned transaction as createtransaction / triggersmartcontract answer it."""
    if visible:
        tx_raw = copy.deepcopy(tx_raw)
        value = tx_raw["contract"][0]["parameter"]["value"]
        for key in ADDRESS_FIELDS:
            if key in value:
                value[key] = b58(bytes.fromhex(value[key]))
    return {"visible": visible, "txID": txid, "raw_data": tx_raw, "raw_data_hex": raw_hex}


def transaction(tx: Tx, receipt: Receipt | None, visible: bool, *, flag: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if receipt is not None:
        out["ret"] = [{"contractRet": receipt.result}]
    out["signature"] = tx.signature
    if flag:
        out["visible"] = visible
    out["txID"] = tx.txid
    out["raw_data"] = raw_data(tx, visible)
    out["raw_data_hex"] = tx.raw_hex
    return out


def block(b: Block, visible: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "blockID": b.block_id,
        "block_header": {
            "raw_data": {
                "number": b.number,
                "txTrieRoot": b.tx_trie_root,
                "witness_address": address(b.witness, visible),
                "parentHash": b.parent_id,
                "version": 30,
                "timestamp": b.timestamp,
            },
            "witness_signature": b.witness_signature,
        },
    }
    if b.number == 0:
        del out["block_header"]["raw_data"]["number"]
    if b.txs:
        out["transactions"] = [transaction(tx, r, visible) for tx, r in b.txs]
    return out


def block_text(b: Block, visible: bool) -> str:
    key = ("block", visible)
    text = b.cache.get(key)
    if text is None:
        text = b.cache[key] = dumps(block(b, visible))
    return text


def tx_info(b: Block, tx: Tx, r: Receipt) -> dict[str, Any]:
    out: dict[str, Any] = {"id": tx.txid}
    if r.fee:
        out["fee"] = r.fee
    out["blockNumber"] = b.number
    out["blockTimeStamp"] = b.timestamp
    out["contractResult"] = [r.output.hex() if r.output else ""]
    if r.contract_address is not None:
        out["contract_address"] = r.contract_address.hex()
    receipt: dict[str, Any] = {}
    for name in ("energy_usage", "energy_fee", "energy_usage_total", "net_usage", "net_fee"):
        if getattr(r, name):
            receipt[name] = getattr(r, name)
    if r.contract_address is not None:
        receipt["result"] = r.result
    out["receipt"] = receipt
    if r.logs:
        out["log"] = [
            {"address": log.address.hex(), "topics": [t.hex() for t in log.topics], "data": log.data.hex()}
            for log in r.logs
        ]
    if not r.ok:
        out["result"] = "FAILED"
        out["resMessage"] = r.message.encode().hex()
    if r.energy_fee or r.net_fee:
        out["packingFee"] = r.energy_fee + r.net_fee
    return out


def tx_infos_text(b: Block) -> str:
    text = b.cache.get("infos")
    if text is None:
        text = b.cache["infos"] = dumps([tx_info(b, tx, r) for tx, r in b.txs])
    return text


def account(chain: Chain, raw: bytes, visible: bool, *, solid: bool = False) -> dict[str, Any]:
    view = chain.view(solid=solid)
    acct = view.account(raw)
    if acct is None:
        return {}
    get = view.get
    addr = address(raw, visible)
    out: dict[str, Any] = {"address": addr}
    balance = get(("trx", raw))
    if balance:
        out["balance"] = balance
    out["create_time"] = acct.create_time
    day = view.timestamp // 86_400_000
    if get(("net", raw, day)):
        out["free_net_usage"] = get(("net", raw, day))
        out["latest_consume_free_time"] = view.timestamp
    frozen_net, frozen_energy = get(("frozen", raw, "BANDWIDTH")), get(("frozen", raw, "ENERGY"))
    out_net, out_energy = get(("delegated_out", raw, "BANDWIDTH")), get(("delegated_out", raw, "ENERGY"))
    if frozen_net or frozen_energy:
        # java-tron lists what is still staked for the owner's own use (delegated amounts apart)
        out["frozenV2"] = [{"amount": frozen_net - out_net} if frozen_net - out_net else {},
                           {"type": "ENERGY", "amount": frozen_energy - out_energy}
                           if frozen_energy - out_energy else {"type": "ENERGY"},
                           {"type": "TRON_POWER"}]
    if out_net:
        out["delegated_frozenV2_balance_for_bandwidth"] = out_net
    if get(("acquired", raw, "BANDWIDTH")):
        out["acquired_delegated_frozenV2_balance_for_bandwidth"] = get(("acquired", raw, "BANDWIDTH"))
    resource: dict[str, Any] = {}
    if out_energy:
        resource["delegated_frozenV2_balance_for_energy"] = out_energy
    if get(("acquired", raw, "ENERGY")):
        resource["acquired_delegated_frozenV2_balance_for_energy"] = get(("acquired", raw, "ENERGY"))
    if resource:
        out["account_resource"] = resource
    keys_ = [{"address": addr, "weight": 1}]
    out["owner_permission"] = {"permission_name": "owner", "threshold": 1, "keys": keys_}
    out["active_permission"] = [{
        "type": "Active", "id": 2, "permission_name": "active", "threshold": 1,
        "operations": ACTIVE_OPERATIONS, "keys": keys_,
    }]
    return out


def account_resource(chain: Chain, raw: bytes) -> dict[str, Any]:
    view = chain.view()
    if view.account(raw) is None:
        return {}
    get = view.get
    day = view.timestamp // 86_400_000
    out: dict[str, Any] = {"freeNetLimit": chain.params.free_net_limit}
    if get(("net", raw, day)):
        out["freeNetUsed"] = get(("net", raw, day))
    net_limit = get(("net_limit", raw))
    if net_limit:
        out["NetLimit"] = net_limit
        if get(("net_used", raw, day)):
            out["NetUsed"] = get(("net_used", raw, day))
    out["TotalNetLimit"] = chain.params.total_net_limit
    out["TotalNetWeight"] = chain.params.total_net_weight
    energy_limit = get(("energy_limit", raw))
    if energy_limit:
        out["EnergyLimit"] = energy_limit
        used = get(("energy_used", raw, day))
        if used:
            out["EnergyUsed"] = used
    out["TotalEnergyLimit"] = chain.params.total_energy_limit
    out["TotalEnergyWeight"] = chain.params.total_energy_weight
    return out


def chain_parameters(chain: Chain) -> dict[str, Any]:
    p = chain.params
    pairs = [
        ("getMaintenanceTimeInterval", 21_600_000),
        ("getAccountUpgradeCost", 9_999_000_000),
        ("getCreateAccountFee", p.create_account_fee),
        ("getTransactionFee", p.transaction_fee),
        ("getAssetIssueFee", 1_024_000_000),
        ("getWitnessPayPerBlock", 8_000_000),
        ("getWitnessStandbyAllowance", 115_200_000_000),
        ("getCreateNewAccountFeeInSystemContract", p.create_new_account_fee_in_system_contract),
        ("getCreateNewAccountBandwidthRate", 1),
        ("getAllowCreationOfContracts", 1),
        ("getRemoveThePowerOfTheGr", -1),
        ("getEnergyFee", p.energy_fee),
        ("getExchangeCreateFee", 1_024_000_000),
        ("getMaxCpuTimeOfOneTx", 80),
        ("getAllowUpdateAccountName", 0),
        ("getAllowSameTokenName", 1),
        ("getAllowDelegateResource", 1),
        ("getTotalEnergyLimit", p.total_energy_limit),
        ("getAllowTvmTransferTrc10", 1),
        ("getTotalEnergyCurrentLimit", p.total_energy_limit),
        ("getAllowMultiSign", 1),
        ("getAllowAdaptiveEnergy", 0),
        ("getFreeNetLimit", p.free_net_limit),
        ("getTotalNetLimit", 43_200_000_000),
        ("getMaxFeeLimit", p.max_fee_limit),
        ("getUnfreezeDelayDays", 14),
        ("getAllowNewResourceModel", 1),
    ]
    return {"chainParameter": [{"key": k, "value": v} if v else {"key": k} for k, v in pairs]}
