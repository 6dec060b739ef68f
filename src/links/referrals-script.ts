/**
 * `/referrals.js`: first-party attribution for a shop's own pages, on any origin. A page
 * opened with `?ref=CODE` (and `src`) keeps them in a cookie of the shop's site (and
 * localStorage, in case cookies are refused) for the attribution window; every later page
 * reads them through `window.Referrals.code()` / `.source()`, and an empty
 * `<input name="referralCode">` is filled. Storage that throws (blocked cookies, Safari's
 * private mode, sandboxed frames) is skipped: the code then holds for that page only.
 *
 * The window comes inlined: the script is served with the same number of days as the
 * invite link's own cookie (or fewer, `?days=N`), so it needs no request of its own.
 * ES5 on purpose: no build step, any browser a shop's visitors use.
 */
const SCRIPT = `(function (w, d) {
  "use strict";
  var DAYS = __DAYS__;
  var CODE = /^[0-9A-Za-z_-]{4,21}$/, SOURCE = /^[a-z0-9_-]{1,32}$/;
  var NAMES = { code: "ref", source: "ref_src" };
  function valid(value, shape) { return typeof value === "string" && shape.test(value) ? value : null; }
  function readCookie(name) {
    try {
      var parts = d.cookie.split("; ");
      for (var i = 0; i < parts.length; i++) {
        var eq = parts[i].indexOf("=");
        if (parts[i].slice(0, eq) === name) return decodeURIComponent(parts[i].slice(eq + 1));
      }
    } catch (e) {}
    return null;
  }
  function writeCookie(name, value) {
    try {
      d.cookie = name + "=" + encodeURIComponent(value) + "; Max-Age=" + DAYS * 86400 +
        "; Path=/; SameSite=Lax" + (location.protocol === "https:" ? "; Secure" : "");
    } catch (e) {}
  }
  function readStored(name) {
    try {
      var kept = JSON.parse(w.localStorage.getItem("referrals." + name) || "null");
      return kept && kept.until > Date.now() ? kept.value : null;
    } catch (e) { return null; }
  }
  function store(name, value) {
    try {
      w.localStorage.setItem("referrals." + name, JSON.stringify({ value: value, until: Date.now() + DAYS * 864e5 }));
    } catch (e) {}
  }
  var query = {};
  try {
    var params = new URLSearchParams(location.search);
    query.code = valid(params.get("ref"), CODE);
    query.source = valid((params.get("src") || "link").toLowerCase(), SOURCE) || "link";
  } catch (e) {}
  var kept = {};
  if (query.code) {
    kept.code = query.code.toUpperCase();
    kept.source = query.source;
    for (var key in NAMES) { writeCookie(NAMES[key], kept[key]); store(NAMES[key], kept[key]); }
  } else {
    for (var name in NAMES) kept[name] = valid(readCookie(NAMES[name]) || readStored(NAMES[name]), name === "code" ? CODE : SOURCE);
  }
  function fill() {
    if (!kept.code) return;
    var inputs = d.querySelectorAll('input[name="referralCode"]');
    for (var i = 0; i < inputs.length; i++) if (!inputs[i].value) inputs[i].value = kept.code;
  }
  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", fill); else fill();
  w.Referrals = {
    code: function () { return kept.code || null; },
    source: function () { return kept.code ? kept.source || "link" : null; }
  };
})(window, document);
`;

/** The attribution script with the window (whole days, 1 to `maxDays`) inlined. */
export function referralsScript(days: number): string {
  return SCRIPT.replace("__DAYS__", String(days));
}

/** `?days=` as the script takes it: whole days up to the invite link's own window, else that window. */
export function scriptDays(raw: string | undefined, maxDays: number): number {
  const days = raw && /^[0-9]{1,4}$/.test(raw) ? Number(raw) : maxDays;
  return days >= 1 && days <= maxDays ? days : maxDays;
}
