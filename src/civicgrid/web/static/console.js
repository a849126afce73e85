// CivicGrid staff console: small page scripts over the JSON API (no framework).
const CG = (() => {
  const ACTION_FIELDS = {
    dispatch: [["unit_code", "承办单位", "unit"], ["unit_codes", "协办单位（可多选）", "units"]],
    reassign: [["unit_code", "改派至", "unit"], ["reason", "改派原因", "text"]],
    return: [["reason", "退单原因", "text"]],
    reply: [["text", "答复内容", "textarea"]],
    review: [["passed", "审核结果", "passed"], ["reason", "退回原因（不通过时必填）", "text"]],
    return_visit: [["satisfaction", "回访结果", "satisfaction"]],
    close: [["reason", "办结说明", "text"]],
    request_extension: [["days", "延期工作日数", "number"], ["reason", "延期原因", "text"]],
    decide_extension: [["approve", "审批", "approve"], ["reason", "意见", "text"]],
    whistle: [["unit_codes", "吹哨召集单位", "units"], ["hours", "报到时限（工作小时）", "number"], ["reason", "说明", "text"]],
    report_in: [["text", "报到情况", "textarea"]],
    supervise: [["text", "督办意见", "textarea"], ["days", "督办期限（工作日）", "number"]],
    merge: [["into_number", "合并到工单编号", "text"]],
    override_audit: [["reason", "改判通过的理由", "text"]],
    accept: [], start: [],
  };
  const ACTION_LABELS = {dispatch: "分拨", reassign: "改派", accept: "签收", return: "退单",
    start: "开始办理", reply: "答复", review: "审核", return_visit: "回访", close: "办结",
    request_extension: "申请延期", decide_extension: "审批延期", whistle: "吹哨",
    report_in: "报到", supervise: "督办", merge: "合并", override_audit: "改判通过",
    create: "受理", overdue: "超期", deadline_near: "即将到期", deadline_recomputed: "期限重算",
    external_update: "外部系统更新", city_send_failed: "市平台回传失败", city_sent: "市平台回传",
    attachment: "附件", grid_note: "网格员现场记录", placed: "定位到网格", grid_changed: "网格调整",
    priority_raised: "优先级上调", categorised: "确认类别", geocoded: "地址定位"};
  // Labels of cases/states.py's STATUS_LABELS and PRIORITIES, for the timeline and suggestions.
  const STATUS_LABELS = {received: "已受理", dispatched: "已分拨", accepted: "已签收",
    in_progress: "办理中", replied: "已答复待审核", reviewed: "已审核待回访", closed: "已办结",
    returned: "已退单", merged: "已合并"};
  const PRIORITY_LABELS = {normal: "一般", urgent: "紧急", critical: "特急"};
  let units = [];

  async function api(path, options = {}) {
    const response = await fetch(path, {credentials: "same-origin",
      headers: {"Content-Type": "application/json"}, ...options});
    if (response.status === 401 && !location.pathname.endsWith("/login")) {
      location.href = "/console/login"; throw new Error("login required");
    }
    const body = response.status === 204 ? null : await response.json();
    if (!response.ok) {
      const e = body && body.error ? body.error : {message: response.statusText};
      const err = new Error(e.message + (e.allowed ? "（可执行：" + e.allowed.join("、") + "）" : ""));
      err.detail = e; throw err;
    }
    return body;
  }
  const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));
  const fmt = (t) => t ? new Date(t).toLocaleString("zh-CN", {timeZone: "Asia/Shanghai", hour12: false}) : "";
  const unitName = (code) => (units.find((u) => u.code === code) || {}).name || code || "";

  async function header() {
    const me = await api("/api/auth/me");
    document.getElementById("who").textContent = `${me.display_name}（${me.role_name}）`;
    document.getElementById("logout").onclick = async () => {
      await api("/api/auth/logout", {method: "POST"}); location.href = "/console/login"; };
    units = await api("/api/jurisdiction/units");
    const unread = await api("/api/inbox?unread=true");
    if (unread.length) document.getElementById("inbox-link").textContent = `消息（${unread.length}）`;
    return me;
  }

  function loginPage() {
    document.getElementById("login-form").onsubmit = async (ev) => {
      ev.preventDefault();
      const form = new FormData(ev.target);
      try {
        await api("/api/auth/login", {method: "POST", body: JSON.stringify(Object.fromEntries(form))});
        location.href = "/console";
      } catch (e) { document.getElementById("login-error").textContent = "登录失败：" + e.message; }
    };
  }

  async function queuePage() {
    const me = await header();
    const form = document.getElementById("filters");
    let preset = new URLSearchParams();
    let items = [];
    const canDispatch = ["admin", "dispatcher"].includes(me.role);
    if (canDispatch) {
      document.getElementById("bulk").hidden = false;
      document.getElementById("bulk-unit").innerHTML = units.map((u) => `<option value="${esc(u.code)}">${esc(u.name)}</option>`).join("");
    }
    const load = async () => {
      const params = new URLSearchParams(preset);
      if (params.get("mine")) {
        params.delete("mine");
        if (me.unit_code) params.set("unit", me.unit_code);
      }
      for (const [k, v] of new FormData(form)) if (v) params.set(k, v);
      const page = await api("/api/cases?" + params);
      items = page.items;
      document.getElementById("count").textContent = `共 ${page.total} 件`;
      document.getElementById("rows").innerHTML = page.items.map((c) => `
        <tr class="${c.overdue ? "overdue" : ""}" data-number="${esc(c.number)}">
          <td><input type="checkbox" class="pick" value="${esc(c.number)}" ${c.allowed_actions.includes("dispatch") ? "" : "disabled"}></td>
          <td><a href="/console/cases/${esc(c.number)}">${esc(c.number)}</a></td>
          <td>${esc(c.title)} ${c.supervised ? '<span class="badge red">督办</span>' : ""}
              ${c.reopen_count ? `<span class="badge">重办${c.reopen_count}</span>` : ""}</td>
          <td><span class="badge">${esc(c.status_label)}</span>${c.overdue ? ' <span class="badge red">超期</span>' : ""}</td>
          <td>${esc(c.lead_unit_name || "")}</td><td>${fmt(c.received_at)}</td>
          <td>${fmt(c.completion_due)}${c.deadline_provisional ? "（暂估）" : ""}</td></tr>`).join("");
    };
    form.onsubmit = (ev) => { ev.preventDefault(); load(); };
    for (const button of document.querySelectorAll("[data-preset]")) {
      button.onclick = () => { preset = new URLSearchParams(button.dataset.preset); load(); };
    }
    document.getElementById("select-all").onchange = (ev) => {
      for (const box of document.querySelectorAll(".pick:not(:disabled)")) box.checked = ev.target.checked;
    };
    document.getElementById("bulk-go").onclick = async () => {
      const unit = document.getElementById("bulk-unit").value;
      const picked = [...document.querySelectorAll(".pick:checked")].map((b) => b.value);
      let done = 0; const failed = [];
      for (const number of picked) {
        const c = items.find((i) => i.number === number);
        try {
          await api(`/api/cases/${number}/actions/dispatch`, {method: "POST", body: JSON.stringify({version: c.version, unit_code: unit})});
          done += 1;
        } catch (e) { failed.push(`${number}：${e.message}`); }
      }
      document.getElementById("bulk-result").textContent = `已分拨 ${done} 件` + (failed.length ? `，失败 ${failed.length} 件：${failed.join("；")}` : "");
      await load();
    };
    await load();
  }

  function input(name, kind) {
    const unitOptions = units.map((u) => `<option value="${esc(u.code)}">${esc(u.name)}</option>`).join("");
    if (kind === "unit") return `<select name="${name}">${unitOptions}</select>`;
    if (kind === "units") return `<select name="${name}" multiple size="5">${unitOptions}</select>`;
    if (kind === "textarea") return `<textarea name="${name}" rows="4"></textarea>`;
    if (kind === "number") return `<input name="${name}" type="number" min="1">`;
    if (kind === "passed") return `<select name="${name}"><option value="true">通过</option><option value="false">退回</option></select>`;
    if (kind === "approve") return `<select name="${name}"><option value="true">同意</option><option value="false">不同意</option></select>`;
    if (kind === "satisfaction") return `<select name="${name}"><option value="satisfied">满意</option><option value="basic">基本满意</option><option value="dissatisfied">不满意</option></select>`;
    return `<input name="${name}">`;
  }

  // Spans from the server count Unicode code points; Array.from splits a string into code
  // points, so an emoji before an address does not shift the highlight (trap NLP-03).
  function highlight(text, spans) {
    const chars = Array.from(text || "");
    const sorted = [...spans].sort((a, b) => a.start - b.start);
    let out = "", at = 0;
    for (const span of sorted) {
      if (span.start < at || span.end > chars.length) continue;
      out += esc(chars.slice(at, span.start).join(""));
      out += `<mark class="span" data-kind="${esc(span.kind)}">${esc(chars.slice(span.start, span.end).join(""))}</mark>`;
      at = span.end;
    }
    return out + esc(chars.slice(at).join(""));
  }

  function renderSuggestions(c) {
    const box = document.getElementById("suggestions");
    const s = c.suggestions;
    if (!s) { box.innerHTML = ""; return; }
    const cat = s.category;
    const spans = (s.facts || []).filter((f) => f.start !== null && f.kind === "address");
    const canSet = c.allowed_actions.includes("dispatch");
    box.innerHTML = `<h2>智能识别建议</h2>
      <p id="case-text-marked" class="marked">${highlight(c.text, spans)}</p>
      <dl class="fields">
        <dt>建议类别</dt><dd>${esc(s.category_name || "—")}${cat ? `（置信度 ${(cat.confidence * 100).toFixed(0)}%，模型 ${esc(cat.model_version)}）` : ""}
          ${s.triage ? '<span class="badge red">待人工分类</span>' : ""}
          ${canSet && s.category_code ? `<button type="button" class="link" id="accept-category">采纳类别</button>` : ""}</dd>
        <dt>建议承办</dt><dd>${esc(s.unit_name || "—")} <span class="muted">${esc((s.unit && s.unit.reason) || s.unit_source || "")}</span></dd>
        <dt>优先级</dt><dd>${esc(PRIORITY_LABELS[s.priority] || s.priority)}</dd>
        <dt>关键信息</dt><dd>${(s.facts || []).map((f) => `<span class="badge">${esc(f.kind)}：${esc(f.display)}</span>`).join(" ") || "—"}</dd>
        <dt>疑似重复</dt><dd>${(s.repeats || []).map((r) => `<a href="/console/cases/${esc(r.number)}">${esc(r.number)}</a> <span class="muted">${esc(r.reason)}</span>`).join("<br>") || "无"}</dd>
      </dl>
      ${s.generated_models ? '<p class="muted">尚未训练分类模型，仅显示规则识别结果。</p>' : ""}`;
    const accept = document.getElementById("accept-category");
    if (accept) accept.onclick = async () => {
      await api(`/api/cases/${c.number}/category`, {method: "PUT", body: JSON.stringify({version: c.version, category_code: s.category_code})});
      location.reload();
    };
  }

  // The place chain of a case (house → grid → community → street) with the geocoder's
  // evidence, from the newest ``geocoded`` event; names from the jurisdiction tables.
  let regionNames = null;
  const MATCH_WORDS = {match: "标准地址库匹配", review: "标准地址库相近（待复核）", no_match: "标准地址库无匹配"};
  const LEVEL_WORDS = {house: "门牌", building: "楼栋", street: "街道"};
  async function renderPlace(c, events) {
    const box = document.getElementById("place");
    const placed = [...events].reverse().find((e) => e.kind === "geocoded");
    if (!box || !placed) { if (box) box.innerHTML = ""; return; }
    if (!regionNames) {
      regionNames = Object.fromEntries((await api("/api/jurisdiction/regions")).map((r) => [r.code, r.name]));
    }
    const p = placed.payload;
    const grid = c.grid_code || p.grid_code, community = c.community_code || p.community_code;
    const street = c.street_code || p.street_code;
    const step = (label, code, name) => code
      ? `<li data-level="${label}"><b>${label}</b> ${esc(name || code)} <span class="muted">${esc(code)}</span></li>`
      : `<li data-level="${label}"><b>${label}</b> <span class="muted">未定位</span></li>`;
    const house = p.house_code || p.building_code;
    box.innerHTML = `<h2>地点定位</h2>
      <ol id="place-chain" class="chain">
        ${step(p.house_code ? "门牌" : "楼栋", house, c.location_text)}
        ${step("网格", grid, regionNames[grid])}${step("社区", community, regionNames[community])}
        ${step("街道", street, regionNames[street])}</ol>
      <p id="place-evidence" class="muted">${[`依据：${esc(MATCH_WORDS[p.decision] || p.decision || "—")}`,
        `定位到${esc(LEVEL_WORDS[p.level] || "—")}`, `置信度 ${Math.round((p.confidence || 0) * 100)}%`,
        p.lat != null ? `坐标 ${Number(p.lat).toFixed(5)}, ${Number(p.lon).toFixed(5)}（WGS-84）` : ""]
        .filter(Boolean).join("，")}${p.needs_review ? ' <span class="badge red">需人工确认地点</span>' : ""}</p>`;
  }

  async function casePage() {
    await header();
    const number = document.getElementById("case").dataset.number;
    let current = null;
    const show = async () => {
      current = await api(`/api/cases/${number}`);
      const c = current;
      document.getElementById("case-title").textContent = `${c.number} ${c.title}`;
      const rows = [["状态", c.status_label + (c.overdue ? "（超期）" : "")], ["渠道", c.channel],
        ["诉求人", `${c.reporter_name || "匿名"} ${c.reporter_phone || ""}`], ["诉求内容", c.text],
        ["地点", c.location_text], ["类别", c.category_name || c.source_category],
        ["承办单位", c.lead_unit_name], ["响应期限", fmt(c.response_due)],
        ["办结期限", fmt(c.completion_due) + (c.deadline_provisional ? "（节假日未发布，暂估）" : "")],
        ["答复", c.reply], ["满意度", c.satisfaction], ["重办次数", c.reopen_count],
        ["督办", c.supervision ? c.supervision.instruction : ""],
        ["吹哨单位", c.participants.map((p) => `${p.unit_name}${p.reported_at ? "（已报到）" : "（未报到）"}`).join("、")]];
      document.getElementById("case-fields").innerHTML = rows.filter((r) => r[1] !== null && r[1] !== undefined && r[1] !== "")
        .map(([k, v]) => `<dt>${k}</dt><dd>${esc(v)}</dd>`).join("");
      renderSuggestions(c);
      const audit = c.reply_audit;
      document.getElementById("audit").innerHTML = audit ? `<h2>答复智能审核</h2>
        <p>结论：<b>${{pass: "通过", pass_with_notes: "通过（有提示）", return: "退回承办单位"}[audit.verdict] || audit.verdict}</b>，得分 ${audit.score}
        ${audit.overridden_by ? `（已由${esc(audit.overridden_by)}改判：${esc(audit.override_reason)}）` : ""}</p>
        <ul>${(audit.findings || []).map((f) => `<li>${esc(f.message)}${f.suggestion ? "：" + esc(f.suggestion) : ""}</li>`).join("")}</ul>` : "";
      document.getElementById("actions").innerHTML = c.allowed_actions.length
        ? c.allowed_actions.map((a) => `<button type="button" data-action="${a}">${ACTION_LABELS[a] || a}</button>`).join("")
        : '<span class="muted">当前状态下您没有可执行的操作</span>';
      const events = await api(`/api/cases/${number}/timeline`);
      await renderPlace(c, events);
      document.getElementById("timeline").innerHTML = events.map((e) =>
        `<li><b>${fmt(e.at)}</b> ${esc(e.actor_name || "")} · ${esc(ACTION_LABELS[e.kind] || e.kind)}
         ${e.to_status && e.to_status !== e.from_status ? "→ " + esc(STATUS_LABELS[e.to_status] || e.to_status) : ""}
         <span class="muted">${esc(e.payload.reason || e.payload.reply || e.payload.report || e.payload.instruction || "")}</span></li>`).join("");
    };
    const form = document.getElementById("action-form");
    document.getElementById("actions").onclick = (ev) => {
      const action = ev.target.dataset.action; if (!action) return;
      form.dataset.action = action; form.hidden = false;
      document.getElementById("action-name").textContent = ACTION_LABELS[action] || action;
      document.getElementById("action-inputs").innerHTML = (ACTION_FIELDS[action] || [])
        .map(([name, label, kind]) => `<label>${label} ${input(name, kind)}</label>`).join("");
    };
    document.getElementById("action-cancel").onclick = () => { form.hidden = true; };
    form.onsubmit = async (ev) => {
      ev.preventDefault();
      const body = {version: current.version};
      for (const el of form.querySelectorAll("[name]")) {
        if (el.multiple) { const v = [...el.selectedOptions].map((o) => o.value); if (v.length) body[el.name] = v; }
        else if (el.value !== "") body[el.name] = el.type === "number" ? Number(el.value)
          : (el.value === "true" ? true : el.value === "false" ? false : el.value);
      }
      try {
        await api(`/api/cases/${number}/actions/${form.dataset.action}`, {method: "POST", body: JSON.stringify(body)});
        form.hidden = true; document.getElementById("action-error").textContent = ""; await show();
      } catch (e) { document.getElementById("action-error").textContent = e.message; }
    };
    await show();
  }

  async function metricsPage() {
    await header();
    const form = document.getElementById("metric-form");
    const pct = (v) => v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%";
    const load = async () => {
      const params = new URLSearchParams();
      for (const [k, v] of new FormData(form)) if (v) params.set(k, v);
      const data = await api("/api/metrics?" + params);
      const rows = data.ranking || data.rows;
      document.getElementById("metric-rows").innerHTML = rows.map((r) => `<tr>
        <td>${esc(data.group_by === "unit" ? unitName(r.key) : r.key ?? "未分类")}</td><td>${r.received}</td>
        <td>${pct(r.response_rate)}</td><td>${pct(r.on_time_rate)}</td><td>${pct(r.satisfaction_rate)}</td>
        <td>${pct(r.closure_rate)}</td><td>${pct(r.reopen_rate)}</td><td>${r.avg_handling_days ?? "—"}</td>
        <td>${r.score ?? ""}</td></tr>`).join("");
      const note = document.getElementById("chart-note");
      if (!rows.length) { note.textContent = "所选时间范围内没有工单。"; return; }
      if (window.echartsMissing || !window.echarts) { note.textContent = "图表库未安装（npm ci），仅显示表格。"; return; }
      note.textContent = "";
      const chart = echarts.init(document.getElementById("chart"));
      const names = rows.map((r) => data.group_by === "unit" ? unitName(r.key) : (r.key ?? "未分类"));
      chart.setOption({tooltip: {trigger: "axis"}, legend: {data: ["按时办结率", "满意率", "响应率"]},
        grid: {bottom: 90}, xAxis: {type: "category", data: names, axisLabel: {rotate: 30}},
        yAxis: {type: "value", max: 100, axisLabel: {formatter: "{value}%"}},
        series: [["按时办结率", "on_time_rate"], ["满意率", "satisfaction_rate"], ["响应率", "response_rate"]]
          .map(([n, k]) => ({name: n, type: "bar", data: rows.map((r) => r[k] === null ? null : +(r[k] * 100).toFixed(1))}))});
    };
    form.onsubmit = (ev) => { ev.preventDefault(); load(); };
    await load();
  }
  async function inboxPage() {
    await header();
    const show = async () => {
      const messages = await api("/api/inbox");
      document.getElementById("messages").innerHTML = messages.length ? messages.map((m) => `
        <li class="${m.read ? "muted" : ""}"><b>${fmt(m.created_at)}</b> ${esc(m.text)}
        ${m.case_number ? `<a href="/console/cases/${esc(m.case_number)}">查看</a>` : ""}
        ${m.read ? "" : `<button type="button" class="link" data-id="${m.id}">标为已读</button>`}</li>`).join("")
        : '<li class="muted">暂无消息</li>';
    };
    document.getElementById("messages").onclick = async (ev) => {
      if (!ev.target.dataset.id) return;
      await api(`/api/inbox/${ev.target.dataset.id}/read`, {method: "POST"}); await show();
    };
    await show();
  }
  return {api, loginPage, queuePage, casePage, metricsPage, inboxPage};
})();
