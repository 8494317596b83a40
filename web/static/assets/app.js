// The zhsearch search page: plain JavaScript, no build step. The query and
// filters live in the URL (history.pushState), so results can be shared and
// the back button works; /articles/{id} shows one article. Document text is
// only inserted as text nodes (see marks.js).
import { appendMarked, appendRuns, highlightRuns, markedTerms, queryTerms, splitMarked } from "./marks.js";
import { initAlerts, renderAlerts } from "./alerts.js";

const PAGE_SIZE = 10;
const MAX_HITS = 10000; // the API's limit for page numbers
const FACETS = ["section", "author", "month", "person", "place", "org"];
// NAMES are the filters by names recognised in the articles (docs/entities.md).
const NAMES = ["person", "place", "org"];

const I18N = {
  zh: {
    brand: "zhsearch 新闻搜索", skip: "跳到搜索结果", queryLabel: "搜索新闻",
    placeholder: "搜索新闻", placeholderExample: (q) => `搜索新闻，例如：${q}`, search: "搜索", resultType: "结果类型",
    typeArticle: "文章", typeParagraph: "段落", sort: "排序", sortRelevance: "相关度",
    sortNewest: "最新", since: "从", until: "至", datePlaceholder: "年-月-日", dateHint: "日期格式：2024-03-01 或 2024年3月1日", badDate: (v) => `“${v}”不是日期，请写成 2024-03-01 或 2024年3月1日。`, refine: "筛选：版面、作者、月份、人物、地点、机构", back: "← 返回搜索结果",
    related: "相关报道", footer: "zhsearch · 中文新闻全文搜索", pagination: "翻页",
    lang: "English", langCode: "en",
    status: (n, ms) => `共 ${n} 条结果，用时 ${ms} 毫秒`,
    statusPage: (p, pages) => `第 ${p} / ${pages} 页`,
    loading: "正在搜索…", loadingArticle: "正在载入文章…",
    emptyTitle: "搜索本报新闻", emptyText: "输入词语搜索文章和段落。", tryExamples: "试试近期报道中的词：",
    noResults: (q) => `没有找到与“${q}”相关的结果。`,
    dropWord: "试试去掉一个词：", clearFilters: "清除所有筛选条件", shorter: "换一个更短或更常见的词再试。",
    errorTitle: "搜索出错了", badQuery: "无法按这个条件搜索", firstPage: "回到第一页", retry: "重试", articleError: "无法载入这篇文章",
    facet_section: "版面", facet_author: "作者", facet_month: "月份",
    facet_person: "人物", facet_place: "地点", facet_org: "机构",
    filter_section: "版面", filter_author: "作者", filter_since: "从", filter_until: "至",
    filter_person: "人物", filter_place: "地点", filter_org: "机构", entities: "文中提到",
    removeFilter: (label) => `移除筛选：${label}`,
    quickDates: "时间", today: "今天", last7: "近7天", last30: "近30天", thisYear: "今年", onThisDay: "历史上的今天",
    filter_on: "日期", exportLink: "导出", exportTitle: "把这次搜索的全部结果导出为 CSV 文件（Excel 可直接打开）",
    didYouMean: "您要找的是：",
    synonymsOf: (w, alts) => `“${w}”同时搜索了：${alts}`, pinyinAs: (p, words) => `拼音“${p}”按“${words}”搜索`, listSep: "、", partSep: "；",
    prev: "上一页", next: "下一页", page: (n) => `第 ${n} 页`,
    paragraphN: (n) => `第 ${n} 段`, by: "记者", publishedAt: "发布",
    openArticle: "阅读全文", photoBy: "摄影",
    month: (y, m) => `${y}年${Number(m)}月`,
    date: (y, m, d, hm) => `${y}年${Number(m)}月${Number(d)}日${hm ? " " + hm : ""}`,
    suggestions: "搜索建议",
    duplicates: (n) => `另有 ${n} 篇相似报道`, storyToggle: "合并相似报道", storyTitle: "转载、改写标题或删节的同一篇稿件只显示一条",
  },
  en: {
    brand: "zhsearch news search", skip: "Skip to results", queryLabel: "Search the news",
    placeholder: "Search the news", placeholderExample: (q) => `Search the news, e.g. ${q}`, search: "Search", resultType: "Result type",
    typeArticle: "Articles", typeParagraph: "Paragraphs", sort: "Sort", sortRelevance: "Relevance",
    sortNewest: "Newest", since: "From", until: "To", datePlaceholder: "YYYY-MM-DD", dateHint: "Dates as 2024-03-01", badDate: (v) => `“${v}” is not a date: write it as 2024-03-01.`, refine: "Refine: section, author, month, people, places, organisations", back: "← Back to results",
    related: "Related stories", footer: "zhsearch · Chinese news full-text search", pagination: "Pages",
    lang: "中文", langCode: "zh-Hans",
    status: (n, ms) => `${n} result${n === 1 ? "" : "s"} in ${ms} ms`,
    statusPage: (p, pages) => `page ${p} of ${pages}`,
    loading: "Searching…", loadingArticle: "Loading the article…",
    emptyTitle: "Search the paper", emptyText: "Type words to search articles and paragraphs.", tryExamples: "Try words from recent stories:",
    noResults: (q) => `Nothing matches “${q}”.`,
    dropWord: "Try dropping a word:", clearFilters: "Clear all filters", shorter: "Try a shorter or more common word.",
    errorTitle: "The search failed", badQuery: "This search cannot be run", firstPage: "Back to the first page", retry: "Retry", articleError: "Could not load this article",
    facet_section: "Section", facet_author: "Author", facet_month: "Month",
    facet_person: "People", facet_place: "Places", facet_org: "Organisations",
    filter_section: "Section", filter_author: "Author", filter_since: "From", filter_until: "To",
    filter_person: "Person", filter_place: "Place", filter_org: "Organisation", entities: "Named in this article",
    quickDates: "When", today: "Today", last7: "Last 7 days", last30: "Last 30 days", thisYear: "This year", onThisDay: "On this day",
    filter_on: "Day", exportLink: "Export", exportTitle: "Download every hit of this search as a CSV file (opens in Excel)",
    didYouMean: "Did you mean: ",
    synonymsOf: (w, alts) => `“${w}” also searched: ${alts}`, pinyinAs: (p, words) => `pinyin “${p}” searched as ${words}`, listSep: ", ", partSep: "; ",
    removeFilter: (label) => `Remove filter: ${label}`,
    prev: "Previous", next: "Next", page: (n) => `Page ${n}`,
    paragraphN: (n) => `paragraph ${n}`, by: "By", publishedAt: "Published",
    openArticle: "Read the article", photoBy: "Photos",
    month: (y, m) => `${["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][Number(m) - 1]} ${y}`,
    date: (y, m, d, hm) => `${y}-${m}-${d}${hm ? " " + hm : ""}`,
    suggestions: "Suggestions",
    duplicates: (n) => `${n} similar ${n === 1 ? "story" : "stories"} (copies of this one)`, storyToggle: "Group copies", storyTitle: "Show a story republished with a new headline, a cut or a byline once",
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

let lang = "zh";
const t = (key, ...args) => {
  const v = I18N[lang][key] ?? I18N.zh[key] ?? key;
  return typeof v === "function" ? v(...args) : v;
};

// ---- State <-> URL -------------------------------------------------------

/** readState parses the current URL into the page's state. */
function readState() {
  const u = new URL(location.href);
  const p = u.searchParams;
  const m = u.pathname.match(/^\/articles\/([^/]+)$/);
  const page = Math.max(1, parseInt(p.get("page") || "1", 10) || 1);
  return {
    view: m ? "article" : "search",
    id: m ? decodeURIComponent(m[1]) : "",
    para: p.get("p") ?? "",
    q: (p.get("q") || "").trim(),
    type: p.get("type") === "paragraph" ? "paragraph" : "article",
    sort: p.get("sort") === "newest" ? "newest" : "relevance",
    story: p.get("story") === "1",
    since: p.get("since") || "",
    until: p.get("until") || "",
    on: p.get("on") || "",
    section: p.getAll("section"),
    author: p.getAll("author"),
    person: p.getAll("person"),
    place: p.getAll("place"),
    org: p.getAll("org"),
    page,
    lang: p.get("lang") === "en" ? "en" : "",
  };
}

/** searchParams encodes the search part of a state. */
function searchParams(s) {
  const p = new URLSearchParams();
  if (s.q) p.set("q", s.q);
  if (s.type !== "article") p.set("type", s.type);
  if (s.sort !== "relevance") p.set("sort", s.sort);
  if (s.story) p.set("story", "1");
  if (s.since) p.set("since", s.since);
  if (s.until) p.set("until", s.until);
  if (s.on) p.set("on", s.on);
  for (const v of s.section) p.append("section", v);
  for (const v of s.author) p.append("author", v);
  for (const k of NAMES) for (const v of s[k] || []) p.append(k, v);
  if (s.page > 1) p.set("page", String(s.page));
  if (s.lang) p.set("lang", s.lang);
  return p;
}

function searchURL(s) {
  const qs = searchParams(s).toString();
  return "/" + (qs ? "?" + qs : "");
}

function articleURL(s, id, para) {
  const p = searchParams({ ...s, page: 1 });
  for (const k of ["page", "sort", "type", "section", "author", "since", "until", "on", "story", ...NAMES]) p.delete(k);
  if (para !== undefined && para !== null) p.set("p", String(para));
  const qs = p.toString();
  return "/articles/" + encodeURIComponent(id) + (qs ? "?" + qs : "");
}

let state = readState();

// go shows a new URL: it remembers where the reader was on the page they
// leave (for the back button) and starts the new one at the top.
function go(url, extra = {}) {
  history.replaceState({ ...(history.state || {}), scrollY: window.scrollY }, "");
  history.pushState(extra, "", url);
  state = readState();
  render().then(() => {
    if (state.view === "search") window.scrollTo(0, 0);
  });
}

// ---- API -----------------------------------------------------------------

class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(path, signal) {
  let res;
  try {
    res = await fetch(path, { signal, headers: { Accept: "application/json" } });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new APIError(0, "network", lang === "en" ? "The server cannot be reached." : "无法连接服务器。");
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    // not JSON: handled below
  }
  if (!res.ok) {
    const e = body && body.error;
    throw new APIError(res.status, e?.code || "http_" + res.status, e?.message || `HTTP ${res.status}`);
  }
  if (body === null) throw new APIError(res.status, "bad_json", "bad answer from the server");
  return body;
}

// ---- Rendering -----------------------------------------------------------

function applyLang() {
  lang = state.lang === "en" ? "en" : "zh";
  document.documentElement.lang = lang === "en" ? "en" : "zh-Hans";
  for (const n of document.querySelectorAll("[data-i18n]")) n.textContent = t(n.dataset.i18n);
  for (const n of document.querySelectorAll("[data-i18n-placeholder]")) n.placeholder = t(n.dataset.i18nPlaceholder);
  for (const n of document.querySelectorAll("[data-i18n-title]")) n.title = t(n.dataset.i18nTitle);
  loadExamples().then((examples) => {
    if (examples.length > 0) $("q").placeholder = t("placeholderExample", examples[0]);
  });
  for (const n of document.querySelectorAll("[data-i18n-aria-label]")) n.setAttribute("aria-label", t(n.dataset.i18nAriaLabel));
  const b = $("lang");
  b.textContent = t("lang");
  b.lang = t("langCode");
  $("suggest").setAttribute("aria-label", t("suggestions"));
}

function syncForm() {
  const q = $("q");
  if (document.activeElement !== q || q.value.trim() !== state.q) q.value = state.q;
  $("type-" + state.type).checked = true;
  $("sort").value = state.sort;
  $("story").checked = state.story;
  for (const id of ["since", "until"]) {
    $(id).value = state[id];
    $(id).removeAttribute("aria-invalid");
  }
}

/** formatDate shows a published_at as written: its own offset, not the reader's zone. */
function formatDate(s) {
  const m = String(s || "").match(/^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/);
  if (!m) return s || "";
  return t("date", m[1], m[2], m[3], m[4] ? `${m[4]}:${m[5]}` : "");
}

function monthLabel(v) {
  const m = String(v).match(/^(\d{4})-(\d{2})$/);
  return m ? t("month", m[1], m[2]) : String(v);
}

function monthRange(v) {
  const m = String(v).match(/^(\d{4})-(\d{2})$/);
  if (!m) return null;
  const last = new Date(Date.UTC(Number(m[1]), Number(m[2]), 0)).getUTCDate();
  return { since: `${m[1]}-${m[2]}-01`, until: `${m[1]}-${m[2]}-${String(last).padStart(2, "0")}` };
}

function metaLine(h) {
  const parts = [];
  if (h.section) parts.push(el("span", { class: "sec", text: h.section }));
  if (h.authors && h.authors.length) parts.push(el("span", { class: "by", text: h.authors.join("、") }));
  if (h.published_at) parts.push(el("time", { datetime: h.published_at, text: formatDate(h.published_at) }));
  if (h.type === "paragraph" && Number.isInteger(h.paragraph)) {
    parts.push(el("span", { class: "pno", text: t("paragraphN", h.paragraph + 1) + (h.subhead ? " · " + h.subhead : "") }));
  }
  const div = el("div", { class: "meta" });
  parts.forEach((p, i) => {
    if (i) div.append(el("span", { class: "dot", "aria-hidden": "true", text: " · " }));
    div.append(p);
  });
  return div;
}

function hitItem(h) {
  const articleID = h.type === "paragraph" ? h.article_id : h.id;
  const para = h.type === "paragraph" ? h.paragraph : (h.paragraphs && h.paragraphs.length ? h.paragraphs[0] : null);
  const marks = [...markedTerms(h.title_html), ...(h.snippets || []).flatMap(markedTerms)];
  const a = el("a", { href: articleURL(state, articleID, para), "data-nav": true });
  a.dataset.marks = JSON.stringify([...new Set(marks)]);
  appendMarked(a, h.title_html || escapeText(h.title), true);
  const li = el("li", { class: "hit" }, el("h2", { class: "hit-title" }, a), metaLine(h));
  if (h.kicker && h.type !== "paragraph") li.insertBefore(el("p", { class: "kicker", text: h.kicker }), li.firstChild);
  for (const s of h.snippets || []) li.append(appendMarked(el("p", { class: "snippet" }), s));
  if (h.duplicates > 0) li.append(duplicatesBox(h));
  return li;
}

/**
 * duplicatesBox is "另有 n 篇相似报道" under a hit of a search collapsed by
 * story: opened, it lists the copies the search left out, with their
 * titles and dates from /v1/articles/{id}/duplicates.
 */
function duplicatesBox(h) {
  const ids = h.duplicate_ids || [];
  const list = el("ul", { class: "dup-list" });
  const box = el("details", { class: "dups" }, el("summary", { text: t("duplicates", h.duplicates) }), list);
  const item = (d) => {
    const a = el("a", { href: articleURL(state, d.id), "data-nav": true });
    appendRuns(a, [{ text: d.title || d.id, marked: false }], true);
    const li = el("li", {}, a);
    const meta = [d.source, formatDate(d.published_at)].filter(Boolean).join(" · ");
    if (meta) li.append(el("span", { class: "meta", text: " " + meta }));
    return li;
  };
  box.addEventListener("toggle", async () => {
    if (!box.open || box.dataset.loaded) return;
    box.dataset.loaded = "1";
    let byID = new Map();
    try {
      const res = await api("/v1/articles/" + encodeURIComponent(h.id) + "/duplicates?size=100");
      byID = new Map((res.duplicates || []).map((d) => [d.id, d]));
    } catch {
      // the ids alone still link to the copies
    }
    list.replaceChildren(...ids.map((id) => item(byID.get(id) || { id })));
  });
  return box;
}

function escapeText(s) {
  return String(s ?? "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function setMessage(...children) {
  const m = $("message");
  const kids = children.filter((c) => c !== null && c !== undefined);
  m.replaceChildren(...kids);
  m.hidden = kids.length === 0;
}

function show(view) {
  $("results-view").hidden = view !== "search";
  $("article-view").hidden = view !== "article";
  document.body.dataset.view = view;
  if (view === "article") {
    $("status").textContent = "";
    $("filters").hidden = true;
  }
}

function clearResults() {
  $("results").replaceChildren();
  $("pager").hidden = true;
  $("facets").hidden = true;
  $("filters").hidden = true;
  $("quick-dates").hidden = true;
  $("export").hidden = true;
  $("status").textContent = "";
  setMessage();
}

// examples are words of the newest headlines, from the API (GET
// /v1/examples): an empty index, or a server without the endpoint, has
// none and the page shows none. Fetched once per page load.
let examplesPromise = null;
function loadExamples() {
  if (!examplesPromise) {
    examplesPromise = api("/v1/examples?size=3")
      .then((res) => (Array.isArray(res.examples) ? res.examples.filter((q) => typeof q === "string" && q !== "") : []))
      .catch(() => []);
  }
  return examplesPromise;
}

function renderEmpty() {
  clearResults();
  setMessage(el("h2", { text: t("emptyTitle") }), el("p", { text: t("emptyText") }));
  $("message").className = "message empty";
  document.title = t("brand");
  loadExamples().then((examples) => {
    if (state.view !== "search" || state.q || examples.length === 0) return;
    const p = el("p", { class: "examples", text: t("tryExamples") + " " });
    examples.forEach((q, i) => {
      if (i) p.append("、");
      p.append(el("a", { href: searchURL({ ...state, q, page: 1 }), "data-nav": true, text: q }));
    });
    $("message").append(p);
  });
}

function hasFilters(s) {
  return s.section.length > 0 || s.author.length > 0 || s.since !== "" || s.until !== "" || s.on !== "" ||
    NAMES.some((k) => (s[k] || []).length > 0);
}

// dropCandidates lists the queries a reader might try instead, each with
// one word dropped: for a query with spaces, one part left out; for one run
// of text, one of the words the server's own segmenter finds in it left
// out (GET /v1/analyze, mode=query: 二七经开区火星 → 经开区火星, 二七火星,
// 二七经开区), so whole words go and never single characters. Stop words
// are not offered (a query does not require them); nor is anything for a
// query with operators, or when the server cannot analyze.
async function dropCandidates(q) {
  const parts = q.split(/\s+/).filter(Boolean);
  if (parts.length > 1) return parts.map((_, i) => parts.filter((_, j) => j !== i).join(" "));
  if (/^-|["():]/.test(q)) return [];
  let tokens;
  try {
    tokens = (await api("/v1/analyze?mode=query&text=" + encodeURIComponent(q))).tokens || [];
  } catch {
    return [];
  }
  const words = tokens.filter((w) => w.kind === "word" && !w.stop && Number.isInteger(w.start) && Number.isInteger(w.end));
  if (words.length < 2) return [];
  // start and end are byte offsets of the UTF-8 text.
  const bytes = new TextEncoder().encode(q);
  const dec = new TextDecoder();
  const out = words.map((w) => (dec.decode(bytes.slice(0, w.start)) + dec.decode(bytes.slice(w.end))).trim());
  return [...new Set(out.filter((x) => x !== ""))];
}

async function renderNoResults() {
  const q0 = state.q;
  const box = [el("h2", { text: t("noResults", state.q) })];
  const alternatives = await dropCandidates(state.q);
  if (state.q !== q0 || state.view !== "search") return; // the reader has moved on
  if (alternatives.length > 0) {
    const p = el("p", { text: t("dropWord") + " " });
    alternatives.forEach((q, i) => {
      if (i) p.append(" ");
      p.append(el("a", { class: "chip", href: searchURL({ ...state, q, page: 1 }), "data-nav": true, text: q }));
    });
    box.push(p);
  } else {
    box.push(el("p", { text: t("shorter") }));
  }
  if (hasFilters(state)) {
    box.push(el("p", {}, el("a", {
      href: searchURL({ ...state, section: [], author: [], person: [], place: [], org: [], since: "", until: "", on: "", page: 1 }), "data-nav": true, text: t("clearFilters"),
    })));
  }
  setMessage(...box);
  $("message").className = "message none";
}

// renderError says what went wrong: the API's message for a request it
// refused (400: the reader can change it), a retry button otherwise.
function renderError(err, retry) {
  const bad = err.status === 400;
  setMessage(
    el("h2", { text: bad ? t("badQuery") : t("errorTitle") }),
    el("p", { class: "detail", text: err.message }),
    bad && state.page > 1 ? el("p", {}, el("a", { href: searchURL({ ...state, page: 1 }), "data-nav": true, text: t("firstPage") })) : null,
    bad ? null : el("p", {}, el("button", { type: "button", class: "retry", onclick: retry, text: t("retry") })),
  );
  $("message").className = "message error";
}

function renderFilters() {
  const chips = [];
  const add = (label, next) => chips.push(el("a", {
    class: "chip active", href: searchURL({ ...next, page: 1 }), "data-nav": true, "aria-label": t("removeFilter", label),
  }, el("span", { text: label }), el("span", { class: "x", "aria-hidden": "true", text: "×" })));
  for (const v of state.section) add(`${t("filter_section")}: ${v}`, { ...state, section: state.section.filter((x) => x !== v) });
  for (const v of state.author) add(`${t("filter_author")}: ${v}`, { ...state, author: state.author.filter((x) => x !== v) });
  for (const k of NAMES) for (const v of state[k]) add(`${t("filter_" + k)}: ${v}`, { ...state, [k]: state[k].filter((x) => x !== v) });
  if (state.since) add(`${t("filter_since")}: ${state.since}`, { ...state, since: "" });
  if (state.until) add(`${t("filter_until")}: ${state.until}`, { ...state, until: "" });
  if (state.on) add(`${t("filter_on")}: ${state.on}`, { ...state, on: "" });
  $("filters").replaceChildren(...chips);
  $("filters").hidden = chips.length === 0;
}

/** isRelative: a relative date the server resolves (today, -6d, thisyear…). */
function isRelative(v) {
  return /^(today|yesterday|thismonth|thisyear|-\d+[dwmy])$/.test(String(v || ""));
}

/** quickDates: the dates editors use, as links (今天 / 近7天 / 近30天 / 今年 /
 * 历史上的今天); the server resolves them in the newsroom's zone. */
function renderQuickDates() {
  const now = new Date();
  const md = `${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
  const links = [
    ["today", { since: "today", until: "", on: "" }],
    ["last7", { since: "-6d", until: "", on: "" }],
    ["last30", { since: "-29d", until: "", on: "" }],
    ["thisYear", { since: "thisyear", until: "", on: "" }],
    ["onThisDay", { since: "", until: "", on: md }],
  ];
  const box = $("quick-dates");
  box.replaceChildren(el("span", { class: "label", text: t("quickDates") }), ...links.map(([key, r]) => {
    const active = state.since === r.since && state.until === r.until && state.on === r.on;
    const next = active ? { ...state, since: "", until: "", on: "" } : { ...state, ...r };
    return el("a", { class: active ? "chip active" : "chip", href: searchURL({ ...next, page: 1 }), "data-nav": true,
      ...(active ? { "aria-current": "true" } : {}), "data-quick": key, text: t(key) });
  }));
  box.hidden = !state.q;
}

/** renderExport points the 导出 link at /v1/export with the current search. */
function renderExport(total) {
  const a = $("export");
  const p = searchParams({ ...state, lang: "", page: 1 });
  a.href = "/v1/export?" + p.toString();
  a.textContent = t("exportLink");
  a.title = t("exportTitle");
  a.hidden = !(total > 0);
}

/** renderExpansion says what a search looked for besides the words typed:
 * the newsroom's synonyms (世卫组织 → 世界卫生组织、WHO) and the words a
 * pinyin: text spells. Text only: the words come from the server's lists. */
function renderExpansion(res) {
  const parts = [];
  const add = (map, key) => {
    for (const [from, to] of Object.entries(map && typeof map === "object" ? map : {})) {
      if (Array.isArray(to) && to.length > 0) parts.push(t(key, from, to.map(String).join(t("listSep"))));
    }
  };
  add(res.pinyin, "pinyinAs");
  add(res.synonyms, "synonymsOf");
  if (parts.length === 0) return;
  $("message").prepend(el("p", { class: "expansion", text: parts.join(t("partSep")) }));
  $("message").hidden = false;
}

/** renderDidYouMean offers the word a pinyin query spells (您要找的是：钟南山？). */
function renderDidYouMean(d) {
  if (!d || !d.query) return;
  const p = el("p", { class: "did-you-mean", text: t("didYouMean") },
    el("a", { href: searchURL({ ...state, q: d.query, page: 1 }), "data-nav": true, text: d.query }));
  p.append(lang === "en" ? "?" : "？");
  $("message").prepend(p);
  $("message").hidden = false;
}

function renderFacets(facets) {
  const aside = $("facets");
  aside.replaceChildren($("facets-title"), $("facets-toggle"));
  aside.classList.toggle("open", $("facets-toggle").getAttribute("aria-expanded") === "true");
  let any = false;
  for (const name of FACETS) {
    const values = facets && Array.isArray(facets[name]) ? facets[name] : [];
    if (values.length === 0) continue;
    any = true;
    const ul = el("ul");
    for (const f of values) {
      let active, next, label;
      if (name === "month") {
        const r = monthRange(f.value);
        if (!r) continue;
        active = state.since === r.since && state.until === r.until;
        next = active ? { ...state, since: "", until: "" } : { ...state, ...r };
        label = monthLabel(f.value);
      } else {
        active = state[name].includes(f.value);
        next = { ...state, [name]: active ? state[name].filter((x) => x !== f.value) : [...state[name], f.value] };
        label = f.value;
      }
      ul.append(el("li", {}, el("a", {
        class: "facet" + (active ? " active" : ""), href: searchURL({ ...next, page: 1 }), "data-nav": true,
        "aria-current": active ? "true" : null, "data-facet": name, "data-value": f.value,
      }, el("span", { class: "v", text: label }), el("span", { class: "n", text: String(f.count) }))));
    }
    aside.append(el("section", { class: "facet-group" }, el("h3", { text: t("facet_" + name) }), ul));
  }
  aside.hidden = !any;
}

function renderPager(total) {
  const nav = $("pager");
  const pages = Math.max(1, Math.ceil(Math.min(total, MAX_HITS) / PAGE_SIZE));
  if (pages <= 1) {
    nav.hidden = true;
    return;
  }
  const link = (n, text, cls, rel) => el("a", {
    class: cls, href: searchURL({ ...state, page: n }), "data-nav": true, rel,
    "aria-label": cls === "num" ? t("page", n) : null, "aria-current": n === state.page && cls === "num" ? "page" : null,
    text,
  });
  const items = [];
  items.push(state.page > 1 ? link(state.page - 1, t("prev"), "prev", "prev") : el("span", { class: "prev disabled", "aria-disabled": "true", text: t("prev") }));
  const nums = new Set([1, pages]);
  for (let n = state.page - 2; n <= state.page + 2; n++) if (n >= 1 && n <= pages) nums.add(n);
  let prevN = 0;
  for (const n of [...nums].sort((a, b) => a - b)) {
    if (n - prevN > 1) items.push(el("span", { class: "gap", "aria-hidden": "true", text: "…" }));
    items.push(link(n, String(n), "num"));
    prevN = n;
  }
  items.push(state.page < pages ? link(state.page + 1, t("next"), "next", "next") : el("span", { class: "next disabled", "aria-disabled": "true", text: t("next") }));
  nav.replaceChildren(...items);
  nav.hidden = false;
}

let inflight = null;

async function runSearch() {
  show("search");
  if (!state.q) {
    renderEmpty();
    return;
  }
  document.title = `${state.q} - ${t("brand")}`;
  if (inflight) inflight.abort();
  const ctl = new AbortController();
  inflight = ctl;
  renderFilters();
  setMessage();
  $("status").textContent = t("loading");
  document.body.setAttribute("aria-busy", "true");
  const p = searchParams({ ...state, lang: "" });
  p.set("size", String(PAGE_SIZE));
  p.set("facets", FACETS.join(","));
  if (state.story && state.type === "article") p.set("collapse", "story"); // one hit per story: wire copies under it
  try {
    const res = await api("/v1/search?" + p.toString(), ctl.signal);
    if (ctl !== inflight) return;
    const total = Number(res.total) || 0;
    $("status").textContent = t("status", total, formatMS(res.took_ms)) + (total > PAGE_SIZE ? " · " + t("statusPage", state.page, Math.ceil(Math.min(total, MAX_HITS) / PAGE_SIZE)) : "");
    $("results").replaceChildren(...(res.hits || []).map(hitItem));
    $("results").start = (state.page - 1) * PAGE_SIZE + 1;
    renderFacets(res.facets);
    renderPager(total);
    renderQuickDates();
    renderExport(total);
    if (!res.hits || res.hits.length === 0) renderNoResults();
    renderDidYouMean(res.did_you_mean);
    renderExpansion(res);
  } catch (err) {
    if (err.name === "AbortError") return;
    clearResults();
    renderFilters();
    renderError(err, () => runSearch());
  } finally {
    if (ctl === inflight) {
      document.body.removeAttribute("aria-busy");
      inflight = null;
    }
  }
}

function formatMS(ms) {
  const n = Number(ms);
  if (!Number.isFinite(n)) return "?";
  return n < 10 ? n.toFixed(1) : String(Math.round(n));
}

async function showArticle() {
  show("article");
  const box = $("article");
  const back = $("back");
  back.href = searchURL({ ...readState(), page: 1 });
  box.replaceChildren(el("p", { class: "status", text: t("loadingArticle") }));
  $("related").hidden = true;
  $("entities").hidden = true;
  if (inflight) inflight.abort();
  const ctl = new AbortController();
  inflight = ctl;
  // What the search engine matched in this article (segmented words,
  // traditional/simplified variants), so a shared link highlights the same
  // words as the result page did; optional: plain query words otherwise.
  const matched = state.q ? matchedTerms(state.q, state.id, ctl.signal) : Promise.resolve([]);
  let a;
  try {
    a = await api("/v1/articles/" + encodeURIComponent(state.id), ctl.signal);
  } catch (err) {
    if (err.name === "AbortError") return;
    box.replaceChildren(el("div", { class: "message error" },
      el("h1", { text: t("articleError") }), el("p", { class: "detail", text: err.message })));
    document.title = t("articleError");
    return;
  }
  const terms = [...queryTerms(state.q), ...((history.state && history.state.marks) || []), ...(await matched)];
  if (ctl !== inflight) return; // the reader has moved on
  inflight = null;
  document.title = `${a.title} - ${t("brand")}`;
  const parts = [];
  if (a.kicker) parts.push(el("p", { class: "kicker", text: a.kicker }));
  parts.push(appendRuns(el("h1", { class: "article-title" }), highlightRuns(a.title || "", terms), true));
  const meta = [];
  if (a.section) meta.push(el("span", { class: "sec", text: a.section }));
  if (a.byline) meta.push(el("span", { class: "by", text: a.byline }));
  else if (a.authors && a.authors.length) meta.push(el("span", { class: "by", text: a.authors.join("、") }));
  if (a.published_at) meta.push(el("time", { datetime: a.published_at, text: formatDate(a.published_at) }));
  if (a.source) meta.push(el("span", { class: "src", text: a.source + (a.page ? " " + a.page : "") }));
  const metaDiv = el("div", { class: "meta" });
  meta.forEach((m, i) => {
    if (i) metaDiv.append(el("span", { class: "dot", "aria-hidden": "true", text: " · " }));
    metaDiv.append(m);
  });
  parts.push(metaDiv);
  if (a.url && /^https?:\/\//i.test(a.url)) {
    parts.push(el("p", { class: "orig" }, el("a", { href: a.url, rel: "noopener noreferrer", text: a.url })));
  }
  let subhead = "";
  for (const p of a.paragraphs || []) {
    if (p.subhead && p.subhead !== subhead) {
      subhead = p.subhead;
      parts.push(appendRuns(el("h2", { class: "subhead" }), highlightRuns(subhead, terms), true));
    }
    parts.push(appendRuns(el("p", { id: "p" + p.index, class: "para" }), highlightRuns(p.text || "", terms)));
  }
  box.replaceChildren(...parts);
  const target = state.para !== "" ? document.getElementById("p" + state.para) : null;
  if (target && history.state && history.state.marks) {
    target.classList.add("focus");
    target.scrollIntoView({ block: "center" });
  } else {
    window.scrollTo(0, 0);
  }
  loadRelated(a.id || state.id);
  loadEntities(a.id || state.id);
}

// loadEntities lists the people, places and organisations the article
// names, each a link to the articles naming it (q=name&person=name: a
// search needs a query, and the filter keeps only the articles where the
// name was recognised as one).
async function loadEntities(id) {
  const sec = $("entities");
  try {
    const res = await api("/v1/articles/" + encodeURIComponent(id) + "/entities");
    if (state.view !== "article" || state.id !== id) return;
    const groups = [];
    for (const k of NAMES) {
      const names = Array.isArray(res[k]) ? res[k] : [];
      if (names.length === 0) continue;
      const dd = el("dd");
      names.forEach((name, i) => {
        if (i) dd.append(" ");
        dd.append(el("a", {
          class: "chip entity", href: searchURL({ q: name, type: "article", sort: "relevance", since: "", until: "", on: "",
            section: [], author: [], person: [], place: [], org: [], [k]: [name], page: 1, lang: state.lang }),
          "data-nav": true, "data-kind": k, text: name,
        }));
      });
      groups.push(el("dt", { text: t("facet_" + k) }), dd);
    }
    $("entities-list").replaceChildren(...groups);
    sec.hidden = groups.length === 0;
  } catch {
    sec.hidden = true; // the names are optional: no box when the API has none
  }
}

async function matchedTerms(q, id, signal) {
  const p = new URLSearchParams({ q, id, type: "paragraph", size: "100", snippets: "1", snippet_len: "1000" });
  try {
    const res = await api("/v1/search?" + p.toString(), signal);
    return (res.hits || []).flatMap((h) => [...markedTerms(h.title_html), ...(h.snippets || []).flatMap(markedTerms)]);
  } catch {
    return [];
  }
}

async function loadRelated(id) {
  const sec = $("related");
  try {
    const res = await api("/v1/articles/" + encodeURIComponent(id) + "/related");
    if (state.view !== "article" || state.id !== id) return;
    const list = Array.isArray(res) ? res : res.hits || res.articles || res.related || [];
    const items = list.filter((r) => r && r.id && r.id !== id).slice(0, 8).map((r) => {
      const a = el("a", { href: articleURL(state, r.article_id || r.id), "data-nav": true });
      // Plain titles: the box lists stories, it does not explain matches.
      if (r.title) appendRuns(a, [{ text: r.title, marked: false }], true);
      else if (r.title_html) appendRuns(a, splitMarked(r.title_html).map((x) => ({ text: x.text, marked: false })), true);
      else a.textContent = r.id;
      const li = el("li", {}, a);
      if (r.published_at || r.section) {
        li.append(el("span", { class: "meta", text: [r.section, formatDate(r.published_at)].filter(Boolean).join(" · ") }));
      }
      return li;
    });
    $("related-list").replaceChildren(...items);
    sec.hidden = items.length === 0;
  } catch {
    sec.hidden = true; // related stories are optional: no box when the API has none
  }
}

function render() {
  applyLang();
  syncForm();
  closeSuggest();
  renderAlerts();
  return state.view === "article" ? showArticle() : runSearch();
}

// ---- Suggestions ---------------------------------------------------------

let suggestTimer = 0;
let suggestCtl = null;
let suggestOff = false;
let suggestActive = -1;

function closeSuggest() {
  const ul = $("suggest");
  ul.hidden = true;
  ul.replaceChildren();
  suggestActive = -1;
  $("q").setAttribute("aria-expanded", "false");
  $("q").removeAttribute("aria-activedescendant");
}

function setActive(i) {
  const items = [...$("suggest").children];
  if (items.length === 0) return;
  suggestActive = (i + items.length) % items.length;
  items.forEach((li, j) => li.setAttribute("aria-selected", j === suggestActive ? "true" : "false"));
  $("q").setAttribute("aria-activedescendant", items[suggestActive].id);
}

async function suggest(prefix) {
  if (suggestCtl) suggestCtl.abort();
  if (suggestOff || !prefix) {
    closeSuggest();
    return;
  }
  const ctl = new AbortController();
  suggestCtl = ctl;
  try {
    const res = await api("/v1/suggest?q=" + encodeURIComponent(prefix), ctl.signal);
    if ($("q").value.trim() !== prefix) return;
    const list = (res.suggestions || []).filter((s) => typeof s === "string" && s !== "").slice(0, 10);
    const ul = $("suggest");
    ul.replaceChildren(...list.map((s, i) => el("li", {
      id: "sg" + i, role: "option", "aria-selected": "false", "data-value": s,
      onmousedown: (e) => { e.preventDefault(); pick(s); },
    }, ...appendRuns(document.createDocumentFragment(), s.startsWith(prefix)
      ? [{ text: prefix, marked: false }, { text: s.slice(prefix.length), marked: true }]
      : [{ text: s, marked: false }]).childNodes)));
    ul.hidden = list.length === 0;
    suggestActive = -1;
    $("q").setAttribute("aria-expanded", String(list.length > 0));
  } catch (err) {
    if (err.name === "AbortError") return;
    if (err.status === 404 || err.status === 405) suggestOff = true; // the API has no suggestions
    closeSuggest();
  }
}

function pick(s) {
  $("q").value = s;
  closeSuggest();
  submit();
}

// ---- Events --------------------------------------------------------------

/**
 * parseDate reads a date as a Chinese reader writes it: 2024-03-01,
 * 2024/3/1, 2024.3.1 or 2024年3月1日 (full-width digits too). It answers
 * the ISO form the API takes, "" for an empty box, or null when the text
 * is not a date of the calendar.
 */
function parseDate(v) {
  const s = String(v || "").trim().replace(/[\uff10-\uff19]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
  if (s === "") return "";
  const m = s.match(/^(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?$/);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dt = new Date(Date.UTC(y, mo - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) return null;
  return `${m[1]}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

/** checkDates marks a date box the reader filled wrongly; true when both are fine. */
function checkDates() {
  let ok = true;
  for (const id of ["since", "until"]) {
    const box = $(id);
    const bad = parseDate(box.value) === null;
    box.setAttribute("aria-invalid", String(bad));
    if (bad && ok) {
      ok = false;
      setMessage(el("p", { text: t("badDate", box.value.trim()) }));
      $("message").className = "message error";
      box.focus();
    }
  }
  return ok;
}

function formState() {
  const q = $("q").value.trim();
  const cur = readState();
  const sameQuery = q === cur.q;
  return {
    ...cur, view: "search", id: "", q,
    type: document.querySelector("input[name=type]:checked")?.value === "paragraph" ? "paragraph" : "article",
    sort: $("sort").value === "newest" ? "newest" : "relevance",
    story: $("story").checked,
    // a relative date (since=-6d from a quick link) stays until the
    // reader picks a date: a date box cannot show it
    since: parseDate($("since").value) || (isRelative(cur.since) ? cur.since : ""),
    until: parseDate($("until").value) || (isRelative(cur.until) ? cur.until : ""),
    on: cur.on || "",
    // a new query keeps the filters but starts at page 1
    page: 1,
    section: cur.view === "search" || sameQuery ? cur.section : [],
    author: cur.view === "search" || sameQuery ? cur.author : [],
    person: cur.view === "search" || sameQuery ? cur.person : [],
    place: cur.view === "search" || sameQuery ? cur.place : [],
    org: cur.view === "search" || sameQuery ? cur.org : [],
  };
}

function submit() {
  if (!checkDates()) return;
  const s = formState();
  closeSuggest();
  go(searchURL(s));
  if (s.q) $("main").focus({ preventScroll: true });
}

function init() {
  const form = $("search");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit();
  });
  for (const id of ["type-article", "type-paragraph", "sort", "story", "since", "until"]) {
    $(id).addEventListener("change", () => {
      if ($("q").value.trim()) submit();
    });
  }
  const q = $("q");
  q.addEventListener("input", () => {
    clearTimeout(suggestTimer);
    const v = q.value.trim();
    suggestTimer = setTimeout(() => suggest(v), 120);
  });
  q.addEventListener("keydown", (e) => {
    const open = !$("suggest").hidden;
    if (e.key === "ArrowDown" && open) {
      e.preventDefault();
      setActive(suggestActive + 1);
    } else if (e.key === "ArrowUp" && open) {
      e.preventDefault();
      setActive(suggestActive - 1);
    } else if (e.key === "Enter" && open && suggestActive >= 0) {
      e.preventDefault();
      pick($("suggest").children[suggestActive].dataset.value);
    } else if (e.key === "Escape" && open) {
      e.preventDefault();
      closeSuggest();
    }
  });
  q.addEventListener("blur", () => setTimeout(closeSuggest, 100));
  // On a phone the facets fold under one button; on a desktop they are a column.
  $("facets-toggle").addEventListener("click", (e) => {
    const open = e.currentTarget.getAttribute("aria-expanded") !== "true";
    e.currentTarget.setAttribute("aria-expanded", String(open));
    $("facets").classList.toggle("open", open);
  });
  $("lang").addEventListener("click", () => {
    const u = new URL(location.href);
    if (lang === "en") u.searchParams.delete("lang");
    else u.searchParams.set("lang", "en");
    try {
      localStorage.setItem("zhsearch.lang", lang === "en" ? "zh" : "en");
    } catch {
      // storage may be off; the URL still carries the choice
    }
    history.replaceState(history.state, "", u.pathname + u.search + u.hash);
    state = readState();
    render();
  });
  // In-page navigation for our own links: keeps the page, pushes history.
  document.addEventListener("click", (e) => {
    const a = e.target.closest && e.target.closest("a[data-nav]");
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin) return;
    e.preventDefault();
    const marks = a.dataset.marks ? JSON.parse(a.dataset.marks) : null;
    go(url.pathname + url.search, marks ? { marks } : {});
  });
  history.scrollRestoration = "manual"; // the content comes later than the browser would restore
  window.addEventListener("popstate", () => {
    state = readState();
    const y = history.state && history.state.scrollY;
    render().then(() => {
      if (typeof y === "number") window.scrollTo(0, y);
    });
  });
  // "/" jumps to the search box, as on many sites.
  document.addEventListener("keydown", (e) => {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    const tag = document.activeElement && document.activeElement.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
    e.preventDefault();
    $("q").focus();
    $("q").select();
  });
  // Remember an explicit language choice for visits without ?lang.
  if (!new URL(location.href).searchParams.has("lang")) {
    let saved = null;
    try {
      saved = localStorage.getItem("zhsearch.lang");
    } catch {
      // ignore
    }
    if (saved === "en") {
      const u = new URL(location.href);
      u.searchParams.set("lang", "en");
      history.replaceState(history.state, "", u.pathname + u.search + u.hash);
      state = readState();
    }
  }
  initAlerts();
  render();
  document.documentElement.dataset.ready = "1";
}

init();
