// The web chat page of the Telegram sandbox: plain JS, no build step.
"use strict";

const $ = (sel) => document.querySelector(sel);
const view = { user: null, bot: null, chat: null };  // chat = channel/group id when one is open
let world = { users: [], bots: [], chats: [] };
let lastShown = null;  // the chat on screen: a different one opens scrolled to its newest message

async function api(path, body) {
  const init = body === undefined ? {} : body instanceof FormData
    ? { method: "POST", body }
    : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const resp = await fetch(path, init);
  if (!resp.ok) {
    const error = $("#error");
    error.textContent = await resp.text();
    error.hidden = false;
    setTimeout(() => { error.hidden = true; }, 4000);
    throw new Error(error.textContent);
  }
  return resp.json();
}

function item(label, sub, active, onclick) {
  const li = document.createElement("li");
  li.textContent = label;
  if (sub) { const s = document.createElement("small"); s.textContent = sub; s.dir = "ltr"; li.append(" ", s); }
  if (active) li.classList.add("active");
  li.onclick = onclick;
  return li;
}

function renderSide() {
  const users = $("#users");
  users.replaceChildren(...world.users.map((u) => item(u.name, (u.username ? "@" + u.username : "") + " " + (u.lang || ""),
    u.id === view.user, () => { view.user = u.id; showTab("chat"); refresh(); })));
  const chats = $("#chats");
  chats.replaceChildren(
    ...world.bots.map((b) => item("🤖 " + b.name, "@" + b.username, view.chat === null && b.id === view.bot,
      () => { view.bot = b.id; view.chat = null; showTab("chat"); refresh(); })),
    ...world.chats.map((c) => item((c.type === "channel" ? "📢 " : "👥 ") + c.title, c.type, view.chat === c.id,
      () => { view.chat = c.id; showTab("chat"); refresh(); })),
  );
  const user = world.users.find((u) => u.id === view.user);
  document.documentElement.dir = user && (user.lang || "").startsWith("ar") ? "rtl" : "ltr";
}

function safeHtml(html) {
  const box = document.createElement("div");
  box.innerHTML = html;
  box.querySelectorAll("a").forEach((a) => {
    if (!/^(https?|tg):/i.test(a.getAttribute("href") || "")) a.removeAttribute("href");
    a.target = "_blank";
    a.rel = "noopener";
  });
  return box;
}

function renderMessage(m, botId) {
  const wrap = document.createElement("div");
  wrap.className = "msg" + (m.from_bot ? "" : " mine");
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  bubble.dir = "auto";
  if (view.chat !== null && m.sender) {
    const s = document.createElement("div"); s.className = "sender"; s.textContent = m.sender; bubble.append(s);
  }
  if (m.photo) { const img = document.createElement("img"); img.src = "/api/file/" + encodeURIComponent(m.photo); bubble.append(img); }
  if (m.document) {
    const a = document.createElement("a"); a.href = "/api/file/" + encodeURIComponent(m.document.file_id);
    a.textContent = "📄 " + m.document.name; a.target = "_blank"; bubble.append(a, document.createElement("br"));
  }
  if (m.contact) { const c = document.createElement("div"); c.textContent = "☎ " + m.contact.phone_number; bubble.append(c); }
  bubble.append(...safeHtml(m.html).childNodes);
  const meta = document.createElement("div");
  meta.className = "meta";
  meta.textContent = (m.edited ? "edited " : "") + new Date(m.date * 1000).toLocaleTimeString();
  bubble.append(meta);
  wrap.append(bubble);
  if (m.buttons.length) {
    const inline = document.createElement("div");
    inline.className = "inline";
    for (const row of m.buttons) {
      const r = document.createElement("div");
      for (const b of row) {
        const button = document.createElement("button");
        button.textContent = b.text + (b.url ? " ↗" : "");
        button.onclick = () => press(m.bot_id || botId, m.message_id, b.text);
        r.append(button);
      }
      inline.append(r);
    }
    wrap.append(inline);
  }
  return wrap;
}

// On a phone one panel shows at a time (style.css): the tab bar switches them.
function showTab(tab) { document.body.dataset.tab = tab; }
document.querySelectorAll("#tabs button").forEach((b) => { b.onclick = () => showTab(b.dataset.tab); });

// What the bot answered to a press: a popup to dismiss when it asked for an alert, else a toast.
let toastTimer = null;
function showAnswer(answer) {
  if (!answer || !answer.text) return;
  if (answer.show_alert) {
    $("#alert-text").textContent = answer.text;
    $("#alert").hidden = false;
    $("#alert-ok").focus();
    return;
  }
  const toast = $("#toast");
  toast.textContent = answer.text;
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toast.hidden = true; }, 3000);
}
$("#alert-ok").onclick = () => { $("#alert").hidden = true; };

