"""tronpy 0.6.2 (AsyncTron over HTTP), unchanged, against the sandbox node."""

from __future__ import annotations

import pytest
from tronpy import AsyncTron
from tronpy.exceptions import (
    AddressNotFound,
    BadSignature,
    TransactionError,
    TransactionNotFound,
    TvmError,
    UnknownError,
    ValidationError,
)
from tronpy.keys import PrivateKey

from sandbox.tron import TronNode
from sandbox.tron.contracts import TRANSFER_TOPIC

from .conftest import TRX, WALLET, WALLET_KEY, Clock, new_address


async def _usdt_transfer(client: AsyncTron, node: TronNode, to: str, amount: int, fee_limit: int = 30 * TRX):
    usdt = await client.get_contract(node.usdt_address)
    builder = await usdt.functions.transfer(to, amount)
    tx = await builder.with_owner(WALLET).fee_limit(fee_limit).build()
    return await tx.sign(WALLET_KEY).broadcast()


async def test_trx_transfer_reaches_the_recipient_in_the_next_block(
    client: AsyncTron, node: TronNode
) -> None:
    node.fund(WALLET, trx_sun=100 * TRX)
    to = new_address()
    tx = await client.trx.transfer(WALLET, to, 5 * TRX).build()
    ret = await tx.sign(WALLET_KEY).broadcast()
    assert ret["result"] is True and ret.txid == tx.txid

    with pytest.raises(TransactionNotFound):  # in the pool, not on chain yet
        await client.get_transaction_info(ret.txid)
    with pytest.raises(AddressNotFound):
        await client.get_account(to)

    [number] = node.mine()
    info = await ret.wait(timeout=5, interval=0.05)
    assert info["blockNumber"] == number
    assert info["receipt"] == {"net_fee": 100_000}  # activation: 1 TRX + 0.1 TRX, no free bandwidth
    assert info["fee"] == 1_100_000
    assert "result" not in info
    assert await client.get_account_balance(to) == 5
    assert node.trx_balance(WALLET) == 100 * TRX - 5 * TRX - 1_100_000

    on_chain = await client.get_transaction(ret.txid)
    assert on_chain["ret"] == [{"contractRet": "SUCCESS"}]
    assert on_chain["raw_data"]["contract"][0]["parameter"]["value"]["to_address"] == to


async def test_trx_transfer_to_an_active_account_uses_free_bandwidth(
    client: AsyncTron, node: TronNode
) -> None:
    to = new_address()
    node.fund(WALLET, trx_sun=100 * TRX)
    node.fund(to, trx_sun=1 * TRX)
    tx = await client.trx.transfer(WALLET, to, 2 * TRX).build()
    ret = await tx.sign(WALLET_KEY).broadcast()
    node.mine()
    info = await ret.wait(timeout=5, interval=0.05)
    assert "fee" not in info
    assert 200 < info["receipt"]["net_usage"] < 300
    assert node.trx_balance(WALLET) == 98 * TRX
    assert node.trx_balance(to) == 3 * TRX

    # 600 free bytes a day: the second transfer still fits, the third burns 1,000 sun a byte.
    infos = []
    for _ in range(2):
        tx = await client.trx.transfer(WALLET, to, TRX).build()
        ret = await tx.sign(WALLET_KEY).broadcast()
        node.mine()
        infos.append(await ret.wait(timeout=5, interval=0.05))
    assert "fee" not in infos[0]
    size = infos[1]["receipt"]["net_fee"] // 1_000
    assert 200 < size < 300 and infos[1]["fee"] == size * 1_000
    assert node.trx_balance(WALLET) == 96 * TRX - infos[1]["fee"]


