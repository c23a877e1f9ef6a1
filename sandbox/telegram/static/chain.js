// The chain panel: the local TRON node beside the chats (sandbox/telegram/chain.py passes
// /chain/<action> on to the node's /control/<action>). Plain JS, no build step.
"use strict";

const chain = {
  el: (id) => document.getElementById(id),
  ADDRESS: /T[1-9A-HJ-NP-Za-km-z]{33}/,

  // "12.5" -> 12500000 (6 decimals, as USDT and TRX count); no float ever touches the amount.
  micro(text) {
    const clean = String(text).trim().replace(/[,\s]/g, "");
    const m = /^(\d+)(?:\.(\d{0,6}))?$/.exec(clean);
    if (!m) throw new Error("amount: digits with at most 6 decimals");
    return BigInt(m[1]) * 1000000n + BigInt((m[2] || "").padEnd(6, "0") || "0");
  },

  units(micro) {
    const v = BigInt(micro);
    const frac = (v % 1000000n).toString().padStart(6, "0").replace(/0+$/, "");
    return (v / 1000000n).toLocaleString("en-US") + (frac ? "." + frac : "");
  },

  async call(path, body) {
    const init = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body) };
    const resp = await fetch(path, init);
    const data = await resp.json();
    if (!resp.ok) throw new Error(data.error || resp.statusText);
    return data;
  },

  say(text, bad) {
    const out = chain.el("chain-result");
    out.textContent = text;
    out.classList.toggle("bad", !!bad);
  },

  async refresh() {
    let info;
    try { info = await chain.call("/chain/info"); } catch (e) { return; }
    chain.el("chain").hidden = !info.linked;
    chain.el("chain-tab").hidden = !info.linked;  // the panel's tab on a phone (style.css)
    if (!info.linked) return;
    chain.el("chain-head").textContent = "#" + info.head;
    chain.el("chain-solid").textContent = "#" + info.solid;
    chain.el("chain-pool").textContent = info.pool;
    const sent = (await chain.call("/chain/withdrawals")).transactions;
    const list = chain.el("chain-withdrawals");
    list.classList.toggle("empty", sent.length === 0);
    list.replaceChildren(...sent.map((tx) => {
      const li = document.createElement("li");
      li.className = "withdrawal " + (tx.result === "SUCCESS" ? "ok" : "failed");
      li.dir = "ltr";
      const what = document.createElement("b");
      what.textContent = `${chain.units(tx.amount || 0)} ${tx.asset || "?"}`;
      const to = document.createElement("code");
      to.textContent = tx.to || "";
      to.title = "txid " + tx.txid;
      const small = document.createElement("small");
      small.textContent = ` block #${tx.block}${tx.solid ? " (solid)" : ""} ${tx.result}`;
      li.append(what, " → ", to, small);
      return li;
    }));
  },

  async send(event) {
    event.preventDefault();
    const to = chain.el("chain-to").value.trim();
    const asset = chain.el("chain-asset").value;
    let amount;
    try { amount = chain.micro(chain.el("chain-amount").value); } catch (e) { chain.say(e.message, true); return; }
    try {
      // The node's control API takes integers; micro units fit in a JSON number below 2^53.
      const r = await chain.call("/chain/" + (asset === "USDT" ? "send_usdt" : "send_trx"),
        { from: "outside", to, amount: Number(amount) });
      chain.say(`Sent ${chain.units(amount)} ${asset} to ${to}: tx ${r.txid.slice(0, 12)}… (in the next block)`);
    } catch (e) { chain.say(e.message, true); }
    chain.refresh();
  },

  async mine(n) {
    try {
      const r = await chain.call("/chain/mine", { n });
      chain.say(`Mined ${r.blocks.length} block(s): head #${r.head}, solidified #${r.solid}`);
    } catch (e) { chain.say(e.message, true); }
    chain.refresh();
  },
};

chain.el("chain-send").onsubmit = chain.send;
chain.el("chain-mine").onsubmit = (event) => { event.preventDefault(); chain.mine(Number(chain.el("chain-blocks").value) || 1); };
chain.el("chain-confirm").onclick = () => chain.mine(20);
// A click on an address in a chat (a deposit address, say) puts it in the "to" field.
document.getElementById("messages").addEventListener("click", (event) => {
  const node = event.target.closest("code, pre, .bubble");
  const found = node && chain.ADDRESS.exec(node.textContent);
  if (found) { chain.el("chain-to").value = found[0]; chain.say("Address " + found[0] + " picked"); }
});
chain.refresh();
setInterval(chain.refresh, 2000);
