// 南小格 knowledge assistant: chat (console and grid phone page) and document management.
// Uses CG.api from console.js; uploads send FormData themselves (CG.api sends JSON).
const Assistant = (() => {
  const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));
  const fmt = (t) => t ? new Date(t).toLocaleString("zh-CN", {timeZone: "Asia/Shanghai", hour12: false}) : "";
  const MODE = {llm: "大模型据文档作答", offline: "文档原文摘录", abstain: "未找到依据", refused: "未作答"};

  async function who() {
    const me = await CG.api("/api/auth/me");
    const el = document.getElementById("who");
    if (el) el.textContent = `${me.display_name}（${me.role_name}）`;
    const out = document.getElementById("logout");
    if (out) out.onclick = async () => { await CG.api("/api/auth/logout", {method: "POST"}); location.href = "/console/login"; };
    return me;
  }

  function citationHtml(c) {
    // The document's own title heading is already shown in bold; skip it in the path.
    const path = (c.heading_path || []).filter((h) => !c.document_title.startsWith(h)).join(" › ");
    return `<li class="citation"><div><b>${esc(c.document_title)}</b>
      <span class="muted">${esc(path)}${c.article ? " › " + esc(c.article) : ""}</span>
      <span class="muted">［${esc(c.passage_id)} · ${esc(c.version)} · 相关度 ${Number(c.score).toFixed(2)}］</span></div>
      <blockquote>${esc(c.snippet)}</blockquote></li>`;
  }

  function answerHtml(a) {
    const cites = a.citations.length
      ? `<p class="muted">依据：</p><ol class="citations">${a.citations.map(citationHtml).join("")}</ol>` : "";
    const unit = a.suggested_unit ? `<p>建议承办单位：<b>${esc(a.suggested_unit.name)}</b>${a.suggested_unit.code ? `（${esc(a.suggested_unit.code)}）` : ""}</p>` : "";
    const fallback = a.fallback_kind === "llm_failed"
      ? `<p class="hint">大模型本次未能给出可用回答，已改为摘录文档原文（原因：${esc(a.fallback_reason)}）。</p>`
      : a.fallback_kind === "no_llm" && a.found ? `<p class="hint">未接入大模型：以下为文档原文摘录。</p>` : "";
    const flagged = a.injection_flagged ? `<p class="hint">提示：问题或文档中含有类似“指令”的文字，已按普通文字处理。</p>` : "";
    return `<div class="answer-text">${esc(a.answer).replace(/\n/g, "<br>")}</div>
      <p class="muted">${esc(MODE[a.mode] || a.mode)}${a.llm_model ? "（" + esc(a.llm_model) + "）" : ""}</p>
      ${unit}${cites}${fallback}${flagged}
      <div class="feedback" data-id="${a.id}">这个回答
        <button type="button" data-useful="true">有用</button>
        <button type="button" data-useful="false">没用</button>
        <input class="note" placeholder="补充说明（可选）" maxlength="500">
        <span class="muted state"></span></div>`;
  }

  function wireFeedback(box) {
    const bar = box.querySelector(".feedback");
    bar.querySelectorAll("button").forEach((button) => {
      button.onclick = async () => {
        const body = {useful: button.dataset.useful === "true", note: bar.querySelector(".note").value || null};
        try {
          await CG.api(`/api/assistant/questions/${bar.dataset.id}/feedback`, {method: "POST", body: JSON.stringify(body)});
          bar.querySelector(".state").textContent = body.useful ? "已记录：有用，谢谢！" : "已记录：没用，我们会改进。";
        } catch (e) { bar.querySelector(".state").textContent = "反馈失败：" + e.message; }
      };
    });
  }

  async function chat({withFilters}) {
    const form = document.getElementById("ask-form");
    const log = document.getElementById("chat");
    if (withFilters) {
      const docs = await CG.api("/api/assistant/documents");
      document.getElementById("doc-filter").innerHTML = `<option value="">全部文档</option>` +
        docs.map((d) => `<option value="${d.id}">${esc(d.title)}</option>`).join("");
    }
    form.onsubmit = async (ev) => {
      ev.preventDefault();
      const input = form.querySelector("[name=question]");
      const question = input.value.trim();
      if (!question) { input.focus(); return; }
      const body = {question};
      const doc = form.querySelector("[name=document]");
      if (doc && doc.value) body.document_ids = [Number(doc.value)];
      const unit = form.querySelector("[name=unit]");
      if (unit && unit.value.trim()) body.units = [unit.value.trim()];
      const item = document.createElement("li");
      item.innerHTML = `<p class="question">问：${esc(question)}</p><div class="answer muted">南小格正在查找文档……</div>`;
      log.prepend(item);
      input.value = "";
      try {
        const a = await CG.api("/api/assistant/ask", {method: "POST", body: JSON.stringify(body)});
        const box = item.querySelector(".answer");
        box.classList.remove("muted");
        box.innerHTML = answerHtml(a);
        wireFeedback(box);
      } catch (e) { item.querySelector(".answer").innerHTML = `<p class="error">${esc(e.message)}</p>`; }
    };
  }

  async function consolePage() {
    const me = await who();
    if (me.role === "admin") document.getElementById("manage-links").hidden = false;
    await chat({withFilters: true});
  }

  async function gridPage() {
    await CG.api("/api/auth/me");
    await chat({withFilters: false});
  }

  async function upload(path, method, form) {
    const response = await fetch(path, {method, body: new FormData(form), credentials: "same-origin"});
    const body = await response.json();
    if (!response.ok) throw new Error((body.error && body.error.message) || response.statusText);
    return body;
  }

  async function knowledgePage() {
    await who();
    const table = document.getElementById("documents");
    const status = document.getElementById("upload-status");
    const load = async () => {
      const docs = await CG.api("/api/assistant/documents");
      table.innerHTML = docs.map((d) => `<tr><td>${d.id}</td><td>${esc(d.title)}${d.demo ? ' <span class="badge">演示</span>' : ""}</td>
        <td>${esc(d.source)}</td><td>v${d.version}</td><td>${esc(d.unit || "")}</td><td>${d.passage_count}</td><td>${fmt(d.uploaded_at)}</td>
        <td><label class="link">替换<input type="file" hidden data-replace="${d.id}"></label>
        <button type="button" class="link" data-delete="${d.id}" data-title="${esc(d.title)}">删除</button></td></tr>`).join("");
      table.querySelectorAll("[data-replace]").forEach((input) => {
        input.onchange = async () => {
          const form = document.createElement("form");
          const data = new DataTransfer(); data.items.add(input.files[0]);
          const file = document.createElement("input"); file.type = "file"; file.name = "file"; file.files = data.files;
          form.appendChild(file);
          try { const d = await upload(`/api/assistant/documents/${input.dataset.replace}`, "PUT", form);
            status.textContent = `已替换：${d.title}（v${d.version}，${d.passage_count} 段）`; }
          catch (e) { status.textContent = "替换失败：" + e.message; }
          await load();
        };
      });
      table.querySelectorAll("[data-delete]").forEach((button) => {
        button.onclick = async () => {
          if (!confirm(`删除“${button.dataset.title}”？删除后其内容不再用于回答。`)) return;
          await CG.api(`/api/assistant/documents/${button.dataset.delete}`, {method: "DELETE"});
          status.textContent = `已删除：${button.dataset.title}`;
          await load();
        };
      });
    };
    document.getElementById("upload-form").onsubmit = async (ev) => {
      ev.preventDefault();
      try { const d = await upload("/api/assistant/documents", "POST", ev.target);
        status.textContent = `已导入：${d.title}（${d.passage_count} 段）`; ev.target.reset(); }
      catch (e) { status.textContent = "导入失败：" + e.message; }
      await load();
    };
    const questions = await CG.api("/api/assistant/questions?limit=50");
    document.getElementById("questions").innerHTML = questions.map((q) => `<tr><td>${fmt(q.asked_at)}</td>
      <td>${esc(q.user_name || "")}</td><td>${esc(q.question)}</td><td>${esc(MODE[q.mode] || q.mode)}</td><td>${q.citations.map((c) => esc(c.passage_id)).join(" ")}</td>
      <td>${esc(q.llm_model || q.fallback_reason || "")}</td><td>${q.useful === null ? "" : q.useful ? "有用" : "没用"} ${esc(q.feedback_note || "")}</td></tr>`).join("");
    await load();
  }

  return {consolePage, gridPage, knowledgePage};
})();