async def test_usdt_transfer_moves_usdt_with_a_transfer_log(client: AsyncTron, node: TronNode) -> None:
    node.fund(WALLET, trx_sun=100 * TRX, usdt=10_000_000)
    to = new_address()
    ret = await _usdt_transfer(client, node, to, 1_500_000)
    node.mine()
    info = await ret.wait(timeout=5, interval=0.05)
    assert await ret.result() is True

    assert info["receipt"]["result"] == "SUCCESS"
    assert info["receipt"]["energy_usage_total"] == 130_285  # the recipient held no USDT
    assert info["receipt"]["energy_fee"] == 130_285 * 210
    [log] = info["log"]
    assert log["address"] == "a614f803b6fd780986a42c78ec9c7f77e6ded13c"
    assert log["topics"] == [
        TRANSFER_TOPIC.hex(),
        "0" * 24 + client.to_hex_address(WALLET)[2:],
        "0" * 24 + client.to_hex_address(to)[2:],
    ]
    assert int(log["data"], 16) == 1_500_000

    usdt = await client.get_contract(node.usdt_address)
    assert await usdt.functions.balanceOf(to) == 1_500_000
    assert await usdt.functions.balanceOf(WALLET) == 8_500_000
    assert node.trx_balance(WALLET) == 100 * TRX - info["fee"]

    ret = await _usdt_transfer(client, node, to, 500_000)  # now a holder: the cheaper path
    node.mine()
    assert (await ret.wait(timeout=5, interval=0.05))["receipt"]["energy_usage_total"] == 64_285
    assert await usdt.functions.balanceOf(to) == 2_000_000


async def test_constant_calls(client: AsyncTron, node: TronNode) -> None:
    node.fund(WALLET, usdt=7_250_000)
    usdt = await client.get_contract(node.usdt_address)
    assert await usdt.functions.balanceOf(WALLET) == 7_250_000
    assert await usdt.functions.balanceOf(new_address()) == 0
    assert await usdt.functions.decimals() == 6
    assert await usdt.functions.symbol() == "USDT"
    raw = await client.trigger_const_smart_contract_function(
        WALLET, node.usdt_address, "balanceOf(address)", "0" * 24 + client.to_hex_address(WALLET)[2:]
    )
    assert int(raw, 16) == 7_250_000


async def test_a_bad_signature_is_refused_with_sigerror(client: AsyncTron, node: TronNode) -> None:
    node.fund(WALLET, trx_sun=100 * TRX)
    tx = await client.trx.transfer(WALLET, new_address(), TRX).build()
    intruder = PrivateKey.random()
    tx.set_signature([intruder.sign_msg_hash(bytes.fromhex(tx.txid)).hex()])
    with pytest.raises(BadSignature):
        await tx.broadcast()

    raw = await client.provider.make_request("wallet/broadcasttransaction", tx.to_json())
    assert raw["code"] == "SIGERROR"
    assert intruder.public_key.to_base58check_address() in bytes.fromhex(raw["message"]).decode()
    node.mine()
    assert node.chain.head.txs == []
    assert node.trx_balance(WALLET) == 100 * TRX


async def test_a_duplicate_is_refused(client: AsyncTron, node: TronNode) -> None:
    node.fund(WALLET, trx_sun=100 * TRX)
    tx = await client.trx.transfer(WALLET, new_address(), TRX).build()
    tx.sign(WALLET_KEY)
    await tx.broadcast()
    with pytest.raises(UnknownError) as pooled:
        await tx.broadcast()
    assert "DUP_TRANSACTION_ERROR" in pooled.value.args
    node.mine()
    raw = await client.provider.make_request("wallet/broadcasttransaction", tx.to_json())
    assert raw["code"] == "DUP_TRANSACTION_ERROR"  # also once it is on chain
    node.mine()
    assert node.trx_balance(WALLET) == 100 * TRX - TRX - 1_100_000  # paid once


