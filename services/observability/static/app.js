// newsflow live page: polls /api/snapshot and redraws tables and SVG charts. No library, nothing remote.
// Every value from the stream is set with textContent (titles are untrusted input).
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const names = (typeof Intl !== "undefined" && Intl.DisplayNames) ? new Intl.DisplayNames(["en"], { type: "language" }) : null;
let paused = false;
let timer = null;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function languageName(code) {
  if (!code || code === "und") return "undetermined";
  try { return names ? names.of(code) : code; } catch (e) { return code; }
}

function fmt(n) { return Number(n || 0).toLocaleString("en"); }

function fill(tableId, rows, emptyText, columns) {
  const body = document.querySelector(`#${tableId} tbody`);
  const fresh = document.createElement("tbody");
  if (!rows.length) {
    fresh.append(el("tr", {}, el("td", { colspan: String(columns), class: "empty" }, emptyText)));
  } else {
    for (const cells of rows) fresh.append(el("tr", {}, ...cells));
  }
  body.replaceWith(fresh);
}

function chart(containerId, series, kind, label) {
  const box = document.getElementById(containerId);
  const w = 600, h = 170, left = 44, right = 10, top = 10, bottom = 24;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("role", "img");
  const values = series.map(p => p.value);
  const max = Math.max(1, ...values);
  const last = values.length ? values[values.length - 1] : 0;
  const peak = values.length ? Math.max(...values) : 0;
  svg.setAttribute("aria-label", `${label}: now ${fmt(last)}, peak ${fmt(peak)} over the last ${Math.round(series.length ? (Date.parse(series[series.length - 1].t) - Date.parse(series[0].t)) / 60000 : 0)} minutes`);
  const add = (tag, attrs, text) => {
    const n = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
    if (text !== undefined) n.textContent = text;
    svg.append(n);
    return n;
  };
  const plotW = w - left - right, plotH = h - top - bottom;
  for (const frac of [0, 0.5, 1]) {
    const y = top + plotH * (1 - frac);
    add("line", { x1: left, x2: w - right, y1: y, y2: y, class: frac === 0 ? "axis" : "grid" });
    add("text", { x: left - 6, y: y + 4, "text-anchor": "end" }, fmt(Math.round(max * frac * 10) / 10));
  }
  add("text", { x: left, y: h - 6 }, series.length ? new Date(series[0].t).toLocaleTimeString("en-GB") : "");
  add("text", { x: w - right, y: h - 6, "text-anchor": "end" }, "now");
  if (series.length > 1) {
    const t0 = Date.parse(series[0].t), t1 = Date.parse(series[series.length - 1].t);
    const span = Math.max(1, t1 - t0);
    const pts = series.map(p => [left + plotW * (Date.parse(p.t) - t0) / span, top + plotH * (1 - p.value / max)]);
    const line = pts.map(([x, y], i) => `${i ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`).join(" ");
    add("path", { d: `${line} L${pts[pts.length - 1][0].toFixed(1)},${top + plotH} L${left},${top + plotH} Z`, class: `area-${kind}` });
    add("path", { d: line, class: `line-${kind}` });
  } else {
    add("text", { x: left + plotW / 2, y: top + plotH / 2, "text-anchor": "middle" }, "collecting…");
  }
  box.replaceChildren(svg);
}

