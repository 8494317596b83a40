/*
 * zhsearch widget: a search box and results for any web page.
 *
 *   <div id="search"></div>
 *   <script src="https://search.example/widget.js" data-target="#search" defer></script>
 *
 * or mount it yourself:  zhsearch.mount(element, {type, size, link, lang, api, placeholder, q})
 *
 * It calls the API of the origin it was loaded from (the script's own src),
 * so that server must allow the embedding site in its CORS origins. Its
 * markup and styles live in a shadow root: nothing leaks into the page, and
 * the page's styles do not leak in. Document text is only inserted as text
 * nodes; the API's snippets are parsed by splitting on the exact <mark> tags.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var scriptOrigin = script && script.src ? new URL(script.src, location.href).origin : location.origin;

  var I18N = {
    zh: {
      placeholder: "搜索新闻", search: "搜索", label: "搜索新闻",
      status: function (n, ms) { return "共 " + n + " 条结果，用时 " + ms + " 毫秒"; },
      none: function (q) { return "没有找到与“" + q + "”相关的结果。试试去掉一个词。"; },
      error: "搜索出错了：", network: "无法连接搜索服务（网络故障，或本站不在它的 CORS 允许列表中）。", loading: "正在搜索…", prev: "上一页", next: "下一页",
      page: function (p, n) { return "第 " + p + " / " + n + " 页"; },
      paragraph: function (n) { return "第 " + n + " 段"; },
      date: function (y, m, d) { return y + "年" + Number(m) + "月" + Number(d) + "日"; },
    },
    en: {
      placeholder: "Search the news", search: "Search", label: "Search the news",
      status: function (n, ms) { return n + " result" + (n === 1 ? "" : "s") + " in " + ms + " ms"; },
      none: function (q) { return "Nothing matches “" + q + "”. Try dropping a word."; },
      error: "The search failed: ", network: "The search service cannot be reached (a network problem, or this site is not among its CORS origins).", loading: "Searching…", prev: "Previous", next: "Next",
      page: function (p, n) { return "page " + p + " of " + n; },
      paragraph: function (n) { return "paragraph " + n; },
      date: function (y, m, d) { return y + "-" + m + "-" + d; },
    },
  };

  // --- safe rendering (same rules as the page's marks.js) ---
  var NAMED = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };
  function decodeEntities(s) {
    return s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,6});/g, function (m, e) {
      if (e[0] === "#") {
        var n = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return n > 0 && n <= 0x10ffff && !(n >= 0xd800 && n <= 0xdfff) ? String.fromCodePoint(n) : m;
      }
      return Object.prototype.hasOwnProperty.call(NAMED, e) ? NAMED[e] : m;
    });
  }
  function appendMarked(parent, html) {
    var marked = false;
    String(html == null ? "" : html).split(/(<mark>|<\/mark>)/).forEach(function (part) {
      if (part === "<mark>") marked = true;
      else if (part === "</mark>") marked = false;
      else if (part !== "") {
        var text = document.createTextNode(decodeEntities(part));
        if (marked) parent.appendChild(document.createElement("mark")).appendChild(text);
        else parent.appendChild(text);
      }
    });
    return parent;
  }
  function escapeText(s) {
    return String(s == null ? "" : s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function h(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function safeHref(u) {
    try {
      var url = new URL(u, location.href);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  /** linkFor builds a hit's link from the template: {id} {article_id} {paragraph} {url} {q}. */
  function linkFor(hit, opts, q) {
    var articleID = hit.type === "paragraph" ? hit.article_id : hit.id;
    var para = hit.type === "paragraph" ? hit.paragraph : (hit.paragraphs && hit.paragraphs.length ? hit.paragraphs[0] : "");
    if (opts.link) {
      var vals = { id: articleID, article_id: articleID, paragraph: para == null ? "" : String(para), q: q, url: hit.url || "" };
      return safeHref(opts.link.replace(/\{(id|article_id|paragraph|q|url)\}/g, function (_, k) {
        return k === "url" ? vals.url : encodeURIComponent(vals[k]);
      }));
    }
    if (hit.url && safeHref(hit.url)) return safeHref(hit.url);
    return opts.api + "/articles/" + encodeURIComponent(articleID) + "?q=" + encodeURIComponent(q) +
      (para !== "" && para != null ? "&p=" + para : "");
  }

  function formatDate(s, t) {
    var m = String(s || "").match(/^(\d{4})-(\d{2})-(\d{2})/);
    return m ? t.date(m[1], m[2], m[3]) : "";
  }

  function optionsFrom(el, given) {
    var d = el.dataset || {};
    var o = {};
    given = given || {};
    o.type = (given.type || d.type) === "paragraph" ? "paragraph" : "article";
    var size = parseInt(given.size || d.size || "5", 10);
    o.size = size >= 1 && size <= 100 ? size : 5;
    o.link = given.link || d.link || "";
    o.lang = (given.lang || d.lang) === "en" ? "en" : "zh";
    o.api = String(given.api || d.api || scriptOrigin).replace(/\/+$/, "");
    o.placeholder = given.placeholder || d.placeholder || "";
    o.q = given.q || d.q || "";
    o.target = given.target || "";
    return o;
  }

  var count = 0;

  /**
   * mount renders the widget into element (an Element or a CSS selector)
   * and returns a handle {search(q), destroy()}.
   */
  function mount(element, options) {
    var host = typeof element === "string" ? document.querySelector(element) : element;
    if (!host || !host.nodeType) throw new Error("zhsearch.mount: no element " + element);
    if (host.__zhsearch) host.__zhsearch.destroy();
    var opts = optionsFrom(host, options);
    var t = I18N[opts.lang];
    var n = ++count;
    var root = host.shadowRoot || host.attachShadow({ mode: "open" });
    root.replaceChildren();

    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = opts.api + "/widget.css";
    var wrap = h("div", "zs");
    wrap.setAttribute("lang", opts.lang === "en" ? "en" : "zh-Hans");
    wrap.setAttribute("part", "root");
    var form = h("form", "zs-form");
    form.setAttribute("role", "search");
    var label = h("label", "zs-sr", t.label);
    label.htmlFor = "zs-q-" + n;
    var input = h("input", "zs-q");
    input.type = "search";
    input.id = "zs-q-" + n;
    input.maxLength = 256;
    input.placeholder = opts.placeholder || t.placeholder;
    input.autocomplete = "off";
    input.value = opts.q;
    var btn = h("button", "zs-go", t.search);
    btn.type = "submit";
    form.append(label, input, btn);
    var status = h("p", "zs-status");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    var list = h("ol", "zs-hits");
    var pager = h("div", "zs-pager");
    pager.hidden = true;
    wrap.append(form, status, list, pager);
    root.append(css, wrap);

    var page = 1;
    var current = "";
    var ctl = null;

    function run(q, p) {
      current = q;
      page = p || 1;
      list.replaceChildren();
      pager.hidden = true;
      if (!q) {
        status.textContent = "";
        return;
      }
      if (ctl) ctl.abort();
      var mine = (ctl = new AbortController());
      status.textContent = t.loading;
      var url = opts.api + "/v1/search?q=" + encodeURIComponent(q) + "&type=" + opts.type + "&size=" + opts.size + "&page=" + page;
      fetch(url, { signal: mine.signal, headers: { Accept: "application/json" }, credentials: "omit" })
        .then(function (res) {
          return res.json().catch(function () { return null; }).then(function (body) {
            if (!res.ok || !body) {
              throw new Error((body && body.error && body.error.message) || "HTTP " + res.status);
            }
            return body;
          });
        })
        .then(function (res) {
          if (mine !== ctl) return;
          var total = Number(res.total) || 0;
          var hits = res.hits || [];
          var pages = Math.max(1, Math.ceil(Math.min(total, 10000) / opts.size));
          status.textContent = hits.length === 0 ? t.none(q) :
            t.status(total, Number(res.took_ms) < 10 ? Number(res.took_ms).toFixed(1) : Math.round(res.took_ms)) +
            (pages > 1 ? " · " + t.page(page, pages) : "");
          hits.forEach(function (hit) { list.appendChild(item(hit, q)); });
          renderPager(pages);
        })
        .catch(function (err) {
          if (err.name === "AbortError") return;
          // fetch rejects with a TypeError, and no detail, on network and CORS failures.
          status.textContent = err instanceof TypeError ? t.network : t.error + err.message;
          status.className = "zs-status zs-error";
        });
      status.className = "zs-status";
    }

    function item(hit, q) {
      var li = h("li", "zs-hit");
      var title = h("a", "zs-title");
      var href = linkFor(hit, opts, q);
      if (href) title.href = href;
      if (opts.target) title.target = opts.target;
      appendMarked(title, hit.title_html || escapeText(hit.title));
      li.appendChild(title);
      var meta = [hit.section, (hit.authors || []).join("、"), formatDate(hit.published_at, t)];
      if (hit.type === "paragraph" && hit.paragraph != null) meta.push(t.paragraph(hit.paragraph + 1));
      var m = meta.filter(Boolean).join(" · ");
      if (m) li.appendChild(h("div", "zs-meta", m));
      (hit.snippets || []).slice(0, 2).forEach(function (s) { li.appendChild(appendMarked(h("p", "zs-snippet"), s)); });
      return li;
    }

    function renderPager(pages) {
      pager.replaceChildren();
      if (pages <= 1) return;
      var prev = h("button", "zs-prev", t.prev);
      prev.type = "button";
      prev.disabled = page <= 1;
      prev.addEventListener("click", function () { run(current, page - 1); });
      var next = h("button", "zs-next", t.next);
      next.type = "button";
      next.disabled = page >= pages;
      next.addEventListener("click", function () { run(current, page + 1); });
      pager.append(prev, next);
      pager.hidden = false;
    }

    function onSubmit(e) {
      e.preventDefault();
      run(input.value.trim(), 1);
    }
    form.addEventListener("submit", onSubmit);
    if (opts.q) run(opts.q, 1);

    var handle = {
      search: function (q) { input.value = q; run(String(q || "").trim(), 1); },
      destroy: function () {
        if (ctl) ctl.abort();
        form.removeEventListener("submit", onSubmit);
        root.replaceChildren();
        delete host.__zhsearch;
      },
      options: opts,
    };
    host.__zhsearch = handle;
    return handle;
  }

  var api = window.zhsearch || {};
  api.mount = mount;
  api.version = "1";
  window.zhsearch = api;

  // Auto-mount: <script src=".../widget.js" data-target="#search">
  if (script && script.dataset && script.dataset.target) {
    var target = script.dataset.target;
    var opts = {
      type: script.dataset.type, size: script.dataset.size, link: script.dataset.link,
      lang: script.dataset.lang, api: script.dataset.api, placeholder: script.dataset.placeholder, q: script.dataset.q,
    };
    var go = function () {
      var el = document.querySelector(target);
      if (el) mount(el, opts);
      else if (window.console) console.warn("zhsearch widget: no element matches data-target " + target);
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", go);
    else go();
  }
})();
