// Scripts of the intake pages (resident, grid worker, import screen); no framework, no CDN.
const Intake = (() => {
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));
  const when = (t) => t ? new Date(t).toLocaleString("zh-CN", {timeZone: "Asia/Shanghai", hour12: false}) : "";
  const CENTER = [22.533, 113.930];  // 南山区

  async function call(path, options = {}) {
    const response = await fetch(path, {credentials: "same-origin", ...options});
    const body = await response.json().catch(() => null);
    if (response.status === 401 && location.pathname.startsWith("/console")) {
      location.href = "/console/login"; throw new Error("需要登录");
    }
    if (!response.ok) {
      const e = body && body.error ? body.error : {message: response.statusText};
      const error = new Error(e.message); error.status = response.status; throw error;
    }
    return body;
  }
  const json = (path, data) => call(path, {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify(data)});

  function pointPicker(form) {
    const show = (lat, lon) => {
      form.lat.value = lat.toFixed(6); form.lon.value = lon.toFixed(6);
      if ($("point")) $("point").textContent = `已选点：${lat.toFixed(5)}, ${lon.toFixed(5)}`;
    };
    let marker = null;
    if (window.L && $("map")) {  // Leaflet on a blank layer: no online tiles needed
      const map = L.map("map", {attributionControl: false}).setView(CENTER, 12);
      L.circle(CENTER, {radius: 3000, color: "#c8102e", weight: 1, fillOpacity: 0.05}).addTo(map)
        .bindTooltip("南山区（示意，无在线底图）", {permanent: true, direction: "center"});
      map.on("click", (ev) => {
        if (marker) marker.setLatLng(ev.latlng); else marker = L.marker(ev.latlng).addTo(map);
        show(ev.latlng.lat, ev.latlng.lng);
      });
    } else if ($("map")) { $("map").textContent = "地图不可用，请填写地址或使用我的位置"; }
    if ($("locate")) $("locate").onclick = () => navigator.geolocation && navigator.geolocation
      .getCurrentPosition((p) => show(p.coords.latitude, p.coords.longitude));
  }

  function residentPage() {
    const form = $("request-form");
    pointPicker(form);
    form.onsubmit = async (ev) => {
      ev.preventDefault(); $("error").textContent = ""; $("submit").disabled = true;
      try {
        const done = await call("/api/public/requests", {method: "POST", body: new FormData(form)});
        form.hidden = true; $("done").hidden = false;
        $("number").textContent = done.number; $("token").textContent = done.token;
        $("follow").href = done.follow_url;
      } catch (e) { $("error").textContent = "提交失败：" + e.message; }
      $("submit").disabled = false;
    };
    const phone = $("phone-lookup");
    $("send-code").onclick = async () => {
      try { const r = await json("/api/public/phone-code", {number: phone.number.value.trim(), phone: phone.phone.value.trim()});
        $("phone-msg").textContent = r.sent ? "若手机号与工单一致，验证码已发送，10分钟内有效" : r.reason; }
      catch (e) { $("phone-msg").textContent = e.message; }
    };
    phone.onsubmit = async (ev) => { ev.preventDefault();
      try { const r = await json("/api/public/phone-code/check", {number: phone.number.value.trim(), code: phone.code.value.trim()});
        location.href = r.follow_url; }
      catch (e) { $("phone-msg").textContent = e.message; }
    };
    $("lookup").onsubmit = (ev) => { ev.preventDefault();
      const token = ev.target.token.value.trim(); if (token) location.href = "/resident/track/" + encodeURIComponent(token); };
  }

  async function trackPage() {
    const token = $("status-card").dataset.token;
    const load = async () => {
      try {
        const c = await call("/api/public/requests/" + encodeURIComponent(token));
        $("number").textContent = c.number; $("status").textContent = c.status_label;
        $("text").textContent = c.text;
        $("due").textContent = c.completion_due ? "办结期限：" + when(c.completion_due) : "";
        $("timeline").innerHTML = c.timeline.map((e) => `<li>${esc(when(e.at))} ${esc(e.label)}</li>`).join("");
        $("reply-box").hidden = !c.reply; $("reply").textContent = c.reply || "";
        $("rate-box").hidden = !c.can_rate;
      } catch (e) { $("error").textContent = e.message; }
    };
    const rate = async (value) => {
      try { await json(`/api/public/requests/${encodeURIComponent(token)}/rating`, {satisfaction: value}); await load(); }
      catch (e) { $("error").textContent = "评价失败：" + e.message; }
    };
    $("rate-satisfied").onclick = () => rate("satisfied");
    $("rate-dissatisfied").onclick = () => rate("dissatisfied");
    await load();
  }

  async function gridPage() {
    let me;
    try { me = await call("/api/auth/me"); } catch (e) { me = null; }
    if (!me) {
      $("grid-login").hidden = false;
      $("grid-login").onsubmit = async (ev) => {
        ev.preventDefault();
        try { await json("/api/auth/login", Object.fromEntries(new FormData(ev.target))); location.reload(); }
        catch (e) { $("login-error").textContent = "登录失败：" + e.message; }
      };
      return;
    }
    $("grid-main").hidden = false;
    $("who").textContent = `${me.display_name}（${me.role_name}）`;
    const form = $("patrol-form");
    pointPicker(form);
    form.onsubmit = async (ev) => {
      ev.preventDefault();
      try {
        const done = await call("/api/grid/reports", {method: "POST", body: new FormData(form)});
        $("patrol-result").textContent = `已上报，编号 ${done.number}`; form.reset(); await list();
      } catch (e) { $("patrol-result").textContent = "上报失败：" + e.message; }
    };
    const list = async () => {
      const page = await call("/api/grid/cases");
      $("grid-cases").innerHTML = page.items.map((c) => `<li><b>${esc(c.number)}</b>
        <span class="tag">${esc(c.status_label)}</span><br>${esc(c.title)}
        <button type="button" class="secondary" data-note="${esc(c.number)}">现场核查</button></li>`).join("")
        || "<li class='muted'>本网格暂无工单</li>";
      document.querySelectorAll("[data-note]").forEach((b) => b.onclick = async () => {
        const text = prompt("现场核查情况"); if (!text) return;
        await json(`/api/grid/cases/${b.dataset.note}/notes`, {text}); b.textContent = "已记录";
      });
    };
    await list();
  }

  async function importPage() {
    const form = $("import-form");
    const mappings = await call("/api/import-mappings");
    $("mapping-select").innerHTML += mappings.mappings.map((m) =>
      `<option value="${esc(m.name)}">${esc(m.name)}</option>`).join("");
    form.onsubmit = async (ev) => {
      ev.preventDefault();
      const data = new FormData(form);
      const fields = {};
      form.querySelectorAll("[data-field]").forEach((i) => { if (i.value.trim()) fields[i.dataset.field] = i.value.trim(); });
      if (Object.keys(fields).length) data.append("fields", JSON.stringify(fields));
      $("import-status").textContent = "正在导入……"; $("import-result").innerHTML = "";
      try {
        const r = await call("/api/imports", {method: "POST", body: data});
        $("import-status").textContent = `新增 ${r.added}，重复 ${r.duplicates}，拒绝 ${r.rejected.length}（共 ${r.rows} 行，编码 ${r.encoding}）`;
        $("import-result").innerHTML = r.rejected.length ? `<table class="cases"><thead><tr><th>行</th><th>列</th><th>原因</th></tr></thead><tbody>` +
          r.rejected.slice(0, 200).map((x) => `<tr><td>${x.row}</td><td>${esc(x.column)}</td><td>${esc(x.reason)}</td></tr>`).join("") + "</tbody></table>" : "";
        await queue();
      } catch (e) { $("import-status").textContent = "导入失败：" + e.message; }
    };
    const queue = async () => {
      const rows = await call("/api/import-queue");
      $("queue-rows").innerHTML = rows.map((m) => `<tr><td>${m.kind === "category" ? "分类" : "单位"}</td>
        <td>${esc(m.raw_value)}</td><td>${m.seen}</td><td><input data-code="${m.id}" placeholder="${m.kind === "category" ? "如 0101" : "如 CGJ"}"></td>
        <td><button type="button" data-map="${m.id}">映射</button></td></tr>`).join("") || "<tr><td colspan=5 class='muted'>没有待映射的值</td></tr>";
      document.querySelectorAll("[data-map]").forEach((b) => b.onclick = async () => {
        const code = document.querySelector(`[data-code="${b.dataset.map}"]`).value.trim();
        try { const r = await json(`/api/import-queue/${b.dataset.map}`, {code});
          $("import-status").textContent = `已映射“${r.raw_value}”→${r.mapped_to}，更新工单 ${r.cases_updated} 件`; await queue(); }
        catch (e) { $("import-status").textContent = "映射失败：" + e.message; }
      });
    };
    await queue();
  }

  return {residentPage, trackPage, gridPage, importPage};
})();
