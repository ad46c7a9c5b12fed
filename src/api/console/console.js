// The console's script, served as a file so that its CSP needs no 'unsafe-inline'. It signs
// API calls in the browser with a key held in memory only.
"use strict";
(() => {
const ITEMS = ["ALL","LFI","SQL Injection","XSS","RFI","SSRF","File Upload","File Download","XXE","Command Injection","Insufficient Authorization","Specific Vulnerability","File Management","Directory Listing","Source Code Disclosure","Information Disclosure","URL Redirection","Insecure SSL/TLS","Mixed Content","HTTP Request Smuggling","Personal Information Exposure","SSI Injection","EXTENDED","CRLF Injection","CSRF","Cookie Security","Security Headers","CORS","SSTI","LDAP Injection","XPath Injection","HTTP Methods"];
const $ = (id) => document.getElementById(id);
const itemsBox = $("items");
for (const it of ITEMS) {
  const l = document.createElement("label"); const c = document.createElement("input");
  c.type = "checkbox"; c.value = it; c.checked = it === "ALL"; l.append(c, document.createTextNode(it)); itemsBox.append(l);
}
// The key lives in this closure only: not in storage, not in the DOM once it is taken.
let ak = "", sk = "", timer = null;
$("save").onclick = () => {
  ak = $("ak").value.trim(); sk = $("sk").value.trim(); $("sk").value = "";
  refresh();
  if (timer === null) timer = setInterval(refresh, 5000);
};
function say(text, cls) { const m = $("msg"); m.textContent = text; m.className = cls || ""; }
async function sign(method, uri, ts, ak, sk) {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", enc.encode(sk), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, enc.encode(method + " " + uri + "\n" + ts + "\n" + ak));
  return btoa(String.fromCharCode(...new Uint8Array(mac)));
}
async function call(method, uri, body) {
  const ts = String(Date.now());
  const headers = { "x-ncp-apigw-timestamp": ts, "x-ncp-iam-access-key": ak, "x-ncp-apigw-signature-v2": await sign(method, uri, ts, ak, sk) };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(uri, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await res.json();
  if (json.error) throw new Error(json.error.errorCode + " " + json.error.message + (json.error.details ? ": " + json.error.details : ""));
  return { json, res };
}
function cell(tr, text) { const td = document.createElement("td"); td.textContent = text == null ? "" : String(text); tr.append(td); return td; }
async function refresh() {
  try {
    const body = { searchType: $("stype").value, searchKeyword: $("skw").value, statusCode: null, limit: 50, page: 1 };
    const { json } = await call("POST", "/api/v1/jobs/search", body);
    const tbody = $("jobs"); tbody.replaceChildren();
    for (const r of json.resources.record_data || []) {
      const tr = document.createElement("tr");
      cell(tr, r.instanceNo); cell(tr, r.status); cell(tr, r.progress == null ? "" : r.progress + "%"); cell(tr, r.start_url);
      cell(tr, r.crawl_cnt); cell(tr, r.scan_cnt); cell(tr, (r.start_date || "") + (r.end_date ? " ~ " + r.end_date : "")); cell(tr, r.memo);
      const act = cell(tr, "");
      const verb = r.result_button === "cancel" && /Scheduled|pending/.test(r.status) ? "cancel" : r.result_button === "terminate" && !/Stop/.test(r.status) ? "stop" : null;
      if (verb) { const b = document.createElement("button"); b.className = "secondary"; b.textContent = verb;
        b.onclick = async () => { try { await call("PATCH", "/api/v1/jobs/" + r.instanceNo + "/" + verb); refresh(); } catch (e) { say(e.message, "err"); } }; act.append(b); }
      if (r.result_button === "cause" && r.result_desc) act.append(document.createTextNode(r.result_desc));
      tbody.append(tr);
    }
    say(json.resources.total_cnt + " job(s)", "ok");
  } catch (e) { say(e.message, "err"); }
}
$("refresh").onclick = refresh;
$("create").onclick = async () => {
  const items = [...itemsBox.querySelectorAll("input:checked")].map((c) => c.value);
  const headers = {};
  for (const line of $("headers").value.split("\n")) { const i = line.indexOf(":"); if (i > 0) headers[line.slice(0, i).trim()] = line.slice(i + 1).trim(); }
  const body = { StartUrl: $("url").value.trim(), ExcludeUrl: $("exclude").value.split("\n").map((s) => s.trim()).filter(Boolean), Headers: headers,
    VulnItems: items.includes("ALL") ? ["ALL"] : items, UserAgent: $("ua").value, Speed: $("speed").value, Memo: $("memo").value };
  try { const { res } = await call("PUT", "/api/v1/job", body); say("created job " + (res.headers.get("x-wsc-instance-no") || ""), "ok"); refresh(); }
  catch (e) { say(e.message, "err"); }
};
})();
