// The KOXX P2P Mini App: market, trade, wallet, profile (the maker's screens are in offers.js, the
// second factor in security.js). Plain ES modules, no build step; every rule is the server's (the
// same core services as the bot), the app only shows and asks.
import { ApiError, accessToken, call, live, login, newKey, themeParams } from "/app/api.js";
import { myOffers, newOffer } from "/app/offers.js";
import { secondFactor } from "/app/security.js";
import {
  T, attempt, coins, copyButton, current, fiat, h, lang, method, num, offerFacts, seg, setTexts, show, showing, toast,
} from "/app/ui.js";

let me = null;
const state = { side: "sell", asset: "USDT", fiat: "IQD", method: "", amount: "" };

// --- market -----------------------------------------------------------------------------------------

async function market() {
  showing("market", (e) => e.event.startsWith("offer.") && loadOffers());
  const amount = h("input", { inputmode: "decimal", placeholder: T.amount, value: state.amount,
    onchange: (e) => { state.amount = e.target.value.trim(); loadOffers(); } });
  const methods = h("select", { onchange: (e) => { state.method = e.target.value; loadOffers(); } },
    h("option", { value: "" }, T.any_method),
    ["zaincash", "fastpay", "qicard", "superqi", "asiahawala", "bank", "cash"].map((m) =>
      h("option", { value: m, selected: m === state.method }, method(m))));
  show("market",
    h("div", { class: "seg" },
      h("button", { class: "secondary", id: "new-offer", onclick: () => newOffer(market) }, `+ ${T.new_offer}`),
      h("button", { class: "secondary", id: "my-offers", onclick: () => myOffers(market) }, T.my_offers)),
    seg([["sell", T.buy], ["buy", T.sell]], state.side, (v) => { state.side = v; market(); }),
    h("div", { class: "filters" },
      h("select", { "aria-label": T.asset, onchange: (e) => { state.asset = e.target.value; loadOffers(); } },
        ["USDT", "TRX"].map((a) => h("option", { value: a, selected: a === state.asset }, a))),
      h("select", { "aria-label": "fiat", onchange: (e) => { state.fiat = e.target.value; loadOffers(); } },
        ["IQD", "USD"].map((f) => h("option", { value: f, selected: f === state.fiat }, f))),
      methods, amount),
    h("div", { id: "offers" }, h("p", { class: "muted" }, T.loading)));
  await loadOffers();
}

async function loadOffers(cursor) {
  const box = document.getElementById("offers");
  if (!box) return;
  const q = new URLSearchParams({ side: state.side, asset: state.asset, fiat: state.fiat });
  if (state.method) q.set("method", state.method);
  if (state.amount) q.set("amount", state.amount);
  if (cursor) q.set("cursor", cursor);
  const page = await attempt(() => call("GET", `/offers?${q}`));
  if (!page) return;
  if (!cursor) box.replaceChildren();
  if (!page.items.length && !cursor) box.append(h("p", { class: "muted" }, T.no_offers));
  for (const offer of page.items) box.append(offerCard(offer));
  if (page.next_cursor) {
    const more = h("button", { class: "secondary", onclick: () => { more.remove(); loadOffers(page.next_cursor); } }, T.more);
    box.append(more);
  }
}

function offerCard(offer) {
  const m = offer.maker;
  return h("div", { class: "card offer", "data-offer": offer.id },
    h("div", { class: "row" },
      h("strong", {}, `\u2068${m.name}\u2069`),
      h("span", { class: "muted" }, `${T.completed_trades}: ${num(m.completed_trades)}`,
        m.completion_rate_30d ? ` · ${num(m.completion_rate_30d, 1)}%` : "")),
    h("div", { class: "row" },
      h("span", { class: "price" }, fiat(offer.price, offer.fiat)),
      h("button", { onclick: () => takeScreen(offer) }, state.side === "sell" ? T.buy : T.sell)),
    offerFacts(offer));
}

