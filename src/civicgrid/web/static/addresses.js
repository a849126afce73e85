// CivicGrid address pages: the base, geocoding and gas verification tasks (console), and the
// public doorplate page. Plain JS over /api/addresses.
const ADDRESSES = (() => {
  const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));
  const RESULTS = {residents_found: "发现居住人员", vacant: "空置", business_use: "经营使用", other: "其他"};

  async function houses(q) {
    const data = await CG.api(`/api/addresses/houses?limit=50&q=${encodeURIComponent(q || "")}`);
    document.getElementById("addr-houses").innerHTML = data.houses.map((h) =>
      `<tr><td>${esc(h.code)}</td><td>${esc(h.address)}${h.generated ? "（生成）" : ""}</td>` +
      `<td>${esc(h.grid_code)}</td><td><a href="/door/${encodeURIComponent(h.code)}">门牌页</a> ` +
      `<a href="/api/addresses/door/${encodeURIComponent(h.code)}/qr.svg">二维码</a></td></tr>`).join("");
  }

  async function geocode(text) {
    const r = await CG.api("/api/addresses/geocode", {method: "POST", body: JSON.stringify({text})});
    const rows = [["定位层级", r.level || "未定位"], ["置信度", r.confidence], ["房屋", r.house_code],
      ["楼栋", r.building_code], ["网格", r.grid_code], ["社区", r.community_code],
      ["街道", r.street_code], ["需人工复核", r.needs_review ? "是" : "否"]];
    document.getElementById("addr-geocode-result").innerHTML =
      rows.map(([k, v]) => `<dt>${k}</dt><dd>${esc(v ?? "—")}</dd>`).join("");
  }

  async function tasks() {
    const data = await CG.api("/api/addresses/gas/tasks");
    const s = data.summary;
    document.getElementById("gas-summary").textContent =
      `待核查 ${s.open}，已核查 ${s.done}，发现居住人员 ${s.residents_found} 人`;
    document.getElementById("gas-tasks").innerHTML = data.tasks.map((t) =>
      `<tr><td>${t.id}</td><td>${esc(t.address)}</td><td>${esc(t.usage_m3)}</td><td>${esc(t.grid_code)}</td>` +
      `<td>${t.status === "open" ? "待核查" : esc(RESULTS[t.result] || t.result)}</td><td>` +
      (t.status === "open" ? `<select data-task="${t.id}">${Object.entries(RESULTS).map(([k, v]) =>
        `<option value="${k}">${v}</option>`).join("")}</select> <input type="number" min="0" max="50" size="3" data-count="${t.id}" placeholder="人数"> <button data-send="${t.id}">提交</button>` :
        esc(t.residents_found ?? "")) + "</td></tr>").join("");
    document.querySelectorAll("button[data-send]").forEach((b) => { b.onclick = () => feedback(b.dataset.send); });
  }

  async function feedback(id) {
    const result = document.querySelector(`select[data-task="${id}"]`).value;
    const count = Number(document.querySelector(`input[data-count="${id}"]`).value || 0);
    await CG.api(`/api/addresses/gas/tasks/${id}/result`, {method: "POST",
      body: JSON.stringify({result, residents_found: result === "residents_found" ? count : null})});
    await tasks();
  }

  async function consolePage() {
    document.getElementById("addr-search").onsubmit = (e) => { e.preventDefault(); houses(e.target.q.value); };
    document.getElementById("addr-geocode").onsubmit = (e) => { e.preventDefault(); geocode(e.target.text.value); };
    document.getElementById("gas-demo").onclick = async () => {
      await CG.api("/api/addresses/gas/link", {method: "POST", body: JSON.stringify({demo: true})});
      await tasks();
    };
    await houses("");
    await tasks();
  }

  async function doorPage() {
    const code = document.getElementById("door").dataset.code;
    const answer = await fetch(`/api/addresses/door/${encodeURIComponent(code)}`);
    if (!answer.ok) { document.getElementById("door-address").textContent = "未找到该门牌"; return; }
    const d = await answer.json();
    document.getElementById("door-address").textContent = d.address;
    const workers = d.grid_workers.map((w) => w.name).join("、") || "—";
    const head = d.building_head ? `${d.building_head.name} ${d.building_head.phone || ""}` : "—";
    document.getElementById("door-contacts").innerHTML =
      `<dt>门牌编码</dt><dd>${esc(d.code)}</dd><dt>网格</dt><dd>${esc(d.grid_code)}</dd>` +
      `<dt>网格员</dt><dd>${esc(workers)}</dd><dt>楼栋长</dt><dd>${esc(head)}</dd>`;
    document.getElementById("door-services").innerHTML = d.services.map((s) => `<li>${esc(s.name)}</li>`).join("");
    document.getElementById("door-report").href = d.report_url;
    if (d.generated) document.getElementById("door-note").textContent = "演示数据：此地址为生成的演示地址。";
  }

  return {consolePage, doorPage};
})();