async def test_an_expired_transaction_is_refused(client: AsyncTron, node: TronNode, clock: Clock) -> None:
    node.fund(WALLET, trx_sun=100 * TRX)
    tx = await client.trx.transfer(WALLET, new_address(), TRX).build()
    tx.sign(WALLET_KEY)
    clock.offset = 61  # tronpy's transactions expire 60 s after build
    with pytest.raises(TransactionError):
        await tx.broadcast()
    raw = await client.provider.make_request("wallet/broadcasttransaction", tx.to_json())
    assert raw["code"] == "TRANSACTION_EXPIRATION_ERROR"


async def test_trx_beyond_the_balance_is_refused(client: AsyncTron, node: TronNode) -> None:
    node.fund(WALLET, trx_sun=3 * TRX)
    tx = await client.trx.transfer(WALLET, new_address(), 3 * TRX).build()  # + 1.1 TRX activation
    with pytest.raises(ValidationError, match="balance is not sufficient"):
        await tx.sign(WALLET_KEY).broadcast()


async def test_two_transfers_cannot_spend_the_same_balance(client: AsyncTron, node: TronNode) -> None:
    to = new_address()
    node.fund(to, trx_sun=TRX)
    node.fund(WALLET, trx_sun=10 * TRX)
    first = await client.trx.transfer(WALLET, to, 6 * TRX).build()
    await first.sign(WALLET_KEY).broadcast()
    second = await client.trx.transfer(WALLET, to, 5 * TRX).build()
    with pytest.raises(ValidationError):
        await second.sign(WALLET_KEY).broadcast()


async def test_usdt_beyond_the_balance_reverts_on_chain(client: AsyncTron, node: TronNode) -> None:
    node.fund(WALLET, trx_sun=100 * TRX, usdt=1_000_000)
    to = new_address()
    ret = await _usdt_transfer(client, node, to, 2_000_000)
    assert ret["result"] is True  # accepted into the pool: the revert happens in the block
    node.mine()
    info = await ret.wait(timeout=5, interval=0.05)
    assert info["result"] == "FAILED"
    assert info["receipt"]["result"] == "REVERT"
    assert "log" not in info
    assert info["fee"] > 0
    with pytest.raises(TvmError):
        await ret.result()
    on_chain = await client.get_transaction(ret.txid)
    assert on_chain["ret"] == [{"contractRet": "REVERT"}]
    assert node.usdt_balance(WALLET) == 1_000_000
    assert node.usdt_balance(to) == 0
    assert node.trx_balance(WALLET) == 100 * TRX - info["fee"]


async def test_a_fee_limit_below_the_energy_cost_runs_out_of_energy(
    client: AsyncTron, node: TronNode
) -> None:
    node.fund(WALLET, trx_sun=100 * TRX, usdt=5_000_000)
    to = new_address()
    ret = await _usdt_transfer(client, node, to, 1_000_000, fee_limit=10 * TRX)  # tronpy's default: too low
    node.mine()
    info = await ret.wait(timeout=5, interval=0.05)
    assert info["result"] == "FAILED"
    assert info["receipt"]["result"] == "OUT_OF_ENERGY"
    assert 10 * TRX - 210 < info["receipt"]["energy_fee"] <= 10 * TRX
    assert node.usdt_balance(to) == 0
    assert node.usdt_balance(WALLET) == 5_000_000


async def test_delegated_energy_is_used_before_burning(client: AsyncTron, node: TronNode) -> None:
    node.fund(WALLET, trx_sun=10 * TRX, usdt=5_000_000)
    node.delegate_energy(WALLET, 200_000)
    ret = await _usdt_transfer(client, node, new_address(), 1_000_000)
    node.mine()
    info = await ret.wait(timeout=5, interval=0.05)
    assert info["receipt"]["energy_usage"] == 130_285
    assert "energy_fee" not in info["receipt"]
    assert "fee" not in info
    assert node.trx_balance(WALLET) == 10 * TRX


