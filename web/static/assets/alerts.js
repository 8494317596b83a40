// Saved searches (提醒) on the search page: "保存为提醒" saves the current
// query and filters (POST /v1/alerts), and "我的提醒" lists the alerts with
// their newest matches (GET /v1/alerts, /v1/alerts/{id}/matches?order=newest),
// each title a link to the article page; an alert can be deleted there.
// Saving and deleting are writes: they send the API key the editor typed
// (kept for this tab only, in sessionStorage), or none when the server
// takes writes from this machine without one. Text from the server is only
// ever inserted as text.

const LATEST = 5; // matches shown per alert
const KEY = "zhsearch.apiKey";

const I18N = {
  zh: {
    save: "保存为提醒", saveTitle: "新报道与这次搜索匹配时记录下来", name: "名称", key: "API 密钥",
    keyHint: "保存和删除提醒需要 API 密钥（服务器未设置密钥时，本机可留空）。",
    submit: "保存", cancel: "取消", saving: "正在保存…",
    saved: (n) => `已保存提醒“${n}”：之后写入的报道与它匹配时会列在“我的提醒”中。`,
    ignoredOn: "“历史上的今天”不能用于提醒，已忽略。",
    open: "我的提醒", close: "收起提醒", title: "我的提醒", loading: "正在载入提醒…",
    none: "还没有提醒。搜索后点“保存为提醒”。", noMatches: "还没有匹配的报道。",
    count: (n) => `共 ${n} 条匹配`, latest: "最新匹配：", query: "搜索", section: "版面", author: "作者",
    since: "从", until: "至", del: "删除", delLabel: (n) => `删除提醒“${n}”`, deleted: (n) => `已删除提醒“${n}”。`,
    needKey: "需要有效的 API 密钥：请在上面填写后重试。", failed: "出错了：",
  },
  en: {
    save: "Save as alert", saveTitle: "Record new stories that match this search", name: "Name", key: "API key",
    keyHint: "Saving and deleting alerts needs an API key (leave it empty on this machine if the server has none).",
    submit: "Save", cancel: "Cancel", saving: "Saving…",
    saved: (n) => `Alert “${n}” saved: stories written from now on that match it are listed under My alerts.`,
    ignoredOn: "“On this day” cannot be used in an alert and was left out.",
    open: "My alerts", close: "Hide alerts", title: "My alerts", loading: "Loading alerts…",
    none: "No alerts yet. Search, then press “Save as alert”.", noMatches: "No matching stories yet.",
    count: (n) => `${n} match${n === 1 ? "" : "es"}`, latest: "Latest matches:", query: "Search", section: "Section", author: "Author",
    since: "From", until: "To", del: "Delete", delLabel: (n) => `Delete alert “${n}”`, deleted: (n) => `Alert “${n}” deleted.`,
    needKey: "A valid API key is needed: enter it above and try again.", failed: "Failed: ",
  },
};

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
};

const en = () => new URL(location.href).searchParams.get("lang") === "en";
const t = (key, ...args) => {
  const v = I18N[en() ? "en" : "zh"][key] ?? I18N.zh[key];
  return typeof v === "function" ? v(...args) : v;
};

function storedKey() {
  try {
    return sessionStorage.getItem(KEY) || "";
  } catch {
    return "";
  }
}

function storeKey(k) {
  try {
    if (k) sessionStorage.setItem(KEY, k);
    else sessionStorage.removeItem(KEY);
  } catch {
    // storage off: the field still holds the key
  }
}

class CallError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** call sends a request to the alert API with the key, if any; JSON in and out. */
async function call(method, path, body, keyField = "alerts-key") {
  const headers = { Accept: "application/json" };
  const key = ($(keyField).value || storedKey()).trim();
  if (key) headers.Authorization = "Bearer " + key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new CallError(0, en() ? "The server cannot be reached." : "无法连接服务器。");
  }
  if (res.status === 204) return null;
  let data = null;
  try {
    data = await res.json();
  } catch {
    // not JSON
  }
  if (!res.ok) {
    const msg = data?.error?.message || `HTTP ${res.status}`;
    throw new CallError(res.status, res.status === 401 || res.status === 403 ? `${t("needKey")}（${msg}）` : msg);
  }
  if (key) storeKey(key);
  return data;
}

/** spec is the saved search of the search in the URL: the query and the filters an alert keeps. */
function spec() {
  const p = new URL(location.href).searchParams;
  const s = { q: (p.get("q") || "").trim() };
  for (const k of ["since", "until"]) if (p.get(k)) s[k] = p.get(k);
  for (const k of ["section", "author"]) if (p.getAll(k).length > 0) s[k] = p.getAll(k);
  return { spec: s, ignoredOn: Boolean(p.get("on")) };
}

function setStatus(id, text, error = false) {
  const n = $(id);
  n.textContent = text;
  n.classList.toggle("error", error);
}

function openForm() {
  const { spec: s } = spec();
  $("alert-name").value = s.q;
  $("alert-key").value = storedKey();
  setStatus("alert-status", "");
  $("alert-form").hidden = false;
  $("save-alert").setAttribute("aria-expanded", "true");
  $("alert-name").focus();
}

function closeForm() {
  $("alert-form").hidden = true;
  $("save-alert").setAttribute("aria-expanded", "false");
}

