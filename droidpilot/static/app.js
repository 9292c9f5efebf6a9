// droidpilot dashboard: plain JS, no build step. Every API call carries the bearer token;
// the event stream is read with fetch (EventSource cannot send headers) and resumes with
// Last-Event-ID; screenshots are fetched as blobs for the same reason.
"use strict";

const $ = (sel) => document.querySelector(sel);
const state = {
  token: localStorage.getItem("droidpilot.token") || "",
  selected: null,      // task id shown in the live view
  stream: null,        // AbortController of the open event stream
  lastEventId: 0,
  approvalId: null,
  returnSum: 0,
  shotUrl: null,
};

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (state.token) headers["Authorization"] = "Bearer " + state.token;
  if (options.body && !headers["Content-Type"]) headers["Content-Type"] = "application/json";
  const resp = await fetch(path, Object.assign({}, options, { headers }));
  if (resp.status === 401) {
    $("#auth-state").textContent = "token refused";
    $("#auth-state").className = "error";
  }
  return resp;
}

async function errorText(resp) {
  try {
    const doc = await resp.json();
    if (Array.isArray(doc.detail)) {
      return doc.detail.map((e) => (e.loc || []).slice(1).join(".") + ": " + e.msg).join("; ");
    }
    return String(doc.detail);
  } catch (e) {
    return resp.status + " " + resp.statusText;
  }
}

function setText(sel, text) { $(sel).textContent = text == null ? "" : String(text); }

function badge(el, status) {
  el.textContent = status;
  el.className = "badge s-" + status;
}

// ---------------------------------------------------------------- catalog, devices, list

async function loadCatalog() {
  const resp = await api("/v1/catalog");
  if (!resp.ok) return;
  const doc = await resp.json();
  const select = $("#task-id");
  select.replaceChildren();
  for (const t of doc.tasks) {
    const opt = document.createElement("option");
    opt.value = t.id;
    opt.textContent = t.id + " (" + t.kind + ", " + t.difficulty + ")";
    select.appendChild(opt);
  }
  const backends = $("#backend");
  backends.replaceChildren();
  const auto = document.createElement("option");
  auto.value = "";
  auto.textContent = "server default";
  backends.appendChild(auto);
  for (const b of doc.backends) {
    const opt = document.createElement("option");
    opt.value = b;
    opt.textContent = b;
    backends.appendChild(opt);
  }
}

async function loadDevices() {
  const resp = await api("/v1/devices");
  if (!resp.ok) return;
  const devices = await resp.json();
  const list = $("#devices");
  list.replaceChildren();
  const select = $("#device");
  const chosen = select.value;
  select.replaceChildren();
  const any = document.createElement("option");
  any.value = "";
  any.textContent = "any";
  select.appendChild(any);
  for (const d of devices) {
    const li = document.createElement("li");
    li.textContent = d.name + " — " + d.state + (d.task_id ? " (" + d.task_id + ")" : "") +
      (d.reason ? ": " + d.reason : "");
    list.appendChild(li);
    const opt = document.createElement("option");
    opt.value = d.name;
    opt.textContent = d.name;
    select.appendChild(opt);
  }
  select.value = chosen;
}

async function loadTasks() {
  const resp = await api("/v1/tasks?limit=50");
  if (!resp.ok) return;
  $("#auth-state").textContent = "ok";
  $("#auth-state").className = "muted";
  const page = await resp.json();
  const body = $("#tasks tbody");
  body.replaceChildren();
  for (const t of page.items) {
    const tr = document.createElement("tr");
    tr.dataset.id = t.id;
    if (t.id === state.selected) tr.className = "selected";
    const cells = [
      t.task_id || t.goal.slice(0, 40),
      null,
      String(t.steps),
      t.return == null ? "–" : t.return.toFixed(2),
      new Date(t.created_at).toLocaleTimeString(),
    ];
    cells.forEach((text, i) => {
      const td = document.createElement("td");
      if (i === 1) {
        const span = document.createElement("span");
        badge(span, t.status);
        td.appendChild(span);
      } else {
        td.textContent = text;
      }
      tr.appendChild(td);
    });
    tr.title = t.goal;
    tr.addEventListener("click", () => select(t.id));
    body.appendChild(tr);
  }
}