function takeScreen(offer) {
  showing("market:take", () => {});
  const amount = h("input", { inputmode: "decimal", id: "take-amount", placeholder: fiat(offer.max_fiat, offer.fiat),
    value: state.amount });
  const quoteBox = h("div", { id: "quote" });
  const quote = async () => {
    const q = await attempt(() => call("POST", `/offers/${offer.id}/quote`, { fiat_amount: amount.value }));
    if (q) showQuote(offer, amount.value, q, quoteBox);
  };
  show("market", h("button", { class: "secondary", onclick: market }, T.back),
    offerCard(offer), h("label", { for: "take-amount" }, `${T.amount} (${offer.fiat})`), amount,
    h("div", { class: "actions" }, h("button", { id: "get-quote", onclick: quote }, T.get_quote)), quoteBox);
}

function showQuote(offer, typed, q, box) {
  const key = newKey();  // one take, however many taps
  const open = async () => {
    try {
      const trade = await call("POST", "/trades/initiate", { offer_id: offer.id, fiat_amount: typed, price: q.price }, { key });
      toast(T.trade_opened);
      tradeScreen(trade.id);
    } catch (error) {
      if (error instanceof ApiError && error.code === "price_moved") {
        toast(T.price_moved);
        const fresh = await attempt(() => call("POST", `/offers/${offer.id}/quote`, { fiat_amount: typed }));
        if (fresh) showQuote(offer, typed, fresh, box);
      } else toast(error.message || T.error);
    }
  };
  box.replaceChildren(h("div", { class: "card" },
    h("div", { class: "line" }, h("span", {}, T.price), h("strong", {}, fiat(q.price, offer.fiat))),
    h("div", { class: "line" }, h("span", {}, T.you_pay), h("strong", {}, fiat(q.fiat_amount, offer.fiat))),
    h("div", { class: "line" }, h("span", {}, T.you_receive), h("strong", { id: "receive" }, coins(q.buyer_receives, q.asset))),
    h("div", { class: "line" }, h("span", {}, T.fee), h("span", {}, coins(q.buyer_fee, q.asset))),
    h("div", { class: "actions" }, h("button", { id: "open-trade", onclick: open }, T.confirm_trade))));
}

// --- trades -----------------------------------------------------------------------------------------

async function trades() {
  showing("trades", (e) => e.event === "trade.status_changed" && trades());
  const page = await attempt(() => call("GET", "/trades"));
  if (!page) return;
  show("trades", h("h2", {}, T.trades),
    page.items.length ? page.items.map((t) => h("div", { class: "card", onclick: () => tradeScreen(t.id) },
      h("div", { class: "row" }, h("strong", {}, `${T.trade} #${t.id}`), h("span", {}, T[`status_${t.status}`])),
      h("div", { class: "muted" }, `${coins(t.crypto_amount, t.asset)} · ${fiat(t.fiat_amount, t.fiat)}`)))
      : h("p", { class: "muted" }, T.no_trades));
}

