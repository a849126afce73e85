// Grid worker's phone page: validation as one types, drafts and an outbox in localStorage.
const Ground = (() => {
  const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const C = "10X98765432";

  function idProblem(v) {
    v = (v || "").trim().toUpperCase();
    if (!v) return "";
    if (/^\d{15}$/.test(v)) return "15位旧身份证号，请登记18位新号";
    if (!/^\d{17}[\dX]$/.test(v)) {
      return v.length < 18 ? `已输入${v.length}位，共18位` : "格式不对：17位数字加一位数字或X";
    }
    const y = +v.slice(6, 10), m = +v.slice(10, 12), d = +v.slice(12, 14);
    const born = new Date(y, m - 1, d);
    if (born.getFullYear() !== y || born.getMonth() !== m - 1) return "出生日期不是有效日期";
    if (born > new Date()) return "出生日期在未来";
    let s = 0; for (let i = 0; i < 17; i++) s += +v[i] * W[i];
    return C[s % 11] === v[17] ? "" : `校验位应为 ${C[s % 11]}，请核对`;
  }
  function phoneProblem(v) {
    v = (v || "").replace(/[\s-]/g, "");
    if (!v) return "";
    return /^1[3-9]\d{9}$/.test(v) || /^0\d{9,11}$/.test(v) ? "" : "手机号为11位，座机带区号";
  }

  const draftKey = (form) => "cg-ground-draft-" + form.id;
  const OUTBOX = "cg-ground-outbox";
  const outbox = () => JSON.parse(localStorage.getItem(OUTBOX) || "[]");
  function setOutbox(items) {
    localStorage.setItem(OUTBOX, JSON.stringify(items));
    document.getElementById("outbox-count").textContent = items.length;
  }
  function saveDraft(form) {
    localStorage.setItem(draftKey(form), JSON.stringify(Object.fromEntries(new FormData(form))));
  }
  function restoreDraft(form) {
    const draft = JSON.parse(localStorage.getItem(draftKey(form)) || "{}");
    for (const [k, v] of Object.entries(draft)) if (form.elements[k]) form.elements[k].value = v;
  }
  function body(form) {
    const data = {};
    for (const [k, v] of new FormData(form)) if (v !== "") data[k] = v;
    return data;
  }
  function hint(field, text) {
    const el = document.getElementById(field + "-hint");
    if (el) { el.textContent = text; el.className = text ? "error" : "muted"; }
  }

  async function send(item) {
    return CG.api(item.path, {method: "POST", body: JSON.stringify(item.body)});
  }
  let flushing = false;
  async function flush() {
    // One flush at a time (the browser and the page may both signal "online"), and each
    // record leaves the outbox as soon as the server took it, so none is sent twice.
    if (flushing) return;
    flushing = true;
    try {
      for (const item of outbox()) {
        try { await send(item); } catch (e) {
          if (!e.detail) break;  // still offline: keep the rest for later
          status(`一条记录被退回：${e.message}`);
        }
        setOutbox(outbox().filter((x) => x.key !== item.key));
      }
    } finally { flushing = false; }
  }
  function status(text) { document.getElementById("ground-status").textContent = text; }

  function wire(form, path, validate) {
    restoreDraft(form);
    form.addEventListener("input", (ev) => { saveDraft(form); validate(ev.target); });
    form.onsubmit = async (ev) => {
      ev.preventDefault();
      const item = {path, body: body(form), key: `${Date.now()}-${Math.random()}`};
      try {
        const answer = await send(item);
        const problems = (answer.problems || []).map((p) => p.message).join("；");
        status(problems ? `已保存，但有问题：${problems}` : "已保存");
        localStorage.removeItem(draftKey(form)); form.reset();
      } catch (e) {
        if (e.detail) { status(e.message); return; }
        setOutbox([...outbox(), item]); localStorage.removeItem(draftKey(form)); form.reset();
        status("网络中断：已存入待上传，联网后自动补传");
      }
    };
  }

  async function recordsPage() {
    setOutbox(outbox());
    wire(document.getElementById("person-form"), "/api/ground/people", (el) => {
      if (el.name === "id_number") hint("id_number", idProblem(el.value));
      if (el.name === "phone") hint("phone", phoneProblem(el.value));
    });
    wire(document.getElementById("visit-form"), "/api/ground/visits", (el) => {
      if (el.name === "findings") hint("findings", el.value.trim() ? "" : "请填写发现情况");
    });
    window.addEventListener("online", flush);
    try {
      const me = await CG.api("/api/auth/me");
      document.getElementById("who").textContent = `${me.display_name}（${me.role_name}）`;
      document.getElementById("logout").onclick = async () => {
        await CG.api("/api/auth/logout", {method: "POST"}); location.href = "/console/login"; };
    } catch (e) { if (e.detail) throw e; /* offline: the page still collects */ }
    flush();
  }
  const esc = (v) => String(v ?? "").replace(/[&<>"]/g,
    (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));
  const SIGNALS = {usage_without_residents: "有用量无登记人口", long_zero_usage: "有人居住长期零用量"};
  const MATCH = {review: "待人工确认", no_match: "未匹配"};
  const rows = (id, items, cells) => {
    document.getElementById(id).innerHTML = items.length
      ? items.map((x) => "<tr>" + cells(x).map((c) => `<td>${c}</td>`).join("") + "</tr>").join("")
      : '<tr><td colspan="6" class="muted">暂无</td></tr>';
  };
  const facts = (f) => Object.entries(f || {}).filter(([k]) => !k.startsWith("_"))
    .map(([k, v]) => `${esc(k)}=${esc(v)}`).join("，");

  async function loadBoard() {
    const [tags, counts, dups, board, signals, unmatched] = await Promise.all([
      CG.api("/api/ground/tags?status=proposed&limit=50"), CG.api("/api/ground/tags/counts"),
      CG.api("/api/ground/duplicates"), CG.api("/api/ground/heads/board"),
      CG.api("/api/ground/utility/signals"), CG.api("/api/ground/utility/unmatched")]);
    rows("tag-rows", tags.items, (t) => [t.id, t.person_id, esc(t.label), facts(t.facts),
      esc(t.grid_code), `<button data-tag="${t.id}" data-d="confirmed">确认</button> ` +
      `<button data-tag="${t.id}" data-d="rejected">不属实</button>`]);
    rows("count-rows", counts.items, (c) => [esc(c.grid_code), esc(c.rule), c.count]);
    rows("dup-rows", dups.groups, (g) => [g.record_type === "person" ? "人员" : "法人",
      esc(g.field), g.ids.join("、"), g.houses.map(esc).join("、")]);
    rows("board-rows", board.items, (b) => [b.rank, esc(b.name), esc(b.building_code),
      esc(b.street_code), b.points]);
    rows("signal-rows", signals.items.slice(0, 50), (x) => [SIGNALS[x.signal] || x.signal,
      x.utility === "gas" ? "燃气" : "电力", esc(x.house_code),
      x.months ? x.months.join("、") + " 用量为零" : `${x.month} 用量 ${x.amount}`]);
    rows("unmatched-rows", unmatched.items.slice(0, 50), (u) => [
      u.utility === "gas" ? "燃气" : "电力", esc(u.account), esc(u.address),
      MATCH[u.match_decision] || esc(u.match_decision), esc(u.reason), esc(u.latest_month)]);
    document.querySelectorAll("button[data-tag]").forEach((b) => { b.onclick = async () => {
      try {
        await CG.api(`/api/ground/tags/${b.dataset.tag}/review`,
          {method: "POST", body: JSON.stringify({decision: b.dataset.d})});
        loadBoard();
      } catch (e) { document.getElementById("ground-error").textContent = e.message; }
    }; });
  }

  async function boardPage() {
    const me = await CG.api("/api/auth/me");
    document.getElementById("who").textContent = `${me.display_name}（${me.role_name}）`;
    document.getElementById("logout").onclick = async () => {
      await CG.api("/api/auth/logout", {method: "POST"}); location.href = "/console/login"; };
    try { await loadBoard(); } catch (e) {
      document.getElementById("ground-error").textContent = e.message;
    }
  }
  return {recordsPage, boardPage, idProblem, phoneProblem};
})();
