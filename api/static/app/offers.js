// The maker's screens: a new offer (the form, a preview of what the other side will see, then
// publish) and "My offers" (pause, resume, close). Every rule is core's, as in the bot's offer
// journey: the app sends what was typed, as text, and shows the server's answer or its refusal.
import { call } from "/app/api.js";
import { T, attempt, coins, fiat, h, line, method, num, offerFacts, percent, seg, show, showing, toast } from "/app/ui.js";

// What the form holds between visits: Back from My offers, or a refusal, keeps what was typed.
const draft = {
  side: "sell", asset: "USDT", fiat: "IQD", ptype: "fixed", price: "", margin: "", amount: "", min: "", max: "",
  methods: [], window: "", visibility: "public", min_trades: "0", min_age: "0", terms: "",
};
const REQUIREMENTS = { min_trades: [3, 10, 25], min_age: [7, 30, 90] };  // the bot's quick choices

/** The draft as POST /api/offers takes it; limits left empty are the bot's defaults. */
function body() {
  const sent = {
    side: draft.side, asset: draft.asset, fiat: draft.fiat, amount: draft.amount.trim(),
    payment_methods: draft.methods, payment_window: Number(draft.window), visibility: draft.visibility,
    min_trades: Number(draft.min_trades), min_account_age_days: Number(draft.min_age),
  };
  if (draft.ptype === "fixed") sent.price = draft.price.trim(); else sent.margin_pct = draft.margin.trim();
  if (draft.min.trim()) sent.min_fiat = draft.min.trim();
  if (draft.max.trim()) sent.max_fiat = draft.max.trim();
  if (draft.terms.trim()) sent.terms = draft.terms.trim();
  return sent;
}

export async function newOffer(back, tab = "market") {
  showing(`${tab}:new-offer`);
  const [form, balances] = await Promise.all([
    attempt(() => call("GET", "/offers/form")), attempt(() => call("GET", "/wallet/balance"))]);
  if (!form || !balances) return;
  if (!form.payment_windows.includes(Number(draft.window))) {
    draft.window = String(form.payment_windows.includes(30) ? 30 : form.payment_windows[0]);
  }
  const result = h("div", { id: "o-result" });  // the preview, or why the server refused
  const refused = (message) => result.replaceChildren(h("p", { class: "card error", id: "o-error", role: "alert" }, message));
  const label = (text, key) => h("label", { for: `o-${key}` }, text);
  const input = (key, attrs = {}) => h("input", { id: `o-${key}`, value: draft[key], inputmode: "decimal", ...attrs,
    oninput: (e) => { draft[key] = e.target.value; result.replaceChildren(); } });
  const select = (key, options, again = false) => h("select", { id: `o-${key}`,
    onchange: (e) => { draft[key] = e.target.value; if (again) render(); else result.replaceChildren(); } },
  options.map(([value, text]) => h("option", { value, selected: String(value) === String(draft[key]) }, text)));
  const requirement = (key) => select(key, [[0, T.no_minimum], ...REQUIREMENTS[key].map((n) => [n, num(n)])]);

  const publish = async (button, sent) => {
    button.disabled = true;
    const offer = await attempt(() => call("POST", "/offers", sent), refused);
    button.disabled = false;
    if (!offer) return;
    draft.amount = "";
    toast(T.published);
    myOffers(back, tab);
  };
  const preview = async () => {
    const sent = body();
    const p = await attempt(() => call("POST", "/offers/preview", sent), refused);
    if (!p) return;
    const o = p.offer;
    result.replaceChildren(h("div", { class: "card", id: "o-preview-card" },
      h("strong", {}, T.others_see),
      h("div", { class: "row" }, h("span", { class: "price", id: "o-preview-price" }, fiat(o.price, o.fiat)),
        h("span", { class: "muted" }, `${o.side === "sell" ? T.sell : T.buy} \u2066${o.asset}\u2069`)),
      offerFacts(o),
      h("div", { class: "muted" }, `${T.payment_window}: ${num(o.payment_window)}`),
      o.terms ? h("p", { class: "terms" }, o.terms) : null,
      o.side === "sell" ? [line(T.from_balance, coins(p.reserve, o.asset), { id: "o-reserve" }),
        line(T.maker_fee, percent(p.maker_fee_pct))] : null,
      h("div", { class: "actions" }, h("button", { id: "o-publish", onclick: (e) => publish(e.target, sent) }, T.publish))));
  };

  const render = () => {
    const rate = form.reference_rates[`${draft.asset}-${draft.fiat}`];
    if (!rate) draft.ptype = "fixed";  // a floating price follows a reference rate
    const available = balances[draft.asset] && balances[draft.asset].available;
    show(tab,
      h("button", { class: "secondary", onclick: back }, T.back),
      h("h2", {}, T.new_offer),
      seg([["sell", T.sell_crypto], ["buy", T.buy_crypto]], draft.side, (v) => { draft.side = v; render(); }),
      h("div", { class: "filters" },
        h("div", {}, label(T.asset, "asset"), select("asset", [["USDT", "USDT"], ["TRX", "TRX"]], true)),
        h("div", {}, label(T.currency, "fiat"), select("fiat", [["IQD", "IQD"], ["USD", "USD"]], true))),
      rate ? [seg([["fixed", T.fixed_price], ["floating", T.floating_price]], draft.ptype, (v) => { draft.ptype = v; render(); }),
        h("p", { class: "muted" }, `${T.reference_rate}: ${fiat(rate, draft.fiat)}`)] : null,
      draft.ptype === "fixed" ? [label(T.price_for_one, "price"), input("price")] : [label(T.margin, "margin"), input("margin")],
      label(`${T.total_amount} (${draft.asset})`, "amount"), input("amount"),
      draft.side === "sell" && available != null ? h("p", { class: "muted" }, `${T.available}: ${coins(available, draft.asset)}`) : null,
      h("div", { class: "filters" },
        h("div", {}, label(T.min_per_trade, "min"), input("min", { placeholder: T.automatic })),
        h("div", {}, label(T.max_per_trade, "max"), input("max", { placeholder: T.automatic }))),
      h("label", {}, T.method),
      h("div", { class: "checks" }, form.payment_methods.map((m) => h("label", { class: "check" },
        h("input", { type: "checkbox", id: `o-method-${m}`, checked: draft.methods.includes(m), onchange: (e) => {
          draft.methods = e.target.checked ? [...draft.methods, m] : draft.methods.filter((x) => x !== m);
          result.replaceChildren();
        } }), method(m)))),
      label(T.payment_window, "window"), select("window", form.payment_windows.map((w) => [w, num(w)])),
      // A private offer's link comes from the bot (its /myoffers card), so the app offers the other two.
      label(T.who_sees, "visibility"), select("visibility", form.visibilities.filter((v) => v !== "private")
        .map((v) => [v, T[`visibility_${v}`]])),
      h("div", { class: "filters" },
        h("div", {}, label(T.min_trades, "min_trades"), requirement("min_trades")),
        h("div", {}, label(T.min_age, "min_age"), requirement("min_age"))),
      label(T.terms, "terms"),
      h("textarea", { id: "o-terms", rows: 3, oninput: (e) => { draft.terms = e.target.value; result.replaceChildren(); } },
        draft.terms),
      h("div", { class: "actions" }, h("button", { id: "o-preview", onclick: preview }, T.preview)),
      result);
  };
  render();
}