let ticker = null;
async function tradeScreen(id) {
  clearInterval(ticker);
  const t = await attempt(() => call("GET", `/trades/${id}`));
  if (!t) return;
  const chat = h("div", { class: "chat", id: "chat" });
  showing("trades:one", (e) => {
    if (e.data.trade_id !== id) return;
    if (e.event === "trade.status_changed") tradeScreen(id);
    else if (e.event === "notification.new" && CHAT_EVENTS.includes(e.data.kind)) loadChat(id, chat);
  });
  const act = (path, body) => async () => { if (await attempt(() => call("PUT", `/trades/${id}/${path}`, body))) tradeScreen(id); };
  const actions = h("div", { class: "actions" });
  const open = t.status === "awaiting_payment" || t.status === "paid";
  if (t.role === "buyer" && t.status === "awaiting_payment") {
    actions.append(h("button", { id: "paid", onclick: act("confirm", { action: "paid" }) }, T.i_paid),
      h("button", { class: "secondary", id: "cancel", onclick: act("cancel") }, T.cancel));
  }
  if (t.role === "seller" && open) {
    const received = h("input", { type: "checkbox", id: "received" });
    const release = h("button", { id: "release", disabled: true, onclick: act("confirm", { action: "release", received: true }) }, T.release);
    received.addEventListener("change", () => { release.disabled = !received.checked; });
    actions.append(h("label", { class: "check" }, received, T.release_confirm), release);
  }
  if (t.status === "paid") {
    actions.append(h("button", { class: "danger", id: "dispute", onclick: async () => {
      const reason = prompt(T.dispute_reason);
      if (reason) await act("dispute", { reason })();
    } }, T.dispute));
  }
  const pay = t.seller_account;
  const countdown = h("span", { class: "countdown", id: "countdown" });
  const tick = () => {
    const left = Math.max(0, Math.floor((new Date(t.expires_at) - Date.now()) / 1000));
    countdown.textContent = `${String(Math.floor(left / 60)).padStart(2, "0")}:${String(left % 60).padStart(2, "0")}`;
  };
  if (t.status === "awaiting_payment") { tick(); ticker = setInterval(tick, 1000); }
  const input = h("input", { id: "message", placeholder: T.write });
  const send = async () => {
    const text = input.value.trim();
    if (!text) return;
    if (await attempt(() => call("POST", `/trades/${id}/messages`, { text }))) { input.value = ""; loadChat(id, chat); }
  };
  // A photo goes at once, with what is typed as its caption.
  const photo = h("input", { type: "file", id: "photo", accept: "image/*", class: "hidden-input", "aria-label": T.attach_photo,
    onchange: async () => {
      const file = photo.files[0];
      if (!file) return;
      const form = new FormData();
      form.append("photo", file);
      if (input.value.trim()) form.append("text", input.value.trim());
      photo.disabled = true;
      const sent = await attempt(() => call("POST", `/trades/${id}/messages`, form));
      photo.disabled = false;
      photo.value = "";
      if (sent) { input.value = ""; loadChat(id, chat); }
    } });
  show("trades",
    h("button", { class: "secondary", onclick: trades }, T.back),
    h("div", { class: "card" },
      h("div", { class: "row" }, h("h2", {}, `${T.trade} #${t.id}`), h("span", { class: "status", id: "status" }, T[`status_${t.status}`])),
      h("div", { class: "muted" }, t.role === "buyer" ? T.you_buyer : T.you_seller),
      h("div", { class: "line" }, h("span", {}, T.you_pay), h("strong", {}, fiat(t.fiat_amount, t.fiat))),
      h("div", { class: "line" }, h("span", {}, T.you_receive), h("strong", {}, coins(t.buyer_receives, t.asset))),
      t.status === "awaiting_payment" ? h("div", { class: "line" }, h("span", {}, T.time_left), countdown) : null),
    pay ? h("div", { class: "card", id: "pay-to" }, h("strong", {}, `${T.pay_to}: ${method(pay.method)}`),
      h("div", {}, h("span", { class: "mono" }, pay.number)), h("div", { class: "muted" }, `${T.holder}: \u2068${pay.holder_name}\u2069`)) : null,
    t.seller_account_options && t.seller_account_options.length ? h("div", { class: "card" }, h("strong", {}, T.choose_account),
      t.seller_account_options.map((a) => h("button", { class: "secondary", onclick: act("account", { account_id: a.id }) },
        `${method(a.method)} · ${a.number}`))) : null,
    actions,
    h("h2", {}, T.chat), chat,
    h("div", { class: "composer" }, input,
      h("label", { class: "btn attach", title: T.attach_photo }, "📎", photo),
      h("button", { onclick: send }, T.send)));
  loadChat(id, chat);
}

const CHAT_EVENTS = ["TradeChatMessage", "TradeFileReused"];  // notification.new kinds that change the chat
const photoUrls = new Map();  // message id -> the photo's blob URL, fetched once

