// Safe rendering of document text. Nothing here ever assigns innerHTML:
// the API's snippets and title_html are HTML-escaped text whose only markup
// is <mark>…</mark>; we split them on those exact tags, decode the escaped
// text ourselves and append text nodes. Anything else that looks like a tag
// (it cannot, the API escapes it, but a buggy or hostile server might send
// one) stays literal text. widget.js carries a copy of splitMarked and
// decodeEntities, since it must load as one classic script.

const NAMED = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

/** decodeEntities turns &lt; &#34; &#x27; … back into characters. */
export function decodeEntities(s) {
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,6});/g, (m, e) => {
    if (e[0] === "#") {
      const n = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return n > 0 && n <= 0x10ffff && !(n >= 0xd800 && n <= 0xdfff) ? String.fromCodePoint(n) : m;
    }
    return Object.prototype.hasOwnProperty.call(NAMED, e) ? NAMED[e] : m;
  });
}

/**
 * splitMarked parses the API's marked HTML into [{text, marked}] runs of
 * plain text. Only the exact strings "<mark>" and "</mark>" are markup.
 */
export function splitMarked(html) {
  const runs = [];
  let marked = false;
  for (const part of String(html ?? "").split(/(<mark>|<\/mark>)/)) {
    if (part === "<mark>") marked = true;
    else if (part === "</mark>") marked = false;
    else if (part !== "") runs.push({ text: decodeEntities(part), marked });
  }
  return runs;
}

/** markedTerms lists the distinct strings the API marked. */
export function markedTerms(html) {
  return splitMarked(html).filter((r) => r.marked).map((r) => r.text);
}

const segmenter = typeof Intl !== "undefined" && Intl.Segmenter
  ? new Intl.Segmenter("zh-Hans", { granularity: "word" }) : null;

/**
 * appendRuns appends runs to parent as text nodes and <mark> elements. With
 * wordBreaks, a <wbr> goes between the words Intl.Segmenter finds, so a
 * title styled with word-break: keep-all wraps between words and never in
 * the middle of one.
 */
export function appendRuns(parent, runs, wordBreaks = false) {
  const doc = parent.ownerDocument;
  let cuts = null;
  if (wordBreaks && segmenter) {
    const text = runs.map((r) => r.text).join("");
    cuts = new Set();
    for (const s of segmenter.segment(text)) if (s.index > 0) cuts.add(s.index);
  }
  let offset = 0;
  for (const run of runs) {
    const target = run.marked ? parent.appendChild(doc.createElement("mark")) : parent;
    let from = 0;
    if (cuts) {
      for (let i = 1; i < run.text.length; i++) {
        if (cuts.has(offset + i) && isCJK(run.text[i - 1]) && isCJK(run.text[i])) {
          target.appendChild(doc.createTextNode(run.text.slice(from, i)));
          target.appendChild(doc.createElement("wbr"));
          from = i;
        }
      }
    }
    target.appendChild(doc.createTextNode(run.text.slice(from)));
    offset += run.text.length;
  }
  return parent;
}

function isCJK(ch) {
  return /[\u3400-\u9fff\uf900-\ufaff]/.test(ch);
}

/** appendMarked renders the API's marked HTML into parent, safely. */
export function appendMarked(parent, html, wordBreaks = false) {
  return appendRuns(parent, splitMarked(html), wordBreaks);
}

/**
 * highlightRuns splits plain text into runs, marking every occurrence of
 * any of terms (longest first, Latin letters case-insensitively).
 */
export function highlightRuns(text, terms) {
  const uniq = [...new Set(terms.map((t) => t.trim()).filter((t) => t.length > 0))]
    .sort((a, b) => b.length - a.length);
  if (uniq.length === 0) return [{ text, marked: false }];
  const esc = uniq.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const re = new RegExp(esc.join("|"), "giu");
  const runs = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) runs.push({ text: text.slice(last, m.index), marked: false });
    runs.push({ text: m[0], marked: true });
    last = m.index + m[0].length;
  }
  if (last < text.length) runs.push({ text: text.slice(last), marked: false });
  return runs;
}

/**
 * queryTerms pulls the words to highlight out of a query in zhsearch's
 * query language: quoted phrases whole, plain words, title: and body: scopes; it
 * skips excluded (-word) terms, OR, parentheses and metadata scopes.
 */
export function queryTerms(q) {
  const out = [];
  const re = /(-?)(?:([a-z_]+):)?(?:"([^"]*)"|([^\s()"]+))/giu;
  for (const m of String(q ?? "").matchAll(re)) {
    const [, neg, field, phrase, word] = m;
    if (neg) continue;
    if (field && !/^(title|body)$/i.test(field)) continue;
    const t = phrase ?? word;
    if (!t || (!phrase && /^(OR|AND|NOT)$/.test(t))) continue;
    out.push(t);
  }
  return out;
}
