// CivicGrid insights pages: 一类事 classes, governance tickets, heat map, leaders' dashboard.
// Plain JS over /api/insights (reuses CG.api from console.js); charts with ECharts when installed.
const CGI = (() => {
  const api = CG.api;
  const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));
  const pct = (v) => v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%";
  const STATUS = {active: "活跃", vanished: "已消失", merged: "已合并", split: "已拆分"};
  const BARS = "▁▂▃▄▅▆▇█";
  const $ = (id) => document.getElementById(id);
  const hasCharts = () => !window.echartsMissing && window.echarts;

  async function header() {
    const me = await api("/api/auth/me");
    $("who").textContent = `${me.display_name}（${me.role_name}）`;
    $("logout").onclick = async () => { await api("/api/auth/logout", {method: "POST"}); location.href = "/console/login"; };
    return me;
  }
  function spark(trend) {
    const max = Math.max(1, ...trend.map((p) => p.cases));
    return trend.map((p) => BARS[Math.round((p.cases / max) * (BARS.length - 1))]).join("");
  }
  function chart(el, option, noteEl, emptyText) {
    if (emptyText || !hasCharts()) el.hidden = true;
    if (!hasCharts()) { if (noteEl) noteEl.textContent = (emptyText ? emptyText + " " : "") + "图表库未安装（npm ci），仅显示数字与表格。"; return null; }
    if (emptyText) { el.hidden = true; if (noteEl) noteEl.textContent = emptyText; return null; }
    el.hidden = false; if (noteEl) noteEl.textContent = "";
    const c = echarts.getInstanceByDom(el) || echarts.init(el);
    c.setOption(option, true); return c;
  }

  async function classesPage() {
    await header();
    const units = await api("/api/jurisdiction/units");
    $("ticket-unit").innerHTML = units.map((u) => `<option value="${esc(u.code)}">${esc(u.name)}</option>`).join("");
    let current = null;
    const error = (e) => { $("class-error").textContent = e ? e.message : ""; };
    const load = async () => {
      const status = $("class-status").value;
      const rows = await api("/api/insights/classes" + (status ? "?status=" + status : ""));
      const runs = await api("/api/insights/runs");
      $("run-info").textContent = runs.length ? `最近挖掘：${runs[0].month}（${runs[0].cases} 件，${runs[0].class_count} 类）` : "尚未挖掘";
      $("classes-note").textContent = runs.length && runs[0].notes.length ? "说明：" + runs[0].notes.join("；") : "";
      $("class-rows").innerHTML = rows.length ? rows.map((c) => `<tr>
        <td><input type="checkbox" value="${esc(c.id)}"></td><td>${esc(c.id)}</td>
        <td>${esc(c.label)}${c.staff_label ? ' <span class="badge">人工命名</span>' : ""}<div class="muted">${esc(c.terms.join(" "))}</div></td>
        <td>${c.size}</td><td class="spark" title="${esc(c.trend.map((p) => p.month + "：" + p.cases).join("，"))}">${spark(c.trend)}</td>
        <td>${STATUS[c.status] || esc(c.status)}</td><td><button type="button" class="link" data-id="${esc(c.id)}">查看</button></td></tr>`).join("")
        : '<tr><td colspan="7" class="muted">没有问题类。请先运行挖掘（立即挖掘，或 civicgrid classes run）。</td></tr>';
    };
    const unitName = (code) => (units.find((u) => u.code === code) || {}).name || code;
    const loadTickets = async () => {
      const list = await api("/api/insights/tickets");
      $("ticket-rows").innerHTML = list.length ? list.map((t) => `<tr><td><a href="/console/tickets/${t.id}">T${t.id}</a></td>
        <td>${esc(t.class_label)}</td><td>${esc(unitName(t.unit_code))}</td><td>${esc(t.status_label)}</td><td>${esc(t.feedback_due || "—")}</td></tr>`).join("")
        : '<tr><td colspan="5" class="muted">尚无治理工单：在下方选中一个问题类后发起。</td></tr>';
    };
    const show = async (id) => {
      const c = await api("/api/insights/classes/" + encodeURIComponent(id));
      current = c; $("class-detail").hidden = false;
      $("detail-title").textContent = `${c.id} ${c.label}（${c.size} 件）`;
      $("detail-note").textContent = c.note || "";
      $("detail-cases").innerHTML = c.cases.length ? c.cases.map((k) => `<tr><td><a href="/console/cases/${esc(k.number)}">${esc(k.number)}</a></td>
        <td>${esc(k.title)}</td><td>${esc(k.received_at.slice(0, 16).replace("T", " "))}</td><td>${esc(k.status_label || k.status)}</td></tr>`).join("")
        : '<tr><td colspan="4" class="muted">该类当前没有工单。</td></tr>';
    };
    const decide = async (body) => {
      try { error(null); await api("/api/insights/classes/decisions", {method: "POST", body: JSON.stringify(body)}); await load(); } catch (e) { error(e); }
    };
    $("class-status").onchange = load;
    $("class-rows").onclick = (ev) => { if (ev.target.dataset.id) show(ev.target.dataset.id); };
    $("all-classes").onchange = (ev) => document.querySelectorAll("#class-rows input").forEach((b) => { b.checked = ev.target.checked; });
    $("merge-classes").onclick = async () => {
      const ids = [...document.querySelectorAll("#class-rows input:checked")].map((b) => b.value);
      if (ids.length < 2) { error(new Error("请至少勾选两个类再合并")); return; }
      await decide({kind: "merge", class_ids: ids, into: ids[0]});
    };
    $("rename").onclick = async () => {
      const label = $("rename-label").value.trim();
      if (!current || !label) return;
      await decide({kind: "rename", class_id: current.id, label}); await show(current.id);
    };
    $("split").onclick = async () => {
      if (!current) return;
      const children = $("split-spec").value.split(";").map((part) => part.split(":"))
        .filter((p) => p.length === 2).map(([label, terms]) => ({label: label.trim(), terms: terms.split(/[,，]/).map((t) => t.trim()).filter(Boolean)}));
      if (children.length < 2) { error(new Error("拆分格式：名称A:关键词1,关键词2; 名称B:关键词3")); return; }
      await decide({kind: "split", class_id: current.id, children});
    };
    $("run-now").onclick = async () => {
      $("run-info").textContent = "挖掘中…";
      try { error(null); await api("/api/insights/runs", {method: "POST", body: "{}"}); } catch (e) { error(e); }
      await load();
    };
    $("ticket-form").onsubmit = async (ev) => {
      ev.preventDefault();
      const body = Object.fromEntries(new FormData(ev.target)); body.class_id = current.id;
      try { const t = await api("/api/insights/tickets", {method: "POST", body: JSON.stringify(body)}); location.href = "/console/tickets/" + t.id; } catch (e) { error(e); }
    };
    await load();
    await loadTickets();
  }

  async function ticketPage(id) {
    await header();
    const STAGE = {found: "发现", analysis: "分析", governance: "治理", feedback: "反馈", closed: "办结"};
    const error = (e) => { $("ticket-error").textContent = e ? e.message : ""; };
    const show = async () => {
      const t = await api(`/api/insights/tickets/${id}`);
      $("ticket-title").textContent = `治理工单 T${t.id}：${t.class_label}`;
      $("ticket-fields").innerHTML = [["问题类", `${t.class_id} ${t.class_label}`], ["承办单位", t.unit_name], ["阶段", t.status_label],
        ["治理方案", t.plan || "—"], ["发起", `${t.raised_on} ${t.raised_by || ""}`], ["分析期限", t.analysis_due || "—"],
        ["治理期限", t.governance_due || "—"], ["反馈期限", t.feedback_due || "—"]]
        .map(([k, v]) => `<dt>${k}</dt><dd>${esc(v)}</dd>`).join("");
      $("ticket-actions").innerHTML = t.next_statuses.map((s) => `<button type="button" data-status="${s}">转入${STAGE[s]}</button>`).join("");
      $("ticket-events").innerHTML = t.events.map((e) => `<li><b>${esc(e.at.slice(0, 16).replace("T", " "))}</b> ${esc(e.actor_name || "")}：
        ${e.kind === "status" ? `${STAGE[e.from_status]} → ${STAGE[e.to_status]} ` : e.kind === "raised" ? "发起工单 " : ""}${e.kind === "attachment"
          ? `附件 <a href="/api/insights/tickets/${id}/attachments/${encodeURIComponent(e.payload.file)}">${esc(e.text)}</a>（${Math.ceil(e.payload.bytes / 1024)} KB）` : esc(e.text)}</li>`).join("");
    };
    $("ticket-actions").onclick = async (ev) => {
      if (!ev.target.dataset.status) return;
      try { error(null); await api(`/api/insights/tickets/${id}/status`, {method: "POST", body: JSON.stringify({status: ev.target.dataset.status})}); await show(); } catch (e) { error(e); }
    };
    $("note-form").onsubmit = async (ev) => {
      ev.preventDefault();
      try { error(null); await api(`/api/insights/tickets/${id}/notes`, {method: "POST", body: JSON.stringify(Object.fromEntries(new FormData(ev.target)))}); ev.target.reset(); await show(); } catch (e) { error(e); }
    };
    $("file-form").onsubmit = async (ev) => {
      ev.preventDefault();
      const response = await fetch(`/api/insights/tickets/${id}/attachments`, {method: "POST", credentials: "same-origin", body: new FormData(ev.target)});
      const body = await response.json();
      error(response.ok ? null : new Error(body.error ? body.error.message : response.statusText));
      if (response.ok) { ev.target.reset(); await show(); }
    };
    await show();
    const fx = await api(`/api/insights/tickets/${id}/effect`);
    const e = fx.effect;
    $("effect-summary").textContent = e.summary;
    $("effect-notes").innerHTML = fx.notes.map((n) => `<li>${esc(n)}</li>`).join("");
    const months = [...fx.before, ...fx.after].map((p) => p.month);
    const total = [...fx.before, ...fx.after].reduce((s, p) => s + p.cases, 0);
    chart($("effect-chart"), {tooltip: {trigger: "axis"}, legend: {data: ["本年", "去年同期"]},
      xAxis: {type: "category", data: months}, yAxis: {type: "value", name: "件"},
      series: [{name: "本年", type: "bar", data: [...fx.before, ...fx.after].map((p) => p.cases),
        markLine: {data: [{xAxis: fx.after[0].month}], label: {formatter: "工单发起"}}},
        {name: "去年同期", type: "line", data: [...fx.before_last_year, ...fx.after_last_year].map((p) => p.cases)}]},
      $("effect-chart-note"), total ? null : "该类在前后月份均无工单，无图可画。");
  }

  async function heatmapPage() {
    await header();
    const cats = await api("/api/jurisdiction/categories");
    $("heat-category").innerHTML += cats.filter((c) => c.level === 1).map((c) => `<option value="${esc(c.code)}">${esc(c.name)}</option>`).join("");
    // Region outlines come from the grids package (/api/places/regions.geojson?level=…) when installed.
    const outlines = {};
    const regionLayer = async (level) => {
      if (!(level in outlines)) {
        outlines[level] = await fetch("/api/places/regions.geojson?level=" + level, {credentials: "same-origin"})
          .then((r) => r.ok ? r.json() : null).catch(() => null);
      }
      return outlines[level];
    };
    const form = $("heat-form");
    const load = async () => {
      const params = new URLSearchParams();
      for (const [k, v] of new FormData(form)) if (v) params.set(k, v);
      if (params.get("level") === "h3") { params.delete("level"); return loadHexagons(params); }
      const data = await api("/api/insights/heatmap?" + params);
      $("heat-notes").innerHTML = data.notes.map((n) => `<li>${esc(n)}</li>`).join("");
      $("heat-rows").innerHTML = data.regions.length ? data.regions.map((r) => {
        const top = Object.entries(r.categories).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, v]) => `${k} ${v}`).join("，");
        return `<tr><td>${esc(r.name)}</td><td>${esc(r.code)}</td><td>${r.count}</td><td>${esc(top)}</td></tr>`; }).join("")
        : '<tr><td colspan="4" class="muted">所选条件下没有工单。</td></tr>';
      const regions = data.regions.slice(0, 30);
      const catNames = [...new Set(regions.flatMap((r) => Object.keys(r.categories)))];
      chart($("heat-chart"), {tooltip: {}, grid: {left: 140},
        xAxis: {type: "category", data: catNames, axisLabel: {rotate: 30}}, yAxis: {type: "category", data: regions.map((r) => r.name)},
        visualMap: {min: 0, max: Math.max(1, ...regions.flatMap((r) => Object.values(r.categories))), orient: "horizontal", left: "center", bottom: 0},
        series: [{type: "heatmap", data: regions.flatMap((r, y) => catNames.map((c, x) => [x, y, r.categories[c] || 0]))}]},
        $("heat-chart-note"), regions.length ? null : "所选条件下没有工单，热力图为空。");
      drawMap(data, await regionLayer(data.level));
    };
    let hexMap = null;
    const loadHexagons = async (params) => {
      const data = await api("/api/insights/heatmap/h3?" + params);
      $("heat-notes").innerHTML = data.notes.map((n) => `<li>${esc(n)}</li>`).join("");
      $("heat-chart").hidden = true; $("heat-chart-note").textContent = "";
      $("heat-rows").innerHTML = data.cells.length ? data.cells.slice(0, 100).map((c) => `<tr><td>六边形</td><td>${esc(c.code)}</td><td>${c.count}</td><td></td></tr>`).join("")
        : '<tr><td colspan="4" class="muted">所选范围内没有带坐标的工单。</td></tr>';
      if (window.leafletMissing || !window.L) { $("map-note").textContent = "地图库未安装（npm ci），仅显示表格。"; return; }
      if (!data.cells.length) { $("heat-map").hidden = true; $("map-note").textContent = "没有六边形可画。"; return; }
      const el = $("heat-map"); el.hidden = false; $("map-note").textContent = "H3 六边形（分辨率 " + data.resolution + "），无需底图。";
      if (hexMap) hexMap.remove();
      hexMap = L.map(el);
      const max = Math.max(1, ...data.cells.map((c) => c.count));
      const layer = L.geoJSON(data.geojson, {style: (f) => ({weight: 1, color: "#555", fillColor: "#c62828", fillOpacity: 0.15 + 0.7 * f.properties.count / max}),
        onEachFeature: (f, l) => l.bindTooltip(`${f.properties.count} 件`)}).addTo(hexMap);
      hexMap.fitBounds(layer.getBounds());
    };
    const drawMap = (data, geo) => {
      if (!geo || window.leafletMissing || !window.L) {
        $("heat-map").hidden = true;
        $("map-note").textContent = geo ? "地图库未安装（npm ci），仅显示热力图与表格。" : "区域边界（GeoJSON）暂不可用，仅显示热力图与表格。";
        return;
      }
      const el = $("heat-map"); el.hidden = false;
      const counts = Object.fromEntries(data.regions.map((r) => [r.code, r.count]));
      const max = Math.max(1, ...Object.values(counts));
      if (hexMap) hexMap.remove();
      const map = hexMap = L.map(el);
      const layer = L.geoJSON(geo, {filter: (f) => !f.properties.level || f.properties.level === data.level,
        style: (f) => { const n = counts[f.properties.code] || 0; return {weight: 1, color: "#555", fillOpacity: 0.15 + 0.7 * n / max, fillColor: "#c62828"}; },
        onEachFeature: (f, l) => l.bindTooltip(`${f.properties.name || f.properties.code}：${counts[f.properties.code] || 0} 件`)}).addTo(map);
      try { map.fitBounds(layer.getBounds()); } catch (e) { map.setView([22.53, 113.93], 12); }
    };
    form.onsubmit = (ev) => { ev.preventDefault(); load(); };
    await load();
  }

  // ISO week code (2026-W49) of a YYYY-MM-DD day, as the report API names weeks.
  function isoWeek(day) {
    const d = new Date(day + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + 3 - ((d.getUTCDay() + 6) % 7));
    const year = d.getUTCFullYear();
    const week = Math.ceil(((d - Date.UTC(year, 0, 1)) / 86400000 + 1) / 7);  // d is the Thursday
    return `${year}-W${String(week).padStart(2, "0")}`;
  }

  async function dashboardPage() {
    await header();
    const tile = (label, value) => `<div class="tile">${label}<b>${value}</b></div>`;
    const refresh = async () => {
      const d = await api("/api/insights/dashboard");
      $("report-this-week").href = `/api/insights/reports/weekly?format=xlsx&period=${isoWeek(d.today)}`;
      $("dash-time").textContent = "更新于 " + new Date(d.generated_at).toLocaleTimeString("zh-CN", {hour12: false});
      $("dash-totals").innerHTML = tile("今日受理", d.totals.received_today) + tile("今日办结", d.totals.closed_today)
        + tile("在办", d.totals.open) + tile("超期", d.totals.overdue);
      $("dash-rates").innerHTML = Object.entries(d.rates).map(([k, v]) => tile(k + "（30天）", pct(v))).join("");
      $("dash-notes").innerHTML = d.notes.map((n) => `<li>${esc(n)}</li>`).join("");
      const total = d.trend.reduce((s, p) => s + p.cases, 0);
      chart($("dash-trend"), {tooltip: {trigger: "axis"}, xAxis: {type: "category", data: d.trend.map((p) => p.period)},
        yAxis: {type: "value"}, series: [{type: "line", smooth: true, areaStyle: {}, data: d.trend.map((p) => p.cases)}]},
        $("dash-trend-note"), total ? null : "近30天没有工单。");
      const regions = d.heat.regions.slice(0, 15);
      chart($("dash-heat"), {tooltip: {}, grid: {left: 120}, xAxis: {type: "value"}, yAxis: {type: "category", inverse: true, data: regions.map((r) => r.name)},
        visualMap: {show: false, min: 0, max: Math.max(1, ...regions.map((r) => r.count)), inRange: {color: ["#ffe0b2", "#c62828"]}},
        series: [{type: "bar", data: regions.map((r) => r.count)}]}, $("dash-heat-note"), regions.length ? null : "近30天没有带街道信息的工单。");
      const heatNote = $("dash-heat-note");
      heatNote.textContent = [heatNote.textContent, ...d.heat.notes].filter(Boolean).join("；");
      $("dash-classes").innerHTML = d.top_classes.length ? d.top_classes.map((c) => `<li>${esc(c.label)}（${esc(c.id)}）：${c.size} 件${c.heat === null ? "" : "，热度 " + c.heat}</li>`).join("")
        : '<li class="muted">尚无已归类的工单。</li>';
      $("dash-alerts").innerHTML = d.alerts.length ? d.alerts.map((a) => `<li>${esc(a.level)} <a href="/console/risk/alerts/${a.id}">${esc(a.title)}</a> <span class="muted">${esc(a.since || "")}${a.overdue ? "（超时未签收）" : ""}</span></li>`).join("")
        : '<li class="muted">暂无未处置预警。</li>';
    };
    await refresh();
    setInterval(() => refresh().catch(() => {}), 60000);
  }
  return {classesPage, ticketPage, heatmapPage, dashboardPage};
})();