async function loadChat(id, box) {
  const page = await attempt(() => call("GET", `/trades/${id}/messages`));
  if (!page) return;
  box.replaceChildren(...page.items.map((m) => bubble(id, m)));
  box.scrollTop = box.scrollHeight;
}

function bubble(tradeId, m) {
  const shown = m.has_file && m.kind !== "document";
  return h("div", { class: m.mine ? "bubble mine" : "bubble", "data-message": m.id },
    shown ? chatPhoto(tradeId, m.id) : null,
    m.reused ? h("div", { class: "warning" }, T.photo_reused) : null,
    m.text || (shown ? null : "📎"));
}

/** The photo, fetched with the token (an <img src> cannot send it) into a blob URL. */
function chatPhoto(tradeId, messageId) {
  const img = h("img", { class: "photo", alt: T.photo });
  const url = photoUrls.get(messageId) || call("GET", `/trades/${tradeId}/messages/${messageId}/photo`, undefined, { blob: true })
    .then((b) => URL.createObjectURL(b));
  photoUrls.set(messageId, url);
  Promise.resolve(url).then((src) => { img.src = src; }).catch(() => { photoUrls.delete(messageId); img.replaceWith("📎"); });
  return img;
}

// --- wallet -----------------------------------------------------------------------------------------

async function wallet() {
  showing("wallet", (e) => (e.event === "wallet.deposit_detected" || e.event === "notification.new") && wallet());
  const [balances, deposit, history] = await Promise.all([
    attempt(() => call("GET", "/wallet/balance")), attempt(() => call("GET", "/wallet/deposit-address")),
    attempt(() => call("GET", "/wallet/transactions"))]);
  if (!balances || !deposit || !history) return;
  const qr = h("img", { class: "qr", alt: deposit.address, id: "qr" });
  call("GET", "/wallet/deposit-address/qr", undefined, { blob: true }).then((b) => { qr.src = URL.createObjectURL(b); }).catch(() => {});
  const asset = h("select", { id: "w-asset" }, ["USDT", "TRX"].map((a) => h("option", { value: a }, a)));
  const address = h("input", { id: "w-address", placeholder: "T…", dir: "ltr" });
  const amount = h("input", { id: "w-amount", inputmode: "decimal" });
  const code = h("input", { id: "w-code", inputmode: "numeric", autocomplete: "one-time-code" });
  const key = newKey();
  const statementPeriod = h("select", { id: "statement-period" },
    ["this_month", "last_month", "this_year", "last_year"].map((p) => h("option", { value: p }, T[`period_${p}`])));
  const statement = (format) => statementFile(statementPeriod.value, format);
  const withdraw = async () => {
    const headers = {};
    if (code.value.trim()) {
      const step = await attempt(() => call("POST", "/auth/verify-otp", { code: code.value }));
      if (!step) return;
      headers["X-Step-Up"] = step.step_up_token;
    }
    const done = await attempt(() => call("POST", "/wallet/withdraw",
      { asset: asset.value, address: address.value.trim(), amount: amount.value }, { key, headers }));
    if (done) { toast(T.withdraw_sent); wallet(); }
  };
  show("wallet",
    h("h2", {}, T.balances),
    Object.entries(balances).map(([name, b]) => h("div", { class: "card" },
      h("div", { class: "row" }, h("strong", {}, name), h("span", { class: "price" }, num(b.available))),
      h("div", { class: "muted" }, `${T.in_offers}: ${num(b.in_offers)} · ${T.in_escrow}: ${num(b.in_escrow)}`))),
    h("h2", {}, T.deposit),
    h("div", { class: "card" }, qr, h("div", { class: "mono", id: "address" }, deposit.address),
      h("p", { class: "muted" }, T.deposit_hint),
      copyButton(deposit.address)),
    h("h2", {}, T.withdraw),
    h("div", { class: "card" }, h("label", {}, T.asset), asset, h("label", {}, T.address), address,
      h("label", {}, T.amount), amount,
      me.second_factor ? [h("label", {}, T.otp_code), code] : null,
      h("div", { class: "actions" }, h("button", { id: "withdraw", onclick: withdraw }, T.withdraw))),
    h("h2", {}, T.history),
    history.items.length ? history.items.map((l) => h("div", { class: "line" },
      h("span", {}, l.kind), h("span", {}, `${Number(l.amount) > 0 ? "+" : ""}${coins(l.amount, l.asset)}`)))
      : h("p", { class: "muted" }, T.no_history),
    h("h2", {}, T.statement),
    h("div", { class: "card" }, h("label", {}, T.period), statementPeriod,
      h("div", { class: "actions" }, ["csv", "pdf"].map((format) =>
        h("button", { class: "secondary", id: `statement-${format}`, onclick: () => statement(format) }, format.toUpperCase())))));
}

