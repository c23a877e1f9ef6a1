"""The endpoints a deposit scanner reads (tronpy has no methods for the batch ones), the
generated benchmark chain, contract-made transfers, and provider trouble."""

from __future__ import annotations

import asyncio
import itertools

import httpx
import pytest
from tronpy import AsyncTron
from tronpy.keys import to_hex_address

from sandbox.tron import TronNode, TronNodeServer
from sandbox.tron.contracts import TRANSFER_TOPIC

from .conftest import TRX, new_address

USDT_20 = "a614f803b6fd780986a42c78ec9c7f77e6ded13c"


def _transfers(infos: list[dict]) -> list[tuple[str, str, str, int]]:
    """(txid, from hex, to hex, amount) of every successful USDT Transfer log, as a scanner reads them."""
    out = []
    for info in infos:
        if info.get("result") == "FAILED" or info.get("receipt", {}).get("result") != "SUCCESS":
            continue
        for log in info.get("log", []):
            if log["address"] == USDT_20 and log["topics"][0] == TRANSFER_TOPIC.hex():
                out.append(
                    (
                        info["id"],
                        "41" + log["topics"][1][24:],
                        "41" + log["topics"][2][24:],
                        int(log["data"], 16),
                    )
                )
    return out


async def test_block_ranges_follow_java_tron(client: AsyncTron, node: TronNode) -> None:
    node.mine(150)
    call = client.provider.make_request
    blocks = (await call("wallet/getblockbylimitnext", {"startNum": 10, "endNum": 110}))["block"]
    assert [b["block_header"]["raw_data"]["number"] for b in blocks] == list(range(10, 110))
    assert all(
        b["block_header"]["raw_data"]["parentHash"] == a["blockID"] for a, b in itertools.pairwise(blocks)
    )
    assert await call("wallet/getblockbylimitnext", {"startNum": 10, "endNum": 111}) == {}  # more than 100
    assert await call("wallet/getblockbylimitnext", {"startNum": 10, "endNum": 10}) == {}
    tail = (await call("wallet/getblockbylimitnext", {"startNum": 140, "endNum": 200}))["block"]
    assert len(tail) == 11  # up to the head (150)
    assert await call("wallet/getblockbylimitnext", {"startNum": 151, "endNum": 160}) == {}
    solid = (await call("walletsolidity/getblockbylimitnext", {"startNum": 120, "endNum": 160}))["block"]
    assert solid[-1]["block_header"]["raw_data"]["number"] == 150 - 19
    assert await call("wallet/getblockbynum", {"num": 151}) == {}
    assert await call("wallet/gettransactioninfobyblocknum", {"num": 12}) == []
    by_id = await call("wallet/getblockbyid", {"value": blocks[5]["blockID"]})
    assert by_id["block_header"]["raw_data"]["number"] == 15
    latest = (await call("wallet/getblockbylatestnum", {"num": 3}))["block"]
    assert [b["block_header"]["raw_data"]["number"] for b in latest] == [148, 149, 150]


async def test_getnowblock_takes_visible_from_the_query_string_only(
    server: TronNodeServer, node: TronNode
) -> None:
    node.mine()
    async with httpx.AsyncClient() as http:
        body_only = (await http.post(server.url + "wallet/getnowblock", json={"visible": True})).json()
        query = (await http.post(server.url + "wallet/getnowblock?visible=true")).json()
    assert body_only["block_header"]["raw_data"]["witness_address"].startswith("41")
    assert query["block_header"]["raw_data"]["witness_address"].startswith("T")


async def test_every_kind_of_usdt_transfer_shows_in_the_logs(client: AsyncTron, node: TronNode) -> None:
    deposit = new_address()
    plain = node.send_usdt("alice", deposit, 10 * TRX)
    via_from = node.send_usdt_transfer_from("holder", "spender", deposit, 3 * TRX)
    via_contract = node.send_usdt_via_contract(deposit, 4 * TRX)
    reverted = node.send_usdt_failing("carol", deposit, 1_000 * TRX)
    [number] = node.mine()

    block = await client.provider.make_request("wallet/getblockbynum", {"num": number})
    assert len(block["transactions"]) == 5  # approve + transferFrom, and the three others
    infos = await client.provider.make_request("wallet/gettransactioninfobyblocknum", {"num": number})
    to_deposit = [
        (txid, amount) for txid, _, to, amount in _transfers(infos) if to == to_hex_address(deposit)
    ]
    assert sorted(to_deposit) == sorted([(plain, 10 * TRX), (via_from, 3 * TRX), (via_contract, 4 * TRX)])
    assert node.usdt_balance(deposit) == 17 * TRX

    senders = {txid: frm for txid, frm, _, _ in _transfers(infos)}
    assert senders[via_from] == to_hex_address(node.outside_address("holder"))
    assert senders[via_contract] == to_hex_address(node.payout_contract_address)
    calls = {tx["txID"]: tx["raw_data"]["contract"][0]["parameter"]["value"] for tx in block["transactions"]}
    assert calls[via_from]["owner_address"] == to_hex_address(node.outside_address("spender"))
    assert calls[via_contract]["contract_address"] == to_hex_address(node.payout_contract_address)
    failed = next(i for i in infos if i["id"] == reverted)
    assert failed["receipt"]["result"] == "REVERT" and "log" not in failed

    summary = {t["txid"]: t for t in node.transactions(deposit)}
    assert summary[plain]["asset"] == "USDT" and summary[plain]["amount"] == 10 * TRX
    assert summary[reverted]["result"] == "REVERT"