// ---------------------------------------------------------------- submit

async function submit(event) {
  event.preventDefault();
  const kind = document.querySelector("input[name=kind]:checked").value;
  const body = { approval: $("#approval").value };
  if (kind === "catalog") {
    body.task_id = $("#task-id").value;
    body.seed = Number($("#seed").value || 0);
  } else {
    body.goal = $("#goal").value;
  }
  if ($("#lang").value) body.lang = $("#lang").value;
  if ($("#backend").value) body.backend = $("#backend").value;
  if ($("#device").value) body.device = $("#device").value;
  if ($("#max-steps").value) body.max_steps = Number($("#max-steps").value);
  const key = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
  const resp = await api("/v1/tasks", {
    method: "POST", body: JSON.stringify(body), headers: { "Idempotency-Key": key },
  });
  const msg = $("#submit-msg");
  if (!resp.ok) {
    msg.className = "msg error";
    msg.textContent = await errorText(resp);
    return;
  }
  const doc = await resp.json();
  msg.className = "msg";
  msg.textContent = "submitted " + doc.id;
  await loadTasks();
  select(doc.id);
}

// ---------------------------------------------------------------- live view

function resetDetail(id) {
  state.lastEventId = 0;
  state.approvalId = null;
  state.returnSum = 0;
  setText("#detail-id", id);
  setText("#detail-goal", "");
  setText("#detail-step", "0");
  setText("#detail-progress", "–");
  setText("#detail-reward", "–");
  setText("#detail-result", "");
  setText("#thought", "");
  setText("#screenshot-caption", "");
  $("#actions").replaceChildren();
  $("#approval-box").hidden = true;
  $("#screenshot").removeAttribute("src");
}

async function select(id) {
  if (state.stream) state.stream.abort();
  state.selected = id;
  $("#detail").hidden = false;
  resetDetail(id);
  for (const tr of document.querySelectorAll("#tasks tbody tr")) {
    tr.className = tr.dataset.id === id ? "selected" : "";
  }
  const resp = await api("/v1/tasks/" + encodeURIComponent(id));
  if (!resp.ok) return;
  showTask(await resp.json());
  watch(id);
}

function showTask(t) {
  setText("#detail-goal", t.goal);
  badge($("#detail-status"), t.status);
  if (t.progress != null) setText("#detail-progress", t.progress.toFixed(2));
  if (t.return != null) setText("#detail-reward", t.return.toFixed(2));
  if (t.result) setText("#detail-result", t.result.reason);
  $("#cancel").hidden = !["queued", "running", "waiting_approval"].includes(t.status);
  if (t.pending_approval) showApproval(t.pending_approval);
}

function showApproval(a) {
  state.approvalId = a.approval_id || a.id;
  const money = a.amount != null ? " (" + a.amount + ")" : "";
  const action = typeof a.action === "string" ? a.action : JSON.stringify(a.action);
  setText("#approval-text", a.category + money + ": " + a.reason + " — " + action);
  $("#approval-box").hidden = false;
}

async function showScreenshot(id, step) {
  const resp = await api("/v1/tasks/" + encodeURIComponent(id) + "/steps/" + step + "/screenshot.png");
  if (!resp.ok || state.selected !== id) return;
  const blob = await resp.blob();
  if (state.shotUrl) URL.revokeObjectURL(state.shotUrl);
  state.shotUrl = URL.createObjectURL(blob);
  $("#screenshot").src = state.shotUrl;
  setText("#screenshot-caption", "step " + step);
}

