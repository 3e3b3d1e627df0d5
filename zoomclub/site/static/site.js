/* zoomclub archive site: search on the index page, synced transcript on session pages.
   Hand-written, no dependencies, works from file:// (no fetch: data arrives as <script> files).
   Untrusted text is only ever inserted with textContent, never innerHTML. */
(function () {
  "use strict";

  var TOKEN = /[\p{L}\p{N}]+/gu;
  function tokens(text) { return (String(text).toLowerCase().match(TOKEN) || []); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function clock(sec) {
    sec = Math.max(0, Math.floor(sec));
    var h = Math.floor(sec / 3600), m = Math.floor((sec % 3600) / 60), s = sec % 60;
    var mm = (m < 10 ? "0" : "") + m, ss = (s < 10 ? "0" : "") + s;
    return h ? h + ":" + mm + ":" + ss : mm + ":" + ss;
  }
  function fmtDate(iso) {
    var d = new Date(iso + "T12:00:00Z");
    if (!iso || isNaN(d)) return iso || "";
    return d.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  }
  function parseClock(text) {
    if (!/^\d+(:\d{1,2}){0,2}(\.\d+)?$/.test(text)) return null;
    return text.split(":").reduce(function (acc, part) { return acc * 60 + parseFloat(part); }, 0);
  }

  /* ---------- search (index page) ---------- */
  var PAGE = 20;
  var shardWaiters = {};
  var shards = {};
  window.zcShard = function (data) {
    shards[data.key] = data;
    var w = shardWaiters[data.key];
    delete shardWaiters[data.key];
    if (w) w(data);
  };
  function loadShard(key) {
    return new Promise(function (resolve) {
      if (shards[key]) return resolve(shards[key]);
      shardWaiters[key] = resolve;
      var s = document.createElement("script");
      s.src = "sessions/" + encodeURIComponent(key) + "/search.js";
      s.onerror = function () { delete shardWaiters[key]; resolve(null); };
      document.head.appendChild(s);
    });
  }
  var BITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  function decode(postings) {
    var out = [], n = 0;
    if (postings.charAt(0) === "~") {  /* bitmap: six sessions per character */
      for (var j = 1; j < postings.length; j++) {
        var w = BITS.indexOf(postings.charAt(j));
        for (var b = 0; b < 6; b++) if (w & (1 << b)) out.push((j - 1) * 6 + b);
      }
      return out;
    }
    var parts = postings.split(",");
    for (var i = 0; i < parts.length; i++) { n += parseInt(parts[i], 36); out.push(n); }
    return out;
  }
  function candidates(index, qtoks) {
    /* Sessions that may contain every query token; null means "all" (only common words). */
    var result = null;
    var common = index._common || (index._common = new Set(index.common));
    for (var i = 0; i < qtoks.length; i++) {
      var t = qtoks[i], last = i === qtoks.length - 1, set = new Set();
      if (common.has(t)) continue;
      if (index.terms[t] !== undefined) decode(index.terms[t]).forEach(function (n) { set.add(n); });
      if (last) {
        /* the word being typed: any term it starts */
        var keys = index._keys || (index._keys = Object.keys(index.terms));
        var hit = 0;
        for (var k = 0; k < keys.length && hit < 200; k++) {
          if (keys[k].length > t.length && keys[k].lastIndexOf(t, 0) === 0) {
            hit++;
            decode(index.terms[keys[k]]).forEach(function (n) { set.add(n); });
          }
        }
        if (!hit && !set.size) for (var c of common) if (c.lastIndexOf(t, 0) === 0) { set = null; break; }
        if (set === null) continue;
      }
      result = result === null ? set : new Set([...result].filter(function (n) { return set.has(n); }));
      if (!result.size) break;
    }
    return result;
  }
  function phraseHits(shard, qtoks, limit) {
    var q = " " + qtoks.join(" ");
    var hits = [], norm = shard.cues.map(function (c) { return " " + tokens(c[2]).join(" "); });
    for (var i = 0; i < norm.length && hits.length < limit; i++) {
      var joined = norm[i] + (i + 1 < norm.length ? norm[i + 1] : "");
      if (norm[i].indexOf(q) >= 0 || (joined.indexOf(q) >= 0 && joined.indexOf(q) < norm[i].length)) {
        hits.push(shard.cues[i]);
      }
    }
    return hits;
  }
  function highlight(parent, text, qtoks) {
    /* Mark query words inside text, building nodes (never HTML). */
    var lower = text.toLowerCase(), pos = 0, re = TOKEN, m;
    re.lastIndex = 0;
    while ((m = re.exec(lower)) !== null) {
      var w = m[0], matched = qtoks.some(function (t, i) {
        return w === t || (i === qtoks.length - 1 && w.lastIndexOf(t, 0) === 0);
      });
      if (!matched) continue;
      if (m.index > pos) parent.appendChild(document.createTextNode(text.slice(pos, m.index)));
      parent.appendChild(el("mark", "", text.slice(m.index, m.index + w.length)));
      pos = m.index + w.length;
    }
    if (pos < text.length) parent.appendChild(document.createTextNode(text.slice(pos)));
  }
  function setupSearch() {
    var form = document.querySelector("form[data-search]");
    var index = window.ZC_INDEX;
    if (!form || !index) return;
    var input = form.querySelector("input");
    var box = document.getElementById("results");
    var list = document.getElementById("results-list");
    var heading = document.getElementById("results-heading");
    var more = document.getElementById("results-more");
    var run = 0, pending = [], qtoks = [], shown = 0;

    function sessionHref(key, sec) {
      return "sessions/" + encodeURIComponent(key) + "/index.html" + (sec !== undefined ? "#t=" + clock(sec) : "");
    }
    function card(ordinal) {
      var s = index.sessions[ordinal];
      var li = el("li", "result");
      var h = el("h3"), a = el("a");
      a.href = sessionHref(s[0]);
      highlight(a, s[2], qtoks);
      h.appendChild(a);
      li.appendChild(h);
      var meta = el("p", "meta");
      if (s[1]) { var t = el("time", "", fmtDate(s[1])); t.setAttribute("datetime", s[1]); meta.appendChild(t); }
      if (s[3]) { var f = el("span", "", "Facilitated by "); highlight(f, s[3], qtoks); meta.appendChild(f); }
      li.appendChild(meta);
      return li;
    }
    function addHits(li, key, shard, hits) {
      var ul = el("ul", "hits");
      hits.forEach(function (c) {
        var item = el("li"), a = el("a");
        a.href = sessionHref(key, c[0] / 1000);
        a.appendChild(el("time", "", clock(c[0] / 1000)));
        if (c[1] >= 0) a.appendChild(el("b", "speaker", shard.speakers[c[1]] + ":"));
        var span = el("span");
        var text = c[2].length > 220 ? c[2].slice(0, 217) + "…" : c[2];
        highlight(span, text, qtoks);
        a.appendChild(span);
        item.appendChild(a);
        ul.appendChild(item);
      });
      li.appendChild(ul);
    }
    function status() {
      heading.textContent = shown ? shown + " matching session" + (shown === 1 ? "" : "s") + (pending.length ? " so far" : "") : (pending.length ? "Searching…" : "No matches");
      more.hidden = !pending.length;
    }
    function nextPage(token) {
      var batch = pending.splice(0, PAGE);
      return Promise.all(batch.map(function (o) {
        return loadShard(index.sessions[o][0]).then(function (shard) { return [o, shard]; });
      })).then(function (rows) {
        if (token !== run) return;
        rows.forEach(function (row) {
          var o = row[0], shard = row[1], s = index.sessions[o];
          var hits = shard ? phraseHits(shard, qtoks, 5) : [];
          var metaHit = (" " + tokens(s[2] + " " + s[3]).join(" ")).indexOf(" " + qtoks.join(" ")) >= 0;
          if (!hits.length && !metaHit) return;
          var li = card(o);
          if (hits.length) addHits(li, s[0], shard, hits);
          list.appendChild(li);
          shown++;
        });
        status();
      });
    }
    function search() {
      var token = ++run;
      qtoks = tokens(input.value);
      list.textContent = "";
      shown = 0;
      pending = [];
      if (!qtoks.length) { box.hidden = true; return; }
      box.hidden = false;
      var cand = candidates(index, qtoks), phrase = " " + qtoks.join(" ");
      var order = index._order || (index._order = index.sessions.map(function (_, i) { return i; }).sort(function (a, b) {
        var A = index.sessions[a], B = index.sessions[b];  /* newest first; ordinals are not dates */
        return A[1] < B[1] ? 1 : A[1] > B[1] ? -1 : A[0] < B[0] ? 1 : -1;
      }));
      for (var j = 0; j < order.length; j++) {
        var i = order[j], s = index.sessions[i];
        var meta = (" " + tokens(s[2] + " " + s[3]).join(" ")).indexOf(phrase) >= 0;
        if (meta || cand === null || cand.has(i)) pending.push(i);
      }
      status();
      nextPage(token);
    }
    var timer = null;
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 200); });
    form.addEventListener("submit", function (e) { e.preventDefault(); clearTimeout(timer); search(); });
    more.addEventListener("click", function () { nextPage(run); });
    var q = new URLSearchParams(location.search).get("q");
    if (q) { input.value = q; search(); }
  }

  /* ---------- player + transcript (session page) ---------- */
  function setupPlayer() {
    var player = document.getElementById("player");
    var list = document.getElementById("transcript");
    var links = list ? Array.prototype.slice.call(list.querySelectorAll("a[data-t]")) : [];
    var starts = links.map(function (a) { return parseFloat(a.getAttribute("data-t")); });
    var speed = document.getElementById("speed");
    var follow = document.getElementById("follow");
    var current = -1;

    function seek(sec, play) {
      if (!player) return;
      var go = function () {
        player.currentTime = sec;
        if (play) { var p = player.play(); if (p && p.catch) p.catch(function () {}); }
      };
      if (player.readyState >= 1) go(); else player.addEventListener("loadedmetadata", go, { once: true });
      mark(sec);
    }
    function indexAt(sec) {
      var lo = 0, hi = starts.length - 1, ans = -1;
      while (lo <= hi) { var mid = (lo + hi) >> 1; if (starts[mid] <= sec + 0.05) { ans = mid; lo = mid + 1; } else hi = mid - 1; }
      return ans;
    }
    function mark(sec) {
      var i = indexAt(sec);
      if (i === current) return;
      if (current >= 0) { links[current].classList.remove("current"); links[current].removeAttribute("aria-current"); }
      current = i;
      if (i < 0) return;
      links[i].classList.add("current");
      links[i].setAttribute("aria-current", "true");
      if (follow && follow.checked && list) {
        var top = links[i].offsetTop - list.offsetTop;
        if (list.scrollHeight > list.clientHeight + 1) {
          if (top < list.scrollTop || top > list.scrollTop + list.clientHeight - 60) list.scrollTop = top - 40;
        } else if (!player.paused) {
          var r = links[i].getBoundingClientRect();
          if (r.top < 0 || r.bottom > window.innerHeight) links[i].scrollIntoView({ block: "center" });
        }
      }
    }
    function fromHash() {
      var m = /^#t=([\d:.]+)$/.exec(location.hash);
      if (!m) return;
      var sec = parseClock(m[1]);
      if (sec !== null) seek(sec, false);
    }
    links.forEach(function (a, i) {
      a.addEventListener("click", function (e) {
        e.preventDefault();
        if (history.replaceState) history.replaceState(null, "", a.getAttribute("href"));
        seek(starts[i], true);
      });
    });
    if (player) {
      player.addEventListener("timeupdate", function () { mark(player.currentTime); });
      player.addEventListener("seeked", function () { mark(player.currentTime); });
    }
    if (speed && player) {
      speed.addEventListener("change", function () { player.playbackRate = parseFloat(speed.value) || 1; });
    }
    window.addEventListener("hashchange", fromHash);
    fromHash();
  }

  function start() { setupSearch(); setupPlayer(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