async def test_generated_blocks_hold_the_hits(client: AsyncTron, node: TronNode) -> None:
    recipients = [new_address() for _ in range(3)]
    hits = node.generate_blocks(6, txs_per_block=50, recipients=recipients, hits_per_block=2)
    assert len(hits) == 12 and node.head_number == 6
    blocks = (await client.provider.make_request("wallet/getblockbylimitnext", {"startNum": 1, "endNum": 7}))[
        "block"
    ]
    assert all(len(b["transactions"]) == 50 for b in blocks)
    kinds = {tx["raw_data"]["contract"][0]["type"] for b in blocks for tx in b["transactions"]}
    assert kinds == {"TransferContract", "TriggerSmartContract"}

    for hit in hits:
        block = blocks[hit["block"] - 1]
        [tx] = [t for t in block["transactions"] if t["txID"] == hit["txid"]]
        assert tx["ret"] == [{"contractRet": "SUCCESS"}]
        if hit["asset"] == "TRX":
            value = tx["raw_data"]["contract"][0]["parameter"]["value"]
            assert (value["to_address"], value["amount"]) == (to_hex_address(hit["to"]), hit["amount"])
        else:
            infos = await client.provider.make_request(
                "wallet/gettransactioninfobyblocknum", {"num": hit["block"]}
            )
            assert (hit["txid"], to_hex_address(hit["to"]), hit["amount"]) in [
                (txid, to, amount) for txid, _, to, amount in _transfers(infos)
            ]
    usdt_in = sum(h["amount"] for h in hits if h["asset"] == "USDT" and h["to"] == recipients[0])
    assert node.usdt_balance(recipients[0]) == usdt_in > 0


async def test_injected_errors_answer_like_an_overloaded_provider(
    server: TronNodeServer, node: TronNode
) -> None:
    node.inject_errors(429, count=2)
    async with httpx.AsyncClient() as http:
        statuses = [
            (await http.post(server.url + "wallet/getnodeinfo", json={})).status_code for _ in range(3)
        ]
    assert statuses == [429, 429, 200]


async def test_unknown_endpoints_answer_json_errors(server: TronNodeServer) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(server.url + "wallet/getbrokerage", json={})
        bad = await http.post(server.url + "wallet/getblockbynum", json={})
    assert response.status_code == 404 and "Error" in response.json()
    assert bad.status_code == 200 and "IllegalArgumentException" in bad.json()["Error"]


async def test_control_over_http(server: TronNodeServer, node: TronNode) -> None:
    deposit = new_address()
    async with httpx.AsyncClient(base_url=server.url) as http:
        funded = (await http.post("control/fund", json={"address": deposit, "trx_sun": 5 * TRX})).json()
        assert funded == {"ok": True, "address": deposit, "trx_sun": 5 * TRX, "usdt": 0, "activated": True}
        txid = (
            await http.post("control/send_usdt", json={"from": "bob", "to": deposit, "amount": 2 * TRX})
        ).json()
        mined = (await http.post("control/mine", json={"n": 2})).json()
        assert mined["head"] == 2 and mined["blocks"] == [1, 2]
        listed = (await http.post("control/transactions", json={"address": deposit})).json()["transactions"]
        assert [(t["txid"], t["asset"], t["amount"], t["to"]) for t in listed] == [
            (txid["txid"], "USDT", 2 * TRX, deposit)
        ]
        assert (await http.post("control/balance", json={"address": deposit})).json()["usdt"] == 2 * TRX
        refused = await http.post("control/send_trx", json={"from": "bob", "to": deposit, "amount": -1})
        assert refused.status_code == 409 and refused.json()["code"] == "CONTRACT_VALIDATE_ERROR"
        forked = (await http.post("control/fork", json={"depth": 2})).json()
        assert forked["dropped"] == [txid["txid"]] and forked["head"] == 0
        assert (await http.get("control/status")).json()["solid_lag"] == 19
        assert (await http.post("control/nope")).status_code == 404
    assert node.usdt_balance(deposit) == 0