function render(s) {
  const verdict = document.getElementById("verdict");
  verdict.textContent = s.ok ? "Every service is ready" : (s.problems && s.problems.length ? s.problems[0] : "Not ready");
  verdict.className = "verdict " + (s.ok ? "ok" : "bad");
  const updated = document.getElementById("updated");
  updated.textContent = new Date(s.taken_at).toLocaleTimeString("en-GB");
  updated.setAttribute("datetime", s.taken_at);

  const dead = Object.values(s.dead_letters_last_hour || {}).reduce((a, b) => a + b, 0);
  document.getElementById("c-stored").textContent = fmt(s.stored);
  document.getElementById("c-rate").textContent = Number(s.articles_per_second || 0).toFixed(1);
  document.getElementById("c-lag").textContent = fmt(s.lag);
  document.getElementById("c-dead").textContent = fmt(dead);
  // Colour is never the only signal: the number says it too.
  document.getElementById("c-dead").parentElement.classList.toggle("warn", dead > 0);
  document.getElementById("c-lag").parentElement.classList.toggle("busy", (s.lag || 0) > 0);

  chart("chart-rate", s.rate_series || [], "rate", "Articles stored per second");
  chart("chart-lag", s.lag_series || [], "lag", "Records waiting in the pipeline");

  const total = (s.languages || []).reduce((a, [, n]) => a + n, 0) || 1;
  fill("t-languages", (s.languages || []).map(([code, n]) => {
    const bar = el("div", { class: "bar", "aria-hidden": "true" });
    bar.style.width = `${Math.max(1, Math.round(100 * n / total))}%`;
    return [el("th", { scope: "row" }, el("span", { class: "lang" }, code), " ", languageName(code)),
            el("td", { class: "num" }, fmt(n)), el("td", {}, bar)];
  }), "Nothing stored yet.", 3);

  fill("t-entities", (s.top_entities || []).map(e => [
    el("th", { scope: "row" }, e.name), el("td", { class: "mono" }, e.id), el("td", {}, e.type),
    el("td", { class: "num" }, fmt(e.articles)), el("td", { class: "num" }, fmt(e.mentions))]),
    "No linked entities in the last hour.", 5);

  fill("t-latest", (s.latest || []).map(a => {
    const chips = el("td", {});
    for (const e of (a.entities || []).slice(0, 8)) {
      chips.append(el("span", { class: "chip" }, e.name, e.id ? el("span", { class: "id" }, e.id) : null));
    }
    if ((a.entities || []).length > 8) chips.append(el("span", { class: "chip" }, `+${a.entities.length - 8} more`));
    return [el("th", { scope: "row" }, a.title || "(untitled)"),
            el("td", {}, el("span", { class: "lang", title: languageName(a.language) }, a.language)),
            el("td", {}, a.source), chips,
            el("td", {}, el("time", { datetime: a.stored_at }, new Date(a.stored_at).toLocaleTimeString("en-GB")))];
  }), "Nothing stored yet.", 5);

  fill("t-dead", Object.entries(s.dead_letters_last_hour || {}).map(([stage, n]) => [
    el("th", { scope: "row" }, stage), el("td", { class: "num" }, fmt(n))]), "None.", 2);

  fill("t-services", (s.services || []).map(sv => [
    el("th", { scope: "row" }, `${sv.service} `, el("span", { class: "mono" }, `pid ${sv.pid}`)),
    el("td", { class: sv.ready ? "state-ok" : "state-bad" }, sv.ready ? "ready" : "not ready"),
    el("td", {}, Object.entries(sv.checks || {}).map(([k, v]) => `${k}: ${v.ok ? "ok" : "not ok"}`).join(", "))]),
    "No service registered.", 3);

  fill("t-groups", (s.groups || []).map(g => [el("th", { scope: "row" }, g.group), el("td", { class: "num" }, fmt(g.lag))]),
    "No consumer group yet.", 2);
}

async function refresh() {
  if (paused) return;
  try {
    const answer = await fetch("/api/snapshot", { cache: "no-store" });
    const snap = await answer.json();
    if (!snap.loading) render(snap);
    timer = setTimeout(refresh, 1000 * (snap.refresh_seconds || 2));
  } catch (e) {
    const verdict = document.getElementById("verdict");
    verdict.textContent = "The page lost its connection to newsflow; retrying…";
    verdict.className = "verdict bad";
    timer = setTimeout(refresh, 5000);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("pause");
  button.addEventListener("click", () => {
    paused = !paused;
    button.setAttribute("aria-pressed", String(paused));
    button.textContent = paused ? "Resume updates" : "Pause updates";
    clearTimeout(timer);
    if (!paused) refresh();
  });
  refresh();
});