/** The statement /export gives in the bot, downloaded as a file (the request carries the token). */
async function statementFile(period, format) {
  const file = await attempt(() => call("GET", `/wallet/statement?period=${period}&format=${format}`, undefined, { blob: true }));
  if (!file) return;
  const link = h("a", { href: URL.createObjectURL(file), download: `koxx-statement-${period}.${format}` });
  document.body.append(link);
  link.click();
  link.remove();
}

// --- profile ----------------------------------------------------------------------------------------

async function profile() {
  showing("profile", () => {});
  const p = await attempt(() => call("GET", "/users/profile"));
  if (!p) return;
  me.second_factor = p.second_factor;
  const s = p.stats;
  show("profile", h("h2", {}, `\u2068${p.user.public_name}\u2069`),
    h("div", { class: "card" },
      h("div", { class: "line" }, h("span", {}, T.completed_trades), h("strong", {}, num(s.completed_trades))),
      h("div", { class: "line" }, h("span", {}, T.completion_rate), h("strong", {}, s.completion_rate_30d ? `${num(s.completion_rate_30d, 1)}%` : "—")),
      h("div", { class: "line" }, h("span", {}, T.positive_feedback), h("strong", {}, s.positive_share ? `${num(s.positive_share, 1)}%` : "—")),
      h("div", { class: "actions" }, h("button", { class: "secondary", id: "profile-offers", onclick: () => myOffers(profile, "profile") }, T.my_offers))),
    secondFactor(p, profile),
    h("label", {}, T.language),
    seg([["ar", "العربية"], ["en", "English"]], lang, async (v) => {
      if (await attempt(() => call("PUT", "/users/profile", { language: v }))) { await setLanguage(v); profile(); }
    }));
}

// --- start ------------------------------------------------------------------------------------------

async function setLanguage(value) {
  const chosen = value === "en" ? "en" : "ar";
  setTexts(chosen, await (await fetch(`/api/texts?lang=${chosen}`)).json());
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === "ar" ? "rtl" : "ltr";
  for (const tab of document.querySelectorAll("#tabs button")) tab.textContent = T[tab.dataset.tab];
  document.getElementById("live").textContent = T.live;
}

const SCREENS = { market, trades, wallet, profile };

async function start() {
  const theme = themeParams();
  for (const [name, value] of Object.entries(theme)) {
    document.documentElement.style.setProperty(`--tg-theme-${name.replaceAll("_", "-")}`, value);
  }
  try {
    me = await login();
  } catch (error) {
    show("market", h("p", { class: "card" }, error.message));
    return;
  }
  const stored = me.language || ((me.telegram_language || "").startsWith("en") ? "en" : "ar");
  await setLanguage(stored);
  const p = await attempt(() => call("GET", "/users/profile"));
  me.second_factor = p ? p.second_factor : false;
  for (const tab of document.querySelectorAll("#tabs button")) tab.addEventListener("click", () => SCREENS[tab.dataset.tab]());
  live((event) => current && current.refresh(event), (on) => { document.getElementById("live").hidden = !on; });
  const hash = new URLSearchParams(location.hash.slice(1));
  const trade = hash.get("trade");
  if (trade) tradeScreen(Number(trade)); else market();
}

window.koxx = { accessToken };  // for the browser tests
start();