async function save(e) {
  e.preventDefault();
  const { spec: s, ignoredOn } = spec();
  if (!s.q) return;
  const name = $("alert-name").value.trim() || s.q;
  setStatus("alert-status", t("saving"));
  try {
    const a = await call("POST", "/v1/alerts", { ...s, name }, "alert-key");
    closeForm();
    setStatus("alert-status", t("saved", a.name || a.q) + (ignoredOn ? " " + t("ignoredOn") : ""));
    if (!$("alerts").hidden) loadList();
  } catch (err) {
    setStatus("alert-status", t("failed") + err.message, true);
    if (err.status === 401 || err.status === 403) $("alert-key").focus();
  }
}

function describe(a) {
  const parts = [`${t("query")}：${a.q}`];
  if (a.section?.length) parts.push(`${t("section")}：${a.section.join("、")}`);
  if (a.author?.length) parts.push(`${t("author")}：${a.author.join("、")}`);
  if (a.since) parts.push(`${t("since")} ${a.since}`);
  if (a.until) parts.push(`${t("until")} ${a.until}`);
  parts.push(t("count", a.matches || 0));
  return parts.join(" · ");
}

function matchItem(m) {
  const q = new URL(location.href).searchParams.get("lang") === "en" ? "?lang=en" : "";
  return el("li", {},
    el("a", { href: "/articles/" + encodeURIComponent(m.article_id) + q, "data-nav": true, text: m.title || m.article_id }),
    m.published_at ? el("span", { class: "when", text: " · " + m.published_at.slice(0, 10) }) : null);
}

async function alertItem(a) {
  const label = a.name || a.q;
  const list = el("ul", { class: "alert-matches" });
  const li = el("li", { class: "alert", "data-id": a.id },
    el("div", { class: "alert-head" },
      el("h3", { text: label }),
      el("button", { type: "button", class: "chip delete", "aria-label": t("delLabel", label), text: t("del"), onclick: () => remove(a, label) })),
    el("p", { class: "alert-meta", text: describe(a) }),
    list);
  if (!a.matches) {
    list.replaceChildren(el("li", { class: "none", text: t("noMatches") }));
    return li;
  }
  try {
    const page = await call("GET", `/v1/alerts/${encodeURIComponent(a.id)}/matches?order=newest&size=${LATEST}`);
    list.replaceChildren(...page.matches.map(matchItem));
    list.setAttribute("aria-label", t("latest"));
  } catch (err) {
    list.replaceChildren(el("li", { class: "error", text: t("failed") + err.message }));
  }
  return li;
}

let listGen = 0; // the latest loadList: an older one's answer is dropped

/** loadList shows the saved searches; it reports whether it was the
 * latest call, whose answer the list shows. */
async function loadList() {
  const gen = ++listGen;
  setStatus("alerts-status", t("loading"));
  try {
    const res = await call("GET", "/v1/alerts");
    const alerts = (res.alerts || []).slice().reverse(); // newest first
    const items = await Promise.all(alerts.map(alertItem));
    if (gen !== listGen) return false;
    $("alert-list").replaceChildren(...items);
    setStatus("alerts-status", alerts.length === 0 ? t("none") : "");
  } catch (err) {
    if (gen !== listGen) return false;
    $("alert-list").replaceChildren();
    setStatus("alerts-status", t("failed") + err.message, true);
  }
  return true;
}

async function remove(a, label) {
  try {
    await call("DELETE", "/v1/alerts/" + encodeURIComponent(a.id));
    if (await loadList()) setStatus("alerts-status", t("deleted", label));
  } catch (err) {
    setStatus("alerts-status", t("failed") + err.message, true);
    if (err.status === 401 || err.status === 403) $("alerts-key").focus();
  }
}

function toggleList() {
  const open = $("alerts").hidden;
  $("alerts").hidden = !open;
  $("alerts-open").setAttribute("aria-expanded", String(open));
  $("alerts-open").textContent = open ? t("close") : t("open");
  if (open) {
    $("alerts-key").value = storedKey();
    loadList();
  }
}

let lastPath = ""; // the path renderAlerts last saw

/** renderAlerts updates the alert controls for the page's state: the save
 * action is offered on a search with a query. */
export function renderAlerts() {
  const p = new URL(location.href);
  const searching = !/^\/articles\//.test(p.pathname) && Boolean((p.searchParams.get("q") || "").trim());
  const b = $("save-alert");
  b.hidden = !searching;
  b.textContent = t("save");
  b.title = t("saveTitle");
  if (!searching) closeForm();
  // A match was just opened: the article comes first. (Only on arriving
  // at the article: the page renders again as its parts load, and a list
  // opened on the article page stays open.)
  if (p.pathname !== lastPath && /^\/articles\//.test(p.pathname) && !$("alerts").hidden) {
    $("alerts").hidden = true;
    $("alerts-open").setAttribute("aria-expanded", "false");
  }
  lastPath = p.pathname;
  if (!searching && $("alert-form").hidden) setStatus("alert-status", "");
  $("alerts-open").textContent = $("alerts").hidden ? t("open") : t("close");
  $("alerts-title").textContent = t("title");
  for (const [id, key] of [["alert-name-label", "name"], ["alert-key-label", "key"], ["alert-key-hint", "keyHint"],
    ["alert-submit", "submit"], ["alert-cancel", "cancel"], ["alerts-key-label", "key"]]) {
    $(id).textContent = t(key);
  }
}

/** initAlerts wires the controls (once, at start). */
export function initAlerts() {
  $("save-alert").addEventListener("click", () => ($("alert-form").hidden ? openForm() : closeForm()));
  $("alert-form").addEventListener("submit", save);
  $("alert-cancel").addEventListener("click", closeForm);
  $("alerts-open").addEventListener("click", toggleList);
  renderAlerts();
}
