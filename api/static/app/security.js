// The profile's second factor, as the bot's /security: turning it on (the QR code and the key, a
// first code from the authenticator app, then the recovery codes, shown once) and off (a code, then
// core's cooling-off, which can be cancelled). The rules are core.accounts.second_factor's.
import { call } from "/app/api.js";
import { T, attempt, copyButton, h, toast, when } from "/app/ui.js";

/** The section for ``profile`` (GET /api/users/profile); ``done`` shows the profile again. */
export function secondFactor(profile, done) {
  const box = h("div", { class: "card", id: "second-factor" });
  const state = h("div", { class: "line" }, h("span", {}, T.second_factor),
    h("strong", { id: "sf-state" }, profile.second_factor ? T.on : T.off));
  const error = h("p", { class: "error", id: "sf-error", role: "alert" });
  const refused = (message) => { error.textContent = message; };
  const codeField = (id) => h("input", { id, inputmode: "numeric", autocomplete: "one-time-code", dir: "ltr" });
  const buttons = (...items) => h("div", { class: "actions" }, ...items);

  const recovery = (codes) => box.replaceChildren(
    h("p", {}, T.sf_recovery),
    h("ol", { class: "codes", id: "sf-codes" }, codes.map((c) => h("li", {}, c))),
    h("p", { class: "muted" }, T.sf_recovery_once),
    buttons(h("button", { id: "sf-saved", onclick: done }, T.sf_saved)));

  const begin = async () => {
    const enrolment = await attempt(() => call("POST", "/users/second-factor"), refused);
    if (!enrolment) return;
    const code = codeField("sf-code");
    const confirm = async () => {
      const on = await attempt(() => call("POST", "/users/second-factor/confirm", { code: code.value }), refused);
      if (on) recovery(on.recovery_codes);
    };
    error.textContent = "";
    box.replaceChildren(state, h("p", {}, T.sf_scan),
      h("img", { class: "qr", id: "sf-qr", src: enrolment.qr, alt: "QR" }),
      h("div", { class: "row" }, h("span", { class: "mono", id: "sf-secret" }, enrolment.secret), copyButton(enrolment.secret)),
      h("label", { for: "sf-code" }, T.sf_first_code), code, error,
      buttons(h("button", { id: "sf-confirm", onclick: confirm }, T.confirm),
        h("button", { class: "secondary", onclick: done }, T.back)));
  };

  const askOff = () => {
    const code = codeField("sf-off-code");
    const off = async () => {
      if (await attempt(() => call("DELETE", "/users/second-factor", { code: code.value }), refused)) done();
    };
    box.replaceChildren(state, h("label", { for: "sf-off-code" }, T.sf_off_hint), code, error,
      buttons(h("button", { class: "danger", id: "sf-off-confirm", onclick: off }, T.turn_off),
        h("button", { class: "secondary", onclick: done }, T.back)));
  };

  const keep = async () => {
    if (await attempt(() => call("POST", "/users/second-factor/keep"), refused)) { toast(T.sf_kept); done(); }
  };

  if (!profile.second_factor) {
    box.append(state, error, buttons(h("button", { id: "sf-on", onclick: begin }, T.turn_on)));
  } else if (profile.second_factor_off_at) {
    box.append(state, h("p", { id: "sf-off-at" }, T.sf_off_at.replace("{time}", when(profile.second_factor_off_at))),
      error, buttons(h("button", { id: "sf-keep", onclick: keep }, T.sf_keep)));
  } else {
    box.append(state, buttons(h("button", { class: "secondary", id: "sf-off", onclick: askOff }, T.turn_off)));
  }
  return box;
}