async def test_createtransaction_and_triggersmartcontract_build_signable_transactions(
    client: AsyncTron, node: TronNode
) -> None:
    from tronpy.keys import PrivateKey

    key = PrivateKey.random()
    owner = key.public_key.to_base58check_address()
    node.fund(owner, trx_sun=100 * TRX, usdt=5 * TRX)
    to = new_address()
    call = client.provider.make_request
    trx = await call(
        "wallet/createtransaction", {"owner_address": owner, "to_address": to, "amount": TRX, "visible": True}
    )
    assert trx["raw_data"]["contract"][0]["parameter"]["value"]["owner_address"] == owner
    too_much = await call(
        "wallet/createtransaction",
        {"owner_address": owner, "to_address": to, "amount": 1_000 * TRX, "visible": True},
    )
    assert "balance is not sufficient" in too_much["Error"]

    built = await call(
        "wallet/triggersmartcontract",
        {
            "owner_address": owner,
            "contract_address": node.usdt_address,
            "visible": True,
            "function_selector": "transfer(address,uint256)",
            "fee_limit": 50 * TRX,
            "parameter": "0" * 24 + to_hex_address(to)[2:] + f"{2 * TRX:064x}",
        },
    )
    assert built["result"] == {"result": True}
    for tx in (trx, built.get("transaction")):
        tx["signature"] = [key.sign_msg_hash(bytes.fromhex(tx["txID"])).hex()]
        assert await call("wallet/broadcasttransaction", tx) == {"result": True, "txid": tx["txID"]}
    node.mine()
    assert node.usdt_balance(to) == 2 * TRX and node.trx_balance(to) == TRX

    estimate = await call(
        "wallet/estimateenergy",
        {
            "owner_address": owner,
            "contract_address": node.usdt_address,
            "visible": True,
            "function_selector": "transfer(address,uint256)",
            "parameter": "0" * 24 + to_hex_address(to)[2:] + f"{TRX:064x}",
        },
    )
    assert estimate["energy_required"] == 64_285


@pytest.mark.parametrize("visible", [False, True])
async def test_account_and_parameters_shapes(client: AsyncTron, node: TronNode, visible: bool) -> None:
    address = new_address()
    node.fund(address, trx_sun=7 * TRX)
    account = await client.provider.make_request(
        "wallet/getaccount", {"address": address, "visible": visible}
    )
    assert account["address"] == (address if visible else to_hex_address(address))
    assert account["balance"] == 7 * TRX
    resource = await client.get_account_resource(address)
    assert resource["freeNetLimit"] == 600
    params = {p["key"]: p.get("value") for p in await client.get_chain_parameters()}
    assert params["getEnergyFee"] == 210 and params["getTransactionFee"] == 1_000
    assert params["getCreateNewAccountFeeInSystemContract"] == 1_000_000


async def test_the_block_timer_produces_blocks_with_the_pool() -> None:
    async with TronNodeServer(block_interval=0.01) as running:
        txid = running.node.send_usdt("alice", new_address(), TRX)
        for _ in range(500):
            if running.node.head_number >= 3:
                break
            await asyncio.sleep(0.01)
        assert running.node.head_number >= 3
        assert running.node.chain.find_tx(txid) is not None


async def test_pending_transactions_are_found_in_the_pool_unless_hidden(server: TronNodeServer, node: TronNode) -> None:
    """java-tron's gettransactionfrompending answers a transaction still in the pool (and {}
    otherwise); gettransactionbyid knows only the chain. /control/hide_pending makes the node
    keep its pool to itself, as a node that did not receive the transaction."""
    txid = node.send_trx("bob", new_address(), 2 * TRX)
    async with httpx.AsyncClient(base_url=server.url) as http:

        async def ask(endpoint: str) -> dict:
            return (await http.post(f"wallet/{endpoint}", json={"value": txid})).json()

        assert (await ask("gettransactionfrompending"))["txID"] == txid
        assert await ask("gettransactionbyid") == {}
        hidden = (await http.post("control/hide_pending", json={"on": True})).json()
        assert hidden["hide_pending"] is True and hidden["pool"] == 1
        assert await ask("gettransactionfrompending") == {}
        await http.post("control/hide_pending", json={"on": False})
        assert (await ask("gettransactionfrompending"))["txID"] == txid
        node.mine(1)
        assert await ask("gettransactionfrompending") == {}
        assert (await ask("gettransactionbyid"))["txID"] == txid
