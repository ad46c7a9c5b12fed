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
function useKey() {
  const a = $("ak").value.trim(), s = $("sk").value.trim();
  if (!a || !s) { say("Enter both the access key and the secret key.", "err"); return; }
  ak = a; sk = s; $("sk").value = "";
  $("who").textContent = "key " + ak.slice(0, 4) + "…";
  refresh();
  if (timer === null) timer = setInterval(refresh, 5000);
}
$("save").onclick = useKey;
// Enter in either field uses the key, as the button does
for (const id of ["ak", "sk"]) $(id).addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); useKey(); } });
function say(text, cls) { const m = $("msg"); m.textContent = text; m.className = cls || ""; }
const NO_KEY = "No API key yet: enter an access key and secret key above (wsc serve printed where the first one is: <data>/credentials).";
async function sign(method, uri, ts, ak, sk) {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", enc.encode(sk), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, enc.encode(method + " " + uri + "\n" + ts + "\n" + ak));
  return btoa(String.fromCharCode(...new Uint8Array(mac)));
}
async function call(method, uri, body) {
  if (!ak || !sk) throw new Error(NO_KEY);
  const ts = String(Date.now());
  const headers = { "x-ncp-apigw-timestamp": ts, "x-ncp-iam-access-key": ak, "x-ncp-apigw-signature-v2": await sign(method, uri, ts, ak, sk) };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(uri, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await res.json();
  if (json.error) throw new Error(json.error.errorCode + " " + json.error.message + (json.error.details ? ": " + json.error.details : ""));
  return { json, res };
}
// A report is a signed call too: fetched here and saved as a file (a blob page opened in a tab would
// inherit this page's CSP, which refuses the report's own styles).
async function download(id, format) {
  if (!ak || !sk) throw new Error(NO_KEY);
  const uri = "/api/v1/jobs/" + id + "/report?format=" + format;
  const ts = String(Date.now());
  const res = await fetch(uri, { headers: { "x-ncp-apigw-timestamp": ts, "x-ncp-iam-access-key": ak, "x-ncp-apigw-signature-v2": await sign("GET", uri, ts, ak, sk) } });
  if (!res.ok) { const j = await res.json(); throw new Error(j.error ? j.error.errorCode + " " + j.error.message + (j.error.details ? ": " + j.error.details : "") : "HTTP " + res.status); }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a"); a.href = url; a.download = "wsc-report-" + id + "." + format; document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
function cell(tr, text) { const td = document.createElement("td"); td.textContent = text == null ? "" : String(text); tr.append(td); return td; }
async function refresh() {
  if (!ak || !sk) { say(NO_KEY, "err"); return; }
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
      if (r.result_button === "report") {
        for (const fmt of ["html", "pdf", "json", "sarif"]) {
          const b = document.createElement("button"); b.className = "secondary"; b.textContent = "report " + fmt;
          b.onclick = async () => { try { await download(r.instanceNo, fmt); say("report of job " + r.instanceNo + " saved (" + fmt + ")", "ok"); } catch (e) { say(e.message, "err"); } };
          act.append(b);
        }
      }
      // the cause of a failure, or the warning of a job whose coverage was degraded
      if ((r.result_button === "cause" || r.result_button === "report") && r.result_desc) { const p = document.createElement("div"); p.className = r.result_button === "cause" ? "err" : "warn"; p.textContent = r.result_desc; act.append(p); }
      if (!/completed|failed|Canceled|Stopped/.test(r.status)) { const w = document.createElement("button"); w.className = "secondary"; w.textContent = "watch";
        w.onclick = () => watch(r.instanceNo); act.append(w); }
      tbody.append(tr);
    }
    say(json.resources.total_cnt + " job(s)", "ok");
  } catch (e) { say(e.message, "err"); }
}
// Job events (GET /jobs/{id}/events) are Server-Sent Events; EventSource cannot send the signature
// headers, so the stream is read with fetch and split into events here.
let live = null;
function stopWatching() { if (live) live.abort(); live = null; }
async function watch(id) {
  stopWatching();
  const ctl = new AbortController(); live = ctl;
  const uri = "/api/v1/jobs/" + id + "/events", ts = String(Date.now());
  $("live").hidden = false; $("live-id").textContent = id; $("live-log").replaceChildren(); $("live-status").textContent = "connecting";
  try {
    const res = await fetch(uri, { headers: { "x-ncp-apigw-timestamp": ts, "x-ncp-iam-access-key": ak, "x-ncp-apigw-signature-v2": await sign("GET", uri, ts, ak, sk) }, signal: ctl.signal });
    if (!res.ok) { const j = await res.json(); throw new Error(j.error ? j.error.errorCode + " " + j.error.message : "HTTP " + res.status); }
    const reader = res.body.getReader(), dec = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
      let i;
      while ((i = buf.indexOf("\n\n")) !== -1) { showEvent(buf.slice(0, i)); buf = buf.slice(i + 2); }
    }
  } catch (e) { if (!ctl.signal.aborted) say(e.message, "err"); }
  if (live === ctl) { live = null; refresh(); }
}
function showEvent(block) {
  let ev = "message"; const data = [];
  for (const l of block.split("\n")) { if (l.startsWith("event:")) ev = l.slice(6).trim(); else if (l.startsWith("data:")) data.push(l.slice(5).replace(/^ /, "")); }
  if (data.length === 0) return;
  const d = JSON.parse(data.join("\n"));
  if (ev === "status") { $("live-status").textContent = d.status_text + (d.progress == null ? "" : " " + d.progress + "%") + ", " + (d.crawl_cnt || 0) + " URLs, " + (d.scan_cnt || 0) + " findings"; return; }
  const li = document.createElement("li");
  li.textContent = ev === "finding" ? "[" + d.severity + "] " + d.title + ": " + d.method + " " + d.url + (d.parameter ? " (" + d.parameter + ")" : "") : "end: " + d.reason;
  $("live-log").append(li);
}
$("live-stop").onclick = () => { stopWatching(); $("live").hidden = true; };
$("refresh").onclick = refresh;
say(NO_KEY, "err");
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
