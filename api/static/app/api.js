// The API client: signs in with Telegram's initData, keeps the 15-minute access token in memory
// (the refresh token is an HttpOnly cookie the browser sends to /api/auth only), renews it once
// on a 401, and turns problem+json answers into thrown errors carrying code and detail.

let token = null;

export class ApiError extends Error {
  constructor(problem) {
    super(problem.detail || problem.code);
    this.code = problem.code;
    this.params = problem.params || {};
  }
}

export function initData() {
  const tg = window.Telegram && window.Telegram.WebApp;
  if (tg && tg.initData) return tg.initData;
  const hash = new URLSearchParams(location.hash.slice(1));
  return hash.get("tgWebAppData") || "";
}

export function themeParams() {
  const hash = new URLSearchParams(location.hash.slice(1));
  try { return JSON.parse(hash.get("tgWebAppThemeParams") || "{}"); } catch { return {}; }
}

export async function login() {
  const answer = await fetch("/api/auth/login", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ init_data: initData() }), credentials: "same-origin",
  });
  const body = await answer.json();
  if (!answer.ok) throw new ApiError(body);
  token = body.access_token;
  return body.user;
}

async function refresh() {
  const answer = await fetch("/api/auth/refresh", { method: "POST", credentials: "same-origin" });
  if (!answer.ok) return login();
  token = (await answer.json()).access_token;
}

export function accessToken() { return token; }

export function newKey() {
  return (crypto.randomUUID && crypto.randomUUID()) || `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

// A FormData body (an upload) goes as multipart/form-data, with the boundary the browser sets;
// any other body as JSON.
export async function call(method, path, body, { key, headers = {}, blob = false, retried = false } = {}) {
  const sent = { ...headers, Authorization: `Bearer ${token}` };
  const form = body instanceof FormData;
  if (body !== undefined && !form) sent["Content-Type"] = "application/json";
  if (key) sent["Idempotency-Key"] = key;
  const answer = await fetch(`/api${path}`, {
    method, headers: sent, body: body === undefined || form ? body : JSON.stringify(body),
  });
  if (answer.status === 401 && !retried) {
    await refresh();
    return call(method, path, body, { key, headers, blob, retried: true });
  }
  if (!answer.ok) throw new ApiError(await answer.json());
  return blob ? answer.blob() : answer.json();
}

// Live events: one socket, signed in with the token as a subprotocol; reconnects from the last
// event id it saw, so nothing is missed while it was away.
export function live(onEvent, onState) {
  let lastId = null;
  let closed = false;
  function open() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const query = lastId ? `?last_event_id=${encodeURIComponent(lastId)}` : "";
    const ws = new WebSocket(`${scheme}://${location.host}/api/ws${query}`, ["koxx.v1", `bearer.${token}`]);
    ws.onmessage = (message) => {
      const item = JSON.parse(message.data);
      if (item.event === "ready") { onState(true); return; }
      if (item.id) lastId = item.id;
      onEvent(item);
    };
    ws.onclose = () => {
      onState(false);
      if (!closed) setTimeout(async () => { try { await refresh(); } catch {} open(); }, 2000);
    };
  }
  open();
  return () => { closed = true; };
}