function onEvent(id, type, data) {
  if (state.selected !== id) return;
  if (type === "status") {
    badge($("#detail-status"), data.status);
    $("#cancel").hidden = !["queued", "running", "waiting_approval"].includes(data.status);
  } else if (type === "step") {
    setText("#detail-step", data.step + 1);
    setText("#thought", data.thought);
    if (data.progress != null) setText("#detail-progress", data.progress.toFixed(2));
    if (data.reward != null) {
      state.returnSum += data.reward;
      setText("#detail-reward", state.returnSum.toFixed(2));
    }
    const li = document.createElement("li");
    li.value = data.step;
    const reward = data.reward == null ? "" : "  r=" + (data.reward >= 0 ? "+" : "") + data.reward.toFixed(2);
    li.textContent = (data.action || "(invalid reply)") + reward + (data.error ? "  — " + data.error : "");
    if (data.error) li.className = "refused";
    $("#actions").appendChild(li);
    if (data.screenshot) showScreenshot(id, data.step);
  } else if (type === "approval_needed") {
    showApproval(data);
  } else if (type === "approval_decided") {
    if (data.approval_id === state.approvalId) $("#approval-box").hidden = true;
  } else if (type === "finished") {
    badge($("#detail-status"), data.status);
    setText("#detail-result", data.reason);
    $("#approval-box").hidden = true;
    $("#cancel").hidden = true;
    loadTasks();
  }
}

async function watch(id) {
  const controller = new AbortController();
  state.stream = controller;
  let finished = false;
  while (!finished && !controller.signal.aborted) {
    try {
      const headers = {};
      if (state.lastEventId) headers["Last-Event-ID"] = String(state.lastEventId);
      const resp = await api("/v1/tasks/" + encodeURIComponent(id) + "/events",
        { headers, signal: controller.signal });
      if (!resp.ok || !resp.body) return;
      const reader = resp.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let type = "message", data = "", eid = null;
          for (const line of block.split("\n")) {
            if (line.startsWith("event:")) type = line.slice(6).trim();
            else if (line.startsWith("data:")) data += line.slice(5).trim();
            else if (line.startsWith("id:")) eid = Number(line.slice(3).trim());
          }
          if (eid) state.lastEventId = eid;
          if (!data) continue;
          onEvent(id, type, JSON.parse(data));
          if (type === "finished") finished = true;
        }
      }
      if (!finished) {
        // the stream ended without "finished": the task may have ended earlier
        const r = await api("/v1/tasks/" + encodeURIComponent(id));
        if (r.ok) {
          const t = await r.json();
          if (["succeeded", "failed", "cancelled", "interrupted"].includes(t.status)) {
            showTask(t);
            finished = true;
          }
        }
      }
    } catch (e) {
      if (controller.signal.aborted) return;
    }
    if (!finished) await new Promise((ok) => setTimeout(ok, 1000));
  }
}

async function decide(approve) {
  if (!state.approvalId || !state.selected) return;
  const resp = await api("/v1/tasks/" + encodeURIComponent(state.selected) + "/approvals/" +
    encodeURIComponent(state.approvalId), {
    method: "POST",
    body: JSON.stringify({ decision: approve ? "approve" : "reject", reason: $("#approval-reason").value }),
  });
  if (resp.ok) {
    $("#approval-box").hidden = true;
    $("#approval-reason").value = "";
  } else {
    setText("#approval-text", await errorText(resp));
  }
}

async function cancelTask() {
  if (!state.selected) return;
  await api("/v1/tasks/" + encodeURIComponent(state.selected) + "/cancel", { method: "POST" });
}

// ---------------------------------------------------------------- wiring

function refreshAll() {
  loadCatalog();
  loadDevices();
  loadTasks();
}

$("#auth-form").addEventListener("submit", (e) => {
  e.preventDefault();
  state.token = $("#token").value.trim();
  localStorage.setItem("droidpilot.token", state.token);
  refreshAll();
});
$("#submit-form").addEventListener("submit", submit);
$("#refresh").addEventListener("click", () => { loadTasks(); loadDevices(); });
$("#approve").addEventListener("click", () => decide(true));
$("#reject").addEventListener("click", () => decide(false));
$("#cancel").addEventListener("click", cancelTask);
for (const radio of document.querySelectorAll("input[name=kind]")) {
  radio.addEventListener("change", () => {
    const goal = document.querySelector("input[name=kind]:checked").value === "goal";
    document.querySelector(".goal-only").hidden = !goal;
    document.querySelector(".catalog-only").hidden = goal;
  });
}
$("#token").value = state.token;
refreshAll();
setInterval(() => { loadTasks(); loadDevices(); }, 3000);