async function press(botId, messageId, label) {
  if (view.user === null) return;
  const result = await api("/api/act", { action: "press", user: view.user, bot: botId, message_id: messageId,
    label, chat: view.chat });
  if (result.query_id) api("/api/answer?id=" + encodeURIComponent(result.query_id)).then(showAnswer, () => {});
  if (result.opened_bot) {  // a t.me link to a bot (an offer's button in the channel): go to that chat
    view.chat = null;
    view.bot = result.opened_bot;
    refresh();
  } else if (result.url && !/^https?:\/\/(t|telegram)\.me\//.test(result.url)) window.open(result.url, "_blank");
}

async function refresh() {
  world = await api("/api/state");
  if (view.user === null && world.users.length) view.user = world.users[0].id;
  if (view.bot === null && world.bots.length) view.bot = world.bots[0].id;
  renderSide();
  const composer = $("#composer");
  let data;
  if (view.chat !== null) {
    const chat = world.chats.find((c) => c.id === view.chat);
    $("#title").textContent = chat ? chat.title : "";
    composer.classList.toggle("readonly", !chat || chat.type === "channel");
    $("#open-app").hidden = true;
    data = await api("/api/chat?chat=" + view.chat);
  } else if (view.user !== null && view.bot !== null) {
    const bot = world.bots.find((b) => b.id === view.bot);
    const user = world.users.find((u) => u.id === view.user);
    const name = document.createElement("bdi"), handle = document.createElement("bdi");
    name.textContent = user.name;
    handle.textContent = "@" + bot.username;
    $("#title").replaceChildren(name, " ↔ ", handle);
    composer.classList.remove("readonly");
    data = await api(`/api/chat?user=${view.user}&bot=${view.bot}`);
    $("#block").textContent = data.blocked ? "✅" : "⛔";
    $("#open-app").hidden = !data.menu_app;
    $("#open-app").dataset.url = data.menu_app || "";
  } else {
    return;
  }
  const box = $("#messages");
  const shown = view.chat !== null ? `chat:${view.chat}` : `${view.user}:${view.bot}`;
  const atBottom = shown !== lastShown || box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  lastShown = shown;
  box.replaceChildren(...data.messages.map((m) => renderMessage(m, view.bot)));
  if (!data.messages.length && view.chat === null) {
    const hint = document.createElement("p");
    hint.className = "hint";
    hint.dir = "auto";
    hint.textContent = "No messages yet. Send /start to begin.";
    box.append(hint);
  }
  if (atBottom) box.scrollTop = box.scrollHeight;
  const keyboard = $("#keyboard");
  keyboard.replaceChildren(...(data.keyboard || []).map((row) => {
    const r = document.createElement("div");
    for (const key of row) {
      const b = document.createElement("button");
      b.textContent = key.text;
      // A "share my phone number" button sends the user's contact, as Telegram does; others send their text.
      b.onclick = key.contact ? shareContact
        : () => api("/api/act", { action: "send", user: view.user, bot: view.bot, text: key.text });
      r.append(b);
    }
    return r;
  }));
}

$("#composer").onsubmit = async (event) => {
  event.preventDefault();
  const text = $("#text").value;
  if (!text.trim() || view.user === null) return;
  if (view.chat !== null) await api("/api/act", { action: "post", user: view.user, chat: view.chat, text });
  else await api("/api/act", { action: "send", user: view.user, bot: view.bot, text });
  $("#text").value = "";
};

$("#file").onchange = async () => {
  const file = $("#file").files[0];
  if (!file || view.user === null || view.chat !== null) return;
  const form = new FormData();
  form.append("user", view.user);
  form.append("bot", view.bot);
  form.append("file", file);
  form.append("caption", $("#text").value);
  await api("/api/upload", form);
  $("#text").value = "";
  $("#file").value = "";
};

function shareContact() {
  const phone = prompt("Phone number", "+9647700000000");
  if (phone) api("/api/act", { action: "contact", user: view.user, bot: view.bot, phone });
}

$("#contact").onclick = shareContact;

$("#block").onclick = async () => {
  const data = await api(`/api/chat?user=${view.user}&bot=${view.bot}`);
  await api("/api/act", { action: data.blocked ? "unblock" : "block", user: view.user, bot: view.bot });
  refresh();
};

$("#new-user").onsubmit = async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const created = await api("/api/users", Object.fromEntries(form));
  view.user = created.id;
  event.target.reset();
  refresh();
};

let pending = null;
new EventSource("/api/events").addEventListener("change", () => {
  clearTimeout(pending);
  pending = setTimeout(refresh, 50);
});
refresh();

// The bot's menu button opens its Mini App (as Telegram does: a panel over the chat, phone-wide),
// signed for the user on screen by the stand-in with the bot's token.
$("#open-app").onclick = () => {
  $("#webapp-frame").src = $("#open-app").dataset.url;
  $("#webapp").hidden = false;
};
$("#webapp-close").onclick = () => { $("#webapp").hidden = true; $("#webapp-frame").src = "about:blank"; };
