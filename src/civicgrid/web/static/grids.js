// CivicGrid grid pages: map, grid profile, worker profile, adjustment (plain JS over /api/places).
const GRIDS = (() => {
  const api = CG.api;
  const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));
  const pct = (v) => v === null || v === undefined ? "—" : (100 * v).toFixed(1) + "%";
  const num = (v, d = 2) => v === null || v === undefined ? "—" : Number(v).toFixed(d);
  const STYLE = {
    street: {color: "#1565c0", weight: 3, fill: false},
    community: {color: "#6a1b9a", weight: 2, dashArray: "4 4", fill: false},
    grid: {color: "#607d8b", weight: 1, fillOpacity: 0.05},
    gas: {color: "#ef6c00", weight: 2, dashArray: "6 3", fillOpacity: 0.05},
  };

  async function header() {
    const me = await api("/api/auth/me");
    document.getElementById("who").textContent = `${me.display_name}（${me.role_name}）`;
    document.getElementById("logout").onclick = async () => {
      await api("/api/auth/logout", {method: "POST"}); location.href = "/console/login"; };
    return me;
  }

  function baseMap(element) {
    if (window.leafletMissing || typeof L === "undefined") {
      element.textContent = "地图组件未安装（npm install 后可用），下方数据仍可查看。";
      return null;
    }
    const map = L.map(element, {preferCanvas: true}).setView([22.54, 113.93], 12);
    const tiles = element.dataset.tileUrl;
    if (tiles) L.tileLayer(tiles, {maxZoom: 19}).addTo(map);
    return map;
  }

  function regionLayer(collection, style, link) {
    return L.geoJSON(collection, {style, onEachFeature: (f, layer) => {
      const p = f.properties;
      const tag = p.generated ? "（生成）" : "";
      layer.bindTooltip(`${esc(p.name)} ${esc(p.code)}${tag}`, {sticky: true});
      if (link) layer.on("click", () => { location.href = `/console/grids/${encodeURIComponent(p.code)}`; });
    }});
  }

  async function mapPage() {
    await header();
    const element = document.getElementById("map");
    const map = baseMap(element);
    const form = document.getElementById("map-form");
    const layers = {};
    const note = document.getElementById("map-note");
    for (const level of ["street", "community", "grid"]) {
      const data = await api(`/api/places/regions.geojson?level=${level}`);
      const source = (data.shapes_note || "").startsWith("real") ? "真实街道边界" :
        (data.shapes_note || "").startsWith("generated") ? "生成的街道形状（缺少真实边界文件）" : "导入的网格图层";
      note.textContent = `底图：${source}（${data.shapes_note || ""}）；网格版本 ${data.version_id}` +
        (data.features.some((f) => f.properties.generated) ? "；社区与网格为生成的演示数据" : "");
      if (map) layers[level] = regionLayer(data, STYLE[level], level === "grid");
    }
    if (!map) return;
    layers.gas = regionLayer(await api("/api/places/professional.geojson?kind=gas"), STYLE.gas, false);
    const bounds = layers.street.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds);
    let markers = null;
    const sync = () => {
      for (const [name, layer] of Object.entries(layers)) {
        const on = form.elements[name] && form.elements[name].checked;
        if (on && !map.hasLayer(layer)) layer.addTo(map);
        if (!on && map.hasLayer(layer)) map.removeLayer(layer);
      }
    };
    form.onchange = sync; sync();
    const end = new Date(); const start = new Date(Date.now() - 30 * 86400000);
    form.elements.start.value = start.toISOString().slice(0, 10);
    form.elements.end.value = end.toISOString().slice(0, 10);
    form.onsubmit = async (ev) => {
      ev.preventDefault();
      const q = new URLSearchParams({start: form.elements.start.value, end: form.elements.end.value});
      const data = await api(`/api/places/cases.geojson?${q}`);
      if (markers) map.removeLayer(markers);
      markers = L.geoJSON(data, {pointToLayer: (f, latlng) => L.circleMarker(latlng, {radius: 5,
          color: f.properties.status === "closed" ? "#2e7d32" : "#c62828", weight: 1, fillOpacity: 0.7}),
        onEachFeature: (f, layer) => layer.bindPopup(`<a href="/console/cases/${esc(f.properties.number)}">${esc(f.properties.number)}</a><br>${esc(f.properties.title)}<br>${esc(f.properties.status_label)} · 网格 ${esc(f.properties.grid_code)}${f.properties.generated ? "（生成）" : ""}`)}).addTo(map);
      document.getElementById("map-status").textContent = `显示 ${data.features.length} 件有坐标的诉求`;
    };
    form.onsubmit(new Event("submit"));
  }

  async function gridPage() {
    await header();
    const code = document.getElementById("grid-profile").dataset.code;
    const p = await api(`/api/places/grids/${encodeURIComponent(code)}/profile`);
    document.getElementById("grid-title").textContent = `${p.name}（${p.code}）`;
    if (p.generated) document.getElementById("grid-generated").innerHTML = '<span class="badge">生成</span>';
    const workers = p.workers.map((w) => `<a href="/console/workers/${w.user_id}">${esc(w.name)}</a>`).join("、") || "未配置";
    const rows = [["社区", p.community.name], ["街道", p.street.name], ["面积", `${num(p.area_km2, 3)} km²`],
      ["房屋", p.counts.houses], ["人口", p.counts.population], ["企业", p.counts.enterprises],
      ["诉求总数", p.cases.total], ["单元工作量（生成）", num(p.unit_workload.hours)]];
    document.getElementById("grid-fields").innerHTML = rows.map(([k, v]) => `<dt>${k}</dt><dd>${esc(v)}</dd>`).join("") +
      `<dt>网格员</dt><dd>${workers}</dd>`;
    const w = p.workload;
    document.getElementById("workload-total").textContent = `合计 ${num(w.total_hours)}`;
    document.getElementById("workload-note").textContent = `诉求按近 ${w.window_months} 个月月均计；未接入：${w.not_linked.join("、") || "无"}`;
    document.getElementById("workload-rows").innerHTML = w.parts.map((x) =>
      `<tr><td>${esc(x.name)}</td><td>${esc(x.detail)}</td><td>${num(x.quantity)}</td><td>${num(x.rate)}</td><td>${num(x.hours)}</td><td>${esc(x.basis)}</td></tr>`).join("");
    const months = [...new Set(Object.values(p.cases.by_category_month).flatMap((r) => Object.keys(r)))].sort();
    document.getElementById("cases-head").innerHTML = `<tr><th>类别</th>${months.map((m) => `<th>${m}</th>`).join("")}<th>合计</th></tr>`;
    document.getElementById("cases-rows").innerHTML = Object.entries(p.cases.by_category_month).map(([name, r]) =>
      `<tr><td>${esc(name)}</td>${months.map((m) => `<td>${r[m] || 0}</td>`).join("")}<td>${Object.values(r).reduce((a, b) => a + b, 0)}</td></tr>`).join("");
    document.getElementById("overlay").innerHTML = p.professional.map((o) =>
      `<li>${esc(o.name)}（${esc(o.kind)}）：占本网格 ${pct(o.share_of_basic)}</li>`).join("") || "<li>无</li>";
    const map = baseMap(document.getElementById("map"));
    if (map) {
      const layer = regionLayer(await api(`/api/places/grids/${encodeURIComponent(code)}`), STYLE.grid, false).addTo(map);
      map.fitBounds(layer.getBounds());
    }
  }

  async function workerPage() {
    await header();
    const id = document.getElementById("worker-profile").dataset.user;
    const p = await api(`/api/places/workers/${id}/profile`);
    document.getElementById("worker-name").textContent = p.name;
    document.getElementById("worker-grids").innerHTML = p.grids.map((g) =>
      `<li><a href="/console/grids/${esc(g.grid_code)}">${esc(g.grid_code)}</a> ${esc(g.since || "")}${g.until ? " 至 " + esc(g.until) : ""}</li>`).join("");
    const s = p.summary;
    document.getElementById("worker-summary").innerHTML = [["诉求", s.cases], ["办结", s.closed],
      ["按时办结率", pct(s.on_time_rate)], ["按时响应率", pct(s.response_rate)],
      ["满意率", pct(s.satisfaction_rate)], ["重办率", pct(s.reopen_rate)]].map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("");
    document.getElementById("worker-trend").innerHTML = p.trend.map((t) =>
      `<tr><td>${t.month}</td><td>${t.cases}</td><td>${t.closed}</td><td>${pct(t.on_time_rate)}</td><td>${pct(t.response_rate)}</td><td>${pct(t.satisfaction_rate)}</td><td>${pct(t.reopen_rate)}</td></tr>`).join("");
  }

  async function adjustmentPage() {
    await header();
    const streets = await api("/api/jurisdiction/regions?level=street");
    document.getElementById("plan-street").innerHTML = streets.map((s) => `<option value="${esc(s.code)}">${esc(s.name)}</option>`).join("");
    const form = document.getElementById("plan-form");
    const error = document.getElementById("plan-error");
    let map = null; let unitsLayer = null; let current = null;
    const versions = async () => {
      const rows = await api("/api/places/versions");
      document.getElementById("version-rows").innerHTML = rows.map((v) =>
        `<tr><td>${v.id}${v.in_force ? " ✔" : ""}</td><td>${esc(v.status)}</td><td>${esc(v.source)}</td><td>${esc(v.effective_on || "")}</td><td>${v.grids}</td><td>${esc(v.note || "")}</td></tr>`).join("");
    };
    const plans = async () => {
      const rows = await api("/api/places/adjustments");
      document.getElementById("plan-rows").innerHTML = rows.map((p) =>
        `<tr><td><a href="#" data-plan="${p.id}">${p.id}</a></td><td>${esc(p.street_code)}</td><td>${esc(p.mode)}</td><td>${esc(p.status)}</td><td>${p.moved_units.length}</td><td>${num(p.before.cv, 3)} → ${num(p.after.cv, 3)}</td><td>${p.feasible ? "是" : "否"}</td></tr>`).join("");
      document.querySelectorAll("[data-plan]").forEach((a) => { a.onclick = (ev) => { ev.preventDefault(); show(a.dataset.plan); }; });
    };
    const show = async (id) => {
      const p = await api(`/api/places/adjustments/${id}`);
      current = p;
      document.getElementById("plan-detail").hidden = false;
      document.getElementById("plan-id").textContent = `#${p.id}（${p.street_code}，${p.generated ? "生成的工作量" : "工作量"}）`;
      document.getElementById("plan-status").textContent = p.status;
      document.getElementById("plan-message").textContent = p.message;
      const keys = [["cv", "变异系数 CV"], ["max_min_ratio", "最大/最小"], ["gini", "基尼系数"], ["within_tolerance", "容差内网格数"], ["max_deviation", "最大偏差"], ["compactness", "紧凑度"], ["contiguous", "连通"]];
      document.getElementById("plan-metrics").innerHTML = keys.map(([k, label]) => `<tr><td>${label}</td><td>${esc(p.before[k])}</td><td>${esc(p.after[k])}</td></tr>`).join("");
      document.getElementById("plan-moves").innerHTML = p.moved_units.map((m) => `<tr><td>${esc(m.unit)}</td><td><a href="/console/grids/${esc(m.from)}">${esc(m.from)}</a></td><td><a href="/console/grids/${esc(m.to)}">${esc(m.to)}</a></td></tr>`).join("");
      document.getElementById("plan-approve").disabled = p.status !== "proposed";
      document.getElementById("plan-apply").disabled = p.status !== "approved";
      map = map || baseMap(document.getElementById("map"));
      if (!map) return;
      if (unitsLayer) map.removeLayer(unitsLayer);
      const units = await api(`/api/places/adjustments/${id}/units.geojson`);
      const unitStyle = (f) => {
        const k = f.properties.kind;
        if (k === "grid_before") return {color: "#1565c0", weight: 3, dashArray: "6 4", fill: false};
        if (k === "grid_after") return {color: "#2e7d32", weight: 3, fill: false};
        return f.properties.moved ? {color: "#c62828", weight: 1, fillOpacity: 0.5} : {color: "#90a4ae", weight: 1, fillOpacity: 0.1};
      };
      unitsLayer = L.geoJSON(units, {style: unitStyle,
        onEachFeature: (f, layer) => layer.bindTooltip(f.properties.kind === "unit"
          ? `${esc(f.properties.id)}：${esc(f.properties.grid_before)} → ${esc(f.properties.grid_after)}（工作量 ${num(f.properties.workload)}，生成）`
          : `${f.properties.kind === "grid_before" ? "调整前" : "调整后"} ${esc(f.properties.grid)}`, {sticky: true})}).addTo(map);
      map.fitBounds(unitsLayer.getBounds());
    };
    form.onsubmit = async (ev) => {
      ev.preventDefault();
      error.textContent = "计算中…";
      const data = Object.fromEntries(new FormData(form));
      const body = {street_code: data.street_code, mode: data.mode, tolerance: Number(data.tolerance), seed: Number(data.seed)};
      if (data.max_moves !== "") body.max_moves = Number(data.max_moves);
      try {
        const plan = await api("/api/places/adjustments", {method: "POST", body: JSON.stringify(body)});
        error.textContent = ""; await plans(); await show(plan.id);
      } catch (e) { error.textContent = e.message; }
    };
    document.getElementById("plan-approve").onclick = async () => {
      try { await api(`/api/places/adjustments/${current.id}/approve`, {method: "POST"}); await plans(); await show(current.id); }
      catch (e) { error.textContent = e.message; }
    };
    document.getElementById("plan-apply").onclick = async () => {
      const date = document.getElementById("plan-date").value;
      try {
        const r = await api(`/api/places/adjustments/${current.id}/apply`, {method: "POST", body: JSON.stringify(date ? {effective_on: date} : {})});
        error.textContent = `已应用为网格版本 ${r.version.id}，移动未办结诉求 ${r.cases_moved} 件`;
        await plans(); await versions(); await show(current.id);
      } catch (e) { error.textContent = e.message; }
    };
    document.getElementById("diff-form").onsubmit = async (ev) => {
      ev.preventDefault();
      const f = ev.target.elements;
      try {
        const d = await api(`/api/places/versions/diff?a=${f.a.value}&b=${f.b.value}`);
        document.getElementById("diff-out").textContent = `新增 ${d.added.length}，删除 ${d.removed.length}，变化 ${d.changed.length}，未变 ${d.unchanged}，移动单元 ${d.moved_units.length}\n` +
          d.changed.map((c) => `${c.grid_code}: ${c.area_before_m2} → ${c.area_after_m2} m²（变化 ${c.changed_area_m2} m²）`).join("\n");
      } catch (e) { document.getElementById("diff-out").textContent = e.message; }
    };
    await plans(); await versions();
  }

  return {mapPage, gridPage, workerPage, adjustmentPage};
})();