async def test_the_solidified_head_lags(client: AsyncTron, node: TronNode) -> None:
    node.fund(WALLET, trx_sun=100 * TRX)
    tx = await client.trx.transfer(WALLET, new_address(), TRX).build()
    ret = await tx.sign(WALLET_KEY).broadcast()
    [included] = node.mine()
    assert await client.get_latest_block_number() == included
    assert await client.get_latest_solid_block_number() == max(0, included - 19)
    with pytest.raises(TransactionNotFound):
        await client.get_solid_transaction_info(ret.txid)
    assert await client.provider.make_request("walletsolidity/getblockbynum", {"num": included}) == {}

    node.mine(18)
    with pytest.raises(TransactionNotFound):
        await client.get_solid_transaction_info(ret.txid)
    node.mine()
    assert await client.get_latest_solid_block_number() == included
    assert (await client.get_solid_transaction_info(ret.txid))["blockNumber"] == included
    solid = await client.provider.make_request("walletsolidity/getnowblock")
    assert solid["block_header"]["raw_data"]["number"] == included

    node.set_solid_lag(0)
    assert await client.get_latest_solid_block_number() == await client.get_latest_block_number()


async def test_a_fork_drops_unsolidified_blocks(client: AsyncTron, node: TronNode) -> None:
    to = new_address()
    node.mine(25)
    txid = node.send_usdt("alice", to, 3_000_000)
    [included] = node.mine()
    node.mine(2)
    old_id = (await client.get_block(included))["blockID"]
    assert node.usdt_balance(to) == 3_000_000

    dropped = node.fork(3)
    assert dropped == [txid]
    assert await client.get_latest_block_number() == included - 1
    assert node.usdt_balance(to) == 0
    with pytest.raises(TransactionNotFound):
        await client.get_transaction_info(txid)

    [replacement] = node.mine()
    assert replacement == included
    assert (await client.get_block(included))["blockID"] != old_id
    assert node.usdt_balance(to) == 0  # the dropped transfer is gone for good

    with pytest.raises(ValueError):
        node.fork(25)  # cannot reach into solidified blocks


async def test_getaccount_is_empty_for_an_unactivated_address(client: AsyncTron, node: TronNode) -> None:
    holder = new_address()
    node.send_usdt("alice", holder, 1_000_000)
    node.mine()
    assert node.usdt_balance(holder) == 1_000_000
    assert await client.provider.make_request("wallet/getaccount", {"address": holder, "visible": True}) == {}
    with pytest.raises(AddressNotFound):
        await client.get_account(holder)

    node.send_trx("alice", holder, 2 * TRX)
    node.mine()
    account = await client.get_account(holder)
    assert account["balance"] == 2 * TRX and account["address"] == holder


