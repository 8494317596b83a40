#!/usr/bin/env python3
"""Builds testdata/duplicates.tsv, the labelled pairs of `zhsearch eval duplicates`.

Run from the project root: python3 scripts/duplicates-set.py ../shared/data > testdata/duplicates.tsv
It writes article ids and labels only, never text. Candidates for real
copies come from a method independent of MinHash: two articles sharing an
identical paragraph of 40 characters or more (whitespace removed). Their
exact 5-character-shingle Jaccard and their date gap sort them; the pairs
between the clear bands were labelled by reading (OVERRIDES below).
"""
import collections, datetime, gzip, json, random, re, sys

data = sys.argv[1]
random.seed(20)

def load(name):
    return [json.loads(l) for l in gzip.open(f"{data}/news/{name}.jsonl.gz", "rt")]

def norm(s):
    return re.sub(r"\s+", "", s)

def body(a):
    return norm("".join(a["paragraphs"]))

def shingles(s, k=5):
    return {s[i:i + k] for i in range(max(1, len(s) - k + 1))}

def when(a):
    return datetime.datetime.fromisoformat(a["published_at"])

# Read by hand: 1 copy, 0 different story, ? same event rewritten by
# another desk (neither a copy nor another story: reported, not scored).
OVERRIDES = {
    # chinanews: next-day bulletins of the same template are other stories
    **{p: ("0", "series") for p in [
        ("chinanews-2153", "chinanews-2412"), ("chinanews-1692", "chinanews-2142"), ("chinanews-1700", "chinanews-2153"),
        ("chinanews-1701", "chinanews-2142"), ("chinanews-2142", "chinanews-2415"), ("chinanews-1709", "chinanews-2158"),
        ("chinanews-1700", "chinanews-2412"), ("chinanews-1692", "chinanews-2415"), ("chinanews-1701", "chinanews-2415"),
        ("chinanews-1251", "chinanews-1701"), ("chinanews-1700", "chinanews-327"), ("chinanews-1251", "chinanews-1692"),
        ("chinanews-1251", "chinanews-2142"), ("chinanews-2153", "chinanews-327"), ("chinanews-1251", "chinanews-2415"),
        ("chinanews-2412", "chinanews-327"), ("chinanews-1231", "chinanews-755"), ("chinanews-1026", "chinanews-2010"),
        ("chinanews-1129", "chinanews-791")]},
    **{p: ("1", "copy") for p in [
        ("chinanews-147", "chinanews-167"), ("chinanews-1608", "chinanews-1632"), ("chinanews-354", "chinanews-399"),
        ("xwlb-VIDE1415618638895881", "xwlb-VIDE1415620437107601"), ("xwlb-VIDE1384169644324650", "xwlb-VIDE1384177442571920"),
        ("xwlb-VIDE1374232682033395", "xwlb-VIDE1374237242140785")]},
    **{p: ("?", "rewrite") for p in [
        ("chinanews-1826", "chinanews-1935"), ("chinanews-1918", "chinanews-1930"), ("chinanews-1928", "chinanews-2386"),
        ("chinanews-149", "chinanews-765"), ("chinanews-50", "chinanews-765"), ("chinanews-2336", "chinanews-2395"),
        ("chinanews-1370", "chinanews-1457"), ("chinanews-2262", "chinanews-2297"), ("chinanews-1022", "chinanews-910"),
        ("chinanews-1877", "chinanews-1967"), ("chinanews-1038", "chinanews-998"), ("chinanews-112", "chinanews-141"),
        ("chinanews-1868", "chinanews-1923"),
        ("xwlb-VIDE1398337920879778", "xwlb-VIDE1398339730598163"), ("xwlb-VIDE1413544136758887", "xwlb-VIDE1413544320822242")]},
}

rows = []
for name in ["chinanews", "xwlb"]:
    arts = load(name)
    byid = {a["id"]: a for a in arts}
    para = collections.defaultdict(set)
    for a in arts:
        for p in a["paragraphs"]:
            if len(norm(p)) >= 40:
                para[norm(p)].add(a["id"])
    shared = set()
    for ids in para.values():
        if 1 < len(ids) <= 50:
            ids = sorted(ids)
            shared.update((x, y) for i, x in enumerate(ids) for y in ids[i + 1:])
    cache = {}
    def sh(i):
        if i not in cache:
            cache[i] = shingles(body(byid[i]))
        return cache[i]
    templates = []
    for x, y in sorted(shared):
        a, b = sh(x), sh(y)
        j = len(a & b) / len(a | b)
        days = abs((when(byid[x]) - when(byid[y])).total_seconds()) / 86400
        if (x, y) in OVERRIDES:
            label, kind = OVERRIDES[(x, y)]
        elif days > 3:
            if 0.3 <= j < 0.9:  # a formula repeated on another occasion
                templates.append((x, y))
            continue
        elif j >= 0.73:
            label, kind = "1", "copy"
        elif j < 0.3:  # a round-up holding a story, or two stories quoting one text
            label, kind = "0", "topic"
        else:  # xwlb between the bands: read, all are one formula on two occasions
            label, kind = "0", "series"
        rows.append((x, y, label, kind))
    rows += [(x, y, "0", "template") for x, y in random.sample(templates, min(100, len(templates)))]
    # same day, titles sharing words (three character bigrams), no shared paragraph
    byday = collections.defaultdict(list)
    for a in arts:
        byday[a["published_at"][:10]].append(a)
    bg = lambda t: {t[i:i + 2] for i in range(len(t) - 1) if not re.search(r"[\W\d]", t[i:i + 2])}
    topic = []
    for day, group in byday.items():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if a["title"] == b["title"] or len(bg(a["title"]) & bg(b["title"])) < 3:
                    continue
                x, y = sorted([a["id"], b["id"]])
                if (x, y) not in shared:
                    topic.append((x, y))
    rows += [(x, y, "0", "topic") for x, y in random.sample(sorted(topic), min({"chinanews": 100, "xwlb": 200}[name], len(topic)))]
    # synthetic wire edits of articles with four paragraphs or more
    long = sorted(a["id"] for a in arts if len(a["paragraphs"]) >= 4 and len(body(a)) >= 300)
    rows += [(i, i + "~edit", "1", "edit") for i in random.sample(long, {"chinanews": 50, "xwlb": 100}[name])]

print("# Labelled pairs for `zhsearch eval duplicates` (built by scripts/duplicates-set.py; ids only).")
print("# label: 1 duplicate, 0 different story, ? rewrite (reported, not scored); kind: copy, edit (synthetic: id~edit), series, template, topic, rewrite")
print("# a\tb\tlabel\tkind")
for r in rows:
    print("\t".join(r))
