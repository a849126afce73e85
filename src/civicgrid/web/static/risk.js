// CivicGrid risk early warning pages (风险预警): alert board, one alert, daily report.
// Plain JS over /api/risk/*; reuses CG.api from console.js for requests and errors.
const Risk = (() => {
  const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));
  const fmt = (t) => t ? new Date(t).toLocaleString("zh-CN", {timeZone: "Asia/Shanghai", hour12: false}) : "";
  let labels = {types: {}, statuses: {}, severities: {}, actions: {}};

  async function header() {
    const me = await CG.api("/api/auth/me");
    document.getElementById("who").textContent = `${me.display_name}（${me.role_name}）`;
    document.getElementById("logout").onclick = async () => {
      await CG.api("/api/auth/logout", {method: "POST"}); location.href = "/console/login"; };
    labels = await CG.api("/api/risk/labels");
    return me;
  }
  const sev = (s) => `<span class="sev ${esc(s)}">${esc(labels.severities[s] || s)}</span>`;
  const status = (a) => esc(a.status_label) + (a.overdue ? ' <span class="badge red">超时未签收</span>' : "");

  async function boardPage() {
    await header();
    const form = document.getElementById("risk-filters");
    const load = async () => {
      const params = new URLSearchParams();
      for (const [k, v] of new FormData(form)) if (v) params.set(k, v);
      const page = await CG.api("/api/risk/alerts?" + params);
      document.getElementById("risk-count").textContent = `共 ${page.total} 条`;
      document.getElementById("risk-rows").innerHTML = page.items.length ? page.items.map((a) => `
        <tr class="${a.overdue ? "overdue" : ""}">
          <td><a href="/console/risk/alerts/${a.id}">#${a.id}</a></td><td>${sev(a.severity)}</td>
          <td>${esc(labels.types[a.type] || a.type)}</td>
          <td><a href="/console/risk/alerts/${a.id}">${esc(a.title)}</a></td><td>${status(a)}</td>
          <td>${esc(a.unit_name || "未指定")}</td><td>${fmt(a.detected_at)}</td><td>${fmt(a.notify_due)}</td>
        </tr>`).join("") : '<tr><td colspan="8" class="muted">没有符合条件的预警</td></tr>';
    };
    form.onsubmit = (ev) => { ev.preventDefault(); load(); };
    await load();
  }

  function evidenceRows(a) {
    const ev = a.evidence || {};
    const subject = Object.entries(a.subject || {}).filter(([, v]) => v).map(([k, v]) => `${k}：${v}`).join("，");
    return [["对象", subject], ["方法", ev.method], ["统计量", ev.statistic], ["基线", ev.baseline],
      ["p 值", ev.p_value], ["得分", ev.score], ["说明", ev.note], ["工单数", (ev.case_ids || []).length]]
      .filter((r) => r[1] !== null && r[1] !== undefined && r[1] !== "")
      .map(([k, v]) => `<dt>${k}</dt><dd>${esc(v)}</dd>`).join("");
  }

  async function alertPage() {
    await header();
    const id = document.getElementById("alert").dataset.id;
    const form = document.getElementById("alert-form");
    const show = async () => {
      const a = await CG.api(`/api/risk/alerts/${id}`);
      document.getElementById("alert-title").innerHTML = `${sev(a.severity)} #${a.id} ${esc(a.title)}`;
      const rows = [["类型", labels.types[a.type] || a.type], ["状态", a.status_label + (a.overdue ? "（超时未签收）" : "")],
        ["责任单位", a.unit_name || "未指定"], ["发现时间", fmt(a.detected_at)], ["签收时限", fmt(a.notify_due)],
        ["通知时间", fmt(a.notified_at)], ["签收时间", fmt(a.acknowledged_at)], ["处置时间", fmt(a.handled_at)],
        ["关闭时间", fmt(a.closed_at)], ["来源", a.source === "daily" ? "每日研判" : "实时检测"]];
      document.getElementById("alert-fields").innerHTML = rows.filter((r) => r[1])
        .map(([k, v]) => `<dt>${k}</dt><dd>${esc(v)}</dd>`).join("");
      document.getElementById("alert-evidence").innerHTML = evidenceRows(a);
      document.getElementById("alert-cases").innerHTML = a.cases.map((c) => c.missing
        ? `<tr><td>${esc(c.number)}</td><td colspan="4" class="muted">工单不存在</td></tr>`
        : `<tr><td><a href="/console/cases/${esc(c.number)}">${esc(c.number)}</a></td>
           <td>${esc(c.title)} ${c.generated ? '<span class="generated">（演示数据）</span>' : ""}</td>
           <td>${esc(c.location_text)}</td><td>${esc(c.status_label)}</td><td>${fmt(c.received_at)}</td></tr>`).join("");
      document.getElementById("alert-actions").innerHTML = a.allowed_actions.length
        ? a.allowed_actions.map((x) => `<button type="button" data-action="${x}">${esc(labels.actions[x] || x)}</button>`).join("")
        : '<span class="muted">当前状态下您没有可执行的操作</span>';
      document.getElementById("alert-timeline").innerHTML = a.timeline.map((e) =>
        `<li><b>${fmt(e.at)}</b> ${esc(e.actor_name || "")} · ${esc(e.label)}
         ${e.to_status && e.to_status !== e.from_status ? "→ " + esc(labels.statuses[e.to_status] || e.to_status) : ""}
         <span class="muted">${esc(e.note || (e.payload.added_cases ? "新增工单 " + e.payload.added_cases.join("、") : ""))}</span></li>`).join("");
    };
    document.getElementById("alert-actions").onclick = (ev) => {
      const action = ev.target.dataset.action; if (!action) return;
      form.dataset.action = action; form.hidden = false;
      document.getElementById("alert-action-name").textContent = labels.actions[action] || action;
    };
    document.getElementById("alert-cancel").onclick = () => { form.hidden = true; };
    form.onsubmit = async (ev) => {
      ev.preventDefault();
      const note = form.querySelector("[name=note]").value;
      try {
        await CG.api(`/api/risk/alerts/${id}/actions/${form.dataset.action}`,
          {method: "POST", body: JSON.stringify(note ? {note} : {})});
        form.hidden = true; form.reset(); document.getElementById("alert-error").textContent = ""; await show();
      } catch (e) { document.getElementById("alert-error").textContent = e.message; }
    };
    await show();
  }

  function section(title, rows) {
    if (!rows.length) return `<h2>${title}（0）</h2><p class="muted">无。</p>`;
    return `<h2>${title}（${rows.length}）</h2><table class="cases"><thead><tr><th>编号</th><th>等级</th>
      <th>类型</th><th>预警内容</th><th>责任单位</th><th>状态</th><th>签收时限</th></tr></thead><tbody>${rows.map((r) => `
      <tr><td><a href="/console/risk/alerts/${esc(r.id)}">#${esc(r.id)}</a></td><td>${sev(r.severity)}</td>
      <td>${esc(labels.types[r.type] || r.type)}</td><td>${esc(r.title)}</td><td>${esc(r.unit)}</td>
      <td>${esc(r.status)}</td><td>${esc(r.due)}</td></tr>`).join("")}</tbody></table>`;
  }

  async function reportPage() {
    await header();
    const input = document.getElementById("report-day");
    input.value = new Date().toLocaleDateString("sv-SE", {timeZone: "Asia/Shanghai"});
    const load = async () => {
      const day = input.value;
      document.getElementById("export-xlsx").href = `/api/risk/report.xlsx?day=${day}`;
      document.getElementById("export-docx").href = `/api/risk/report.docx?day=${day}`;
      const data = await CG.api(`/api/risk/report?day=${day}`);
      const bySev = Object.entries(data.counts.today_by_severity).map(([s, n]) => `${labels.severities[s] || s} ${n}`).join("，");
      document.getElementById("report-summary").textContent =
        `${data.day}：今日预警 ${data.counts.today} 条${bySev ? "（" + bySev + "）" : ""}，状态变化 ${data.counts.changed} 条，超时未签收 ${data.counts.overdue} 条。`;
      document.getElementById("report-sections").innerHTML = section("今日预警", data.today)
        + section("状态变化", data.changed) + section("超时未处置", data.overdue);
    };
    document.getElementById("report-form").onsubmit = (ev) => { ev.preventDefault(); load(); };
    await load();
  }
  return {boardPage, alertPage, reportPage};
})();