async def test_stake_and_delegate_energy_to_a_deposit_address(client: AsyncTron, node: TronNode) -> None:
    deposit_key = PrivateKey.random()
    deposit = deposit_key.public_key.to_base58check_address()
    node.fund(WALLET, trx_sun=20_000 * TRX)
    node.send_usdt("alice", deposit, 50 * TRX)
    node.mine()

    tx = await client.trx.freeze_balance(WALLET, 15_000 * TRX, "ENERGY").build()
    await tx.sign(WALLET_KEY).broadcast()
    node.mine()
    assert node.trx_balance(WALLET) == 5_000 * TRX
    max_size = await client.get_can_delegated_max_size(WALLET, "ENERGY")
    assert max_size["max_size"] == 15_000 * TRX

    early = await client.trx.delegate_resource(WALLET, deposit, 14_000 * TRX, "ENERGY").build()
    with pytest.raises(ValidationError, match="does not exist"):  # delegation needs an activated recipient
        await early.sign(WALLET_KEY).broadcast()
    node.send_trx("alice", deposit, 1 * TRX)
    node.mine()

    tx = await client.trx.delegate_resource(WALLET, deposit, 14_000 * TRX, "ENERGY").build()
    await tx.sign(WALLET_KEY).broadcast()
    node.mine()
    energy = await client.get_energy(deposit)
    assert energy == 14_000 * 180_000_000_000 // 19_000_000_000 > 130_285
    delegated = await client.get_delegated_resource_v2(WALLET, deposit)
    assert delegated["delegatedResource"][0]["frozen_balance_for_energy"] == 14_000 * TRX
    assert (await client.get_can_delegated_max_size(WALLET, "ENERGY"))["max_size"] == 1_000 * TRX

    # The deposit address sweeps its USDT on delegated energy: no TRX burned for energy.
    usdt = await client.get_contract(node.usdt_address)
    sweep = (
        await (await usdt.functions.transfer(WALLET, 50 * TRX))
        .with_owner(deposit)
        .fee_limit(30 * TRX)
        .build()
    )
    ret = await sweep.sign(deposit_key).broadcast()
    node.mine()
    info = await ret.wait(timeout=5, interval=0.05)
    assert info["receipt"]["energy_usage"] == info["receipt"]["energy_usage_total"] == 130_285
    assert node.usdt_balance(WALLET) == 50 * TRX
    assert node.trx_balance(deposit) == 1 * TRX  # bandwidth came from the free allowance

    tx = await client.trx.undelegate_resource(WALLET, deposit, 14_000 * TRX, "ENERGY").build()
    await tx.sign(WALLET_KEY).broadcast()
    node.mine()
    assert await client.get_energy(deposit) <= 0
    assert (await client.get_can_delegated_max_size(WALLET, "ENERGY"))["max_size"] == 15_000 * TRX


async def test_solidity_endpoints_answer_the_solidified_state(client: AsyncTron, node: TronNode) -> None:
    holder = new_address()
    node.fund(holder, trx_sun=TRX)
    node.send_usdt("alice", holder, 4 * TRX)
    node.send_trx("alice", holder, 2 * TRX)
    fresh = new_address()
    node.send_trx("alice", fresh, 5 * TRX)
    [included] = node.mine()
    call = client.provider.make_request
    balance_of = {
        "contract_address": node.usdt_address, "function_selector": "balanceOf(address)", "visible": True,
        "parameter": "0" * 24 + client.to_hex_address(holder)[2:],
    }

    solid_account = await call("walletsolidity/getaccount", {"address": holder, "visible": True})
    assert solid_account["balance"] == TRX  # the genesis credit only
    assert (await call("wallet/getaccount", {"address": holder, "visible": True}))["balance"] == 3 * TRX
    assert await call("walletsolidity/getaccount", {"address": fresh, "visible": True}) == {}
    solid_usdt = await call("walletsolidity/triggerconstantcontract", balance_of)
    assert int(solid_usdt["constant_result"][0], 16) == 0
    head_usdt = await call("wallet/triggerconstantcontract", balance_of)
    assert int(head_usdt["constant_result"][0], 16) == 4 * TRX

    node.mine(19)
    assert node.solid_number == included
    assert (await call("walletsolidity/getaccount", {"address": holder, "visible": True}))["balance"] == 3 * TRX
    assert (await call("walletsolidity/getaccount", {"address": fresh, "visible": True}))["balance"] == 5 * TRX


async def test_a_reorg_can_put_a_transaction_in_a_different_block(client: AsyncTron, node: TronNode) -> None:
    to = new_address()
    txid = node.send_usdt("alice", to, 6 * TRX)
    [first] = node.mine()
    node.mine(2)
    old_block_id = (await client.get_block(first))["blockID"]
    assert node.fork(3, reinclude=True) == [txid]
    assert node.usdt_balance(to) == 0
    with pytest.raises(TransactionNotFound):
        await client.get_transaction_info(txid)

    node.mine()  # the new block at that height takes the transaction back from the pool
    info = await client.get_transaction_info(txid)
    assert info["blockNumber"] == first
    assert (await client.get_block(first))["blockID"] != old_block_id
    assert node.usdt_balance(to) == 6 * TRX
