// What every screen uses: the texts in the user's language, numbers in the digits the bots use,
// building elements, the toast, showing a screen and an API refusal.
import { ApiError } from "/app/api.js";

export let T = {};           // texts in the user's language (/api/texts, from the bots' catalogs)
export let lang = "ar";
export let current = null;   // the screen shown: { name, refresh(event) }
const screen = () => document.getElementById("screen");

export function setTexts(language, texts) {
  lang = language;
  T = texts;
}

/** The screen shown from now on, and what it does on a live event. */
export function showing(name, refresh = () => {}) {
  current = { name, refresh };
}

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, "");
    else if (v !== false && v != null) el.setAttribute(k, v);
  }
  for (const child of children.flat()) {
    if (child != null && child !== false) el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export const locale = () => (lang === "ar" ? "ar-IQ" : "en");
export function num(text, digits = 6) {
  if (text == null) return "";
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(Number(text));
}
export function fiat(text, code) {
  const digits = code === "USD" ? 2 : 0;
  const unit = code === "IQD" ? (lang === "ar" ? "د.ع" : "IQD") : "$";
  return `${num(text, digits)} ${unit}`;
}
export const percent = (text) =>
  new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 3 }).format(Number(text) / 100);
export const coins = (text, asset) => `${num(text)} \u2066${asset}\u2069`;
export const method = (code) => T[`method_${code}`] || code;
export const when = (iso) => new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
export const list = (items) => items.join(lang === "ar" ? "، " : ", ");

export function toast(text) {
  const el = document.getElementById("toast");
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, 3500);
}

/** ``action``'s result, or undefined after showing why it failed (the server's sentence). */
export async function attempt(action, shown = toast) {
  try { return await action(); } catch (error) {
    shown(error instanceof ApiError ? error.message : T.error);
    if (!(error instanceof ApiError)) console.error(error);
    return undefined;
  }
}

export function show(name, ...content) {
  screen().replaceChildren(...content.flat().filter((c) => c != null && c !== false));
  for (const tab of document.querySelectorAll("#tabs button")) {
    tab.setAttribute("aria-current", tab.dataset.tab === name.split(":")[0] ? "page" : "false");
  }
}

export function seg(options, chosen, pick) {
  return h("div", { class: "seg" }, options.map(([value, label]) =>
    h("button", { class: "secondary", "aria-pressed": String(value === chosen), onclick: () => pick(value) }, label)));
}

export function copyButton(text) {
  return h("button", { class: "secondary", onclick: async () => {
    await navigator.clipboard?.writeText(text).catch(() => {});
    toast(T.copied);
  } }, T.copy);
}

export const line = (label, value, attrs = {}) => h("div", { class: "line" }, h("span", {}, label), h("strong", attrs, value));

/** What an offer says to the other side: price, what is left, limits, methods. */
export function offerFacts(offer) {
  return [
    h("div", { class: "muted" }, `${T.available}: ${coins(offer.remaining, offer.asset)}`),
    h("div", { class: "muted" }, `${T.limits}: ${fiat(offer.min_fiat, offer.fiat)} – ${fiat(offer.max_fiat, offer.fiat)}`),
    h("div", { class: "muted" }, list(offer.payment_methods.map(method))),
  ];
}