export async function myOffers(back, tab = "market") {
  const page = await attempt(() => call("GET", "/offers/mine"));
  if (!page) return;
  const again = () => myOffers(back, tab);
  // A trade on one of them changes what is left (public offers' changes are live events).
  showing(`${tab}:my-offers`, (e) => e.event === "offer.updated" && page.items.some((o) => o.id === e.data.id) && again());
  const act = (path, verb = "PUT") => async () => { if (await attempt(() => call(verb, path))) again(); };
  show(tab,
    h("button", { class: "secondary", onclick: back }, T.back),
    h("div", { class: "row" }, h("h2", {}, T.my_offers),
      h("button", { id: "mine-new", onclick: () => newOffer(again, tab) }, `+ ${T.new_offer}`)),
    page.items.length ? page.items.map((o) => ownOffer(o, act)) : h("p", { class: "muted" }, T.no_my_offers));
}

function ownOffer(o, act) {
  const actions = h("div");
  const ask = () => actions.replaceChildren(h("div", { class: "actions" },
    h("p", { class: "muted" }, T.close_offer_confirm),
    h("button", { class: "danger", id: `close-yes-${o.id}`, onclick: act(`/offers/${o.id}`, "DELETE") }, T.yes_close),
    h("button", { class: "secondary", onclick: buttons }, T.back)));
  function buttons() {
    actions.replaceChildren(h("div", { class: "seg" },
      o.status === "active"
        ? h("button", { class: "secondary", id: `pause-${o.id}`, onclick: act(`/offers/${o.id}/pause`) }, T.pause)
        : h("button", { class: "secondary", id: `resume-${o.id}`, onclick: act(`/offers/${o.id}/resume`) }, T.resume),
      h("button", { class: "danger", id: `close-${o.id}`, onclick: ask }, T.close_offer)));
  }
  buttons();
  return h("div", { class: "card", "data-my-offer": o.id },
    h("div", { class: "row" }, h("strong", {}, `${o.side === "sell" ? T.sell : T.buy} \u2066${o.asset}\u2069 · \u2066#${o.id}\u2069`),
      h("span", { class: "status" }, T[`offer_${o.status}`])),
    h("div", { class: "price" }, o.price ? fiat(o.price, o.fiat) : "—"),
    offerFacts(o), actions);
}
