// podbot sandbox page: polls /sandbox/state every second and acts through /sandbox/send,
// which signs each request and POSTs it to podbot's /slack/events exactly as Slack would:
// commands and messages typed, buttons clicked, menu items chosen, message shortcuts run
// from a message's "…" menu, modals submitted.
"use strict";

const $ = (id) => document.getElementById(id);
const view = { as: "", channel: "", thread: null };
let activeInSight = null;  // the conversation last scrolled into the sidebar's sight
const seen = {};
let data = null;
let since = "";
let modalKey = "";
let filled = "";
let busy = false;
let again = false;

function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
  })[c]);
}

function toast(text, error = false) {
  const item = document.createElement("div");
  item.className = error ? "toast error" : "toast";
  item.textContent = text;
  $("toasts").appendChild(item);
  setTimeout(() => item.remove(), error ? 7000 : 4500);
}

function loadPlace() {
  const hash = new URLSearchParams(location.hash.slice(1));
  view.as = hash.get("as") || localStorage.getItem("podbot-sandbox-as") || "";
  view.channel = hash.get("c") || "";
  const thread = hash.get("t");
  view.thread = thread ? { channel: view.channel, ts: thread } : null;
}

function savePlace() {
  const hash = new URLSearchParams();
  if (view.as) hash.set("as", view.as);
  if (view.channel) hash.set("c", view.channel);
  if (view.thread) hash.set("t", view.thread.ts);
  history.replaceState(null, "", "#" + hash.toString());
  if (view.as) localStorage.setItem("podbot-sandbox-as", view.as);
}

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({ ok: false, error: `HTTP ${response.status}` }));
  if (!response.ok || answer.ok === false) throw new Error(answer.error || `HTTP ${response.status}`);
  return answer;
}

async function refresh() {
  if (busy) { again = true; return; }
  busy = true;
  try {
    const asked = view.as;
    const query = new URLSearchParams({ as: asked, since });
    const response = await fetch("/sandbox/state?" + query.toString());
    const answer = await response.json();
    if (asked !== view.as) { again = true; return; }  // the picker changed meanwhile
    if (answer.unchanged) return;
    if (answer.ok === false) { toast(answer.error, true); return; }
    data = answer;
    data.asked = asked;
    since = answer.version;
    render();
  } catch (error) {
    // The sandbox is restarting or gone; keep polling.
  } finally {
    busy = false;
    if (again) { again = false; refresh(); }
  }
}

function loop() {
  refresh().finally(() => setTimeout(loop, 1000));
}

// -- rendering -----------------------------------------------------------------------------

function conversations() {
  return [...data.channels, ...data.dms];
}

function findConversation(id) {
  return conversations().find((c) => c.id === id);
}

function count(conversation) {
  return conversation.messages.reduce((n, m) => n + 1 + (m.replies || []).length, 0);
}

function initials(message) {
  if (message.bot) return "pb";
  return message.name.split(/\s+/).map((w) => w[0] || "").join("").slice(0, 2).toUpperCase();
}

function colour(user) {
  let hash = 0;
  for (const c of user) hash = (hash * 31 + c.charCodeAt(0)) % 360;
  return `hsl(${hash}, 45%, 42%)`;
}

function messageHtml(message, channel, inThread) {
  const avatar = message.bot
    ? '<div class="avatar bot">pb</div>'
    : `<div class="avatar" style="background:${colour(message.user)}">${escapeHtml(initials(message))}</div>`;
  const badge = message.bot ? '<span class="app-badge">APP</span>' : "";
  const edited = message.edited ? ' <span class="edited">(edited)</span>' : "";
  const only = message.ephemeral ? '<div class="only-you">👁 Only visible to you</div>' : "";
  let replies = "";
  if (!inThread && message.reply_count > 0) {
    const word = message.reply_count === 1 ? "reply" : "replies";
    replies = `<div class="reply-link"><a data-open-thread="${message.ts}">${message.reply_count} ${word}</a>` +
      `<span>Last reply ${escapeHtml(message.last_reply)}</span></div>`;
  }
  const start = !inThread && !message.ephemeral && !message.reply_count
    ? `<button type="button" class="start-thread" data-open-thread="${message.ts}">Reply in thread</button>`
    : "";
  // Slack's "…" on a message: its app shortcuts (none on an ephemeral, as in Slack).
  const more = !message.ephemeral && data.shortcuts.length
    ? '<button type="button" class="more" data-more="1" aria-label="More actions" ' +
      'aria-haspopup="menu" title="More actions">⋯</button>'
    : "";
  const tools = start || more ? `<div class="msg-tools">${start}${more}</div>` : "";
  const css = ["msg", message.bot ? "bot" : "", message.ephemeral ? "ephemeral" : ""].join(" ");
  return `<div class="${css}" data-channel="${escapeHtml(channel)}" data-ts="${message.ts}">` +
    `${avatar}<div class="body"><div class="meta"><b>${escapeHtml(message.name)}</b>${badge}` +
    `<time>${escapeHtml(message.time)}</time>${edited}</div>` +
    `<div class="content">${message.html}</div>${only}${replies}</div>${tools}</div>`;
}

// -- a message's "…" menu --------------------------------------------------------------------

function openMenu(button) {
  const message = button.closest(".msg");
  const menu = $("message-menu");
  menu.dataset.channel = message.dataset.channel;
  menu.dataset.ts = message.dataset.ts;
  menu.innerHTML = '<div class="menu-head">podbot</div>' + data.shortcuts.map((s) =>
    `<button type="button" role="menuitem" data-shortcut="${escapeHtml(s.callback_id)}" ` +
    `title="${escapeHtml(s.description)}">${escapeHtml(s.name)}</button>`).join("");
  menu.hidden = false;
  const at = button.getBoundingClientRect();
  const below = at.bottom + 4 + menu.offsetHeight <= window.innerHeight;
  menu.style.top = `${below ? at.bottom + 4 : Math.max(4, at.top - 4 - menu.offsetHeight)}px`;
  menu.style.left = `${Math.max(4, at.right - menu.offsetWidth)}px`;
  const first = menu.querySelector("[data-shortcut]");
  if (first) first.focus();
}

function closeMenu() {
  $("message-menu").hidden = true;
}

function setHtml(element, html, stickToBottom) {
  if (element.dataset.html === html) return;
  const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight < 60;
  element.innerHTML = html;
  element.dataset.html = html;
  if (stickToBottom || atBottom) element.scrollTop = element.scrollHeight;
}

function render() {
  $("loading").hidden = data.ready;
  $("loading-progress").textContent = data.progress || "";
  // No one chosen yet, or someone the configuration lacks: the state answered for the person
  // asked about says who it is. (A state for the person before a picker change is not that:
  // it must not undo the change.)
  if (data.asked === view.as && view.as !== data.me.id) {
    view.as = data.me.id;
    savePlace();
  }
  renderPicker();
  if (view.channel !== "HOME" && !clickupList(view.channel) && !findConversation(view.channel)) {
    const mine = data.channels.find((c) => c.member) || data.channels[0] || data.dms[0];
    view.channel = mine ? mine.id : "";
    view.thread = null;
    savePlace();
  }
  renderSidebar();
  renderChannel();
  renderThread();
  renderModal();
  renderClock();
  keepActiveInSight();  // last: the clock panel's height sets the lists' room
}

function renderPicker() {
  const key = data.people.map((p) => p.id).join(",");
  if (filled !== key) {
    $("as").innerHTML = data.people.map((p) =>
      `<option value="${p.id}">${escapeHtml(p.name)} — ${escapeHtml(p.roles)}</option>`).join("");
    filled = key;
    const pods = data.clock.pods;
    const podOptions = pods.map((p) => `<option value="${p.key}">${escapeHtml(p.name)}</option>`).join("");
    $("morning-pod").innerHTML = podOptions;
    $("job-pod").innerHTML = '<option value="">every POD</option>' + podOptions;
    $("set-tz").innerHTML = pods.map((p) =>
      `<option value="${escapeHtml(p.timezone)}">${escapeHtml(p.timezone)}</option>`).join("") +
      '<option value="UTC">UTC</option>';
    $("job").innerHTML = data.jobs.map((j) =>
      `<option value="${j.name}" title="${escapeHtml(j.summary)}">${j.name}</option>`).join("");
  }
  $("as").value = data.me.id;
  $("me-roles").textContent = `@${data.me.handle} · ${data.me.timezone}`;
}

function renderSidebar() {
  const item = (c, label) => {
    const total = count(c);
    if (seen[c.id] === undefined || c.id === view.channel) seen[c.id] = total;
    const fresh = total - seen[c.id];
    const badge = fresh > 0 ? `<span class="badge">${fresh}</span>` : "";
    const active = c.id === view.channel ? "active" : "";
    return `<li><a href="#" class="${active}" data-conversation="${c.id}">${label}${badge}</a></li>`;
  };
  setHtml($("channels"), data.channels.map((c) =>
    item(c, `<span title="# ${escapeHtml(c.name)}"># ${escapeHtml(c.name)}</span>`)).join(""));
  setHtml($("dms"), data.dms.map((c) =>
    item(c, `<span title="${escapeHtml(c.name)}">${escapeHtml(c.name)}${c.mine ? " (you)" : ""}</span>`)).join(""));
  const lists = (data.clickup && data.clickup.lists) || [];
  $("clickup-head").hidden = !lists.length;
  setHtml($("clickup-lists"), lists.map((l) => {
    const active = view.channel === `CLICKUP:${l.pod}` ? "active" : "";
    return `<li><a href="#" class="${active}" data-clickup-list="${escapeHtml(l.pod)}">` +
      `<span title="${escapeHtml(l.name)}">✅ ${escapeHtml(l.name)}</span>` +
      `<span class="muted">${l.tasks.length}</span></a></li>`;
  }).join(""));
}

// The conversation lists scroll on their own in a short window: when another conversation
// opens (from a link, a notification, the URL), its entry is scrolled into the list's sight.
// Only the list scrolls, and only on a change, so a person's own scrolling is left alone.
function keepActiveInSight() {
  if (!data.ready || view.channel === activeInSight) return;  // the lists are still filling
  const list = document.querySelector(".nav-lists");
  const active = list.querySelector("a.active");
  if (!active) return;
  activeInSight = view.channel;
  const top = active.getBoundingClientRect().top - list.getBoundingClientRect().top;
  const bottom = top + active.offsetHeight;
  if (top < 0) list.scrollTop += top - 24;
  else if (bottom > list.clientHeight) list.scrollTop += bottom - list.clientHeight + 24;
}

// -- the ClickUp view (the stand-in's list of a POD; issue 31) ------------------------------

function clickupList(channel) {
  if (!channel || !channel.startsWith("CLICKUP:") || !data.clickup) return null;
  return data.clickup.lists.find((l) => `CLICKUP:${l.pod}` === channel) || null;
}

function clickupTaskHtml(list, task) {
  const comments = task.comments.map((c) =>
    `<li class="${c.bot ? "bot" : ""}"><span class="who">${escapeHtml(c.name)}</span>` +
    `<span class="when">${escapeHtml(c.time)}</span><div>${escapeHtml(c.text)}</div></li>`).join("");
  const statuses = list.statuses.map((s) =>
    `<option value="${escapeHtml(s)}"${s === task.status ? " selected" : ""}>${escapeHtml(s)}</option>`).join("");
  const meta = [
    task.req ? `podbot request ${escapeHtml(task.req)}` : "",
    task.assignees.length ? `assignee ${escapeHtml(task.assignees.join(", "))}` : "no assignee",
    task.due ? `due ${escapeHtml(task.due)}` : "no due date",
    `task ${escapeHtml(task.id)}`,
  ].filter(Boolean).join(" · ");
  return `<div class="cu-task${task.closed ? " closed" : ""}" data-task="${escapeHtml(task.id)}">
    <div class="cu-head"><span class="cu-status" style="background:${escapeHtml(task.color)}">${escapeHtml(task.status)}</span>
      <span class="cu-name">${escapeHtml(task.name)}</span></div>
    <div class="cu-meta">${meta}</div>
    <ul class="cu-comments">${comments || '<li class="muted">No comments yet.</li>'}</ul>
    <form class="cu-form" data-clickup-comment="${escapeHtml(task.id)}" autocomplete="off">
      <textarea rows="1" aria-label="Comment on ${escapeHtml(task.name)} in ClickUp"
        placeholder="Comment in ClickUp as ${escapeHtml(data.me.name)}…"></textarea>
      <button type="submit">Comment</button>
      <select aria-label="Status of ${escapeHtml(task.name)}" data-clickup-status="${escapeHtml(task.id)}">${statuses}</select>
    </form>
  </div>`;
}

function renderClickUp(list) {
  $("channel-title").textContent = `ClickUp · ${list.name}`;
  $("channel-topic").textContent = `List ${list.list_id} in the ClickUp stand-in · ` +
    "comment or move a status as the person acting: ClickUp's webhook tells podbot";
  const html = list.tasks.length
    ? list.tasks.map((t) => clickupTaskHtml(list, t)).join("")
    : '<div class="empty">No tasks yet: podbot creates one for each new request.</div>';
  const key = `CLICKUP:${list.pod}`;
  const switched = $("messages").dataset.channel !== key;
  // Leave the page alone while a comment is being typed: a refresh would wipe it.
  const active = document.activeElement;
  const typing = active && active.tagName === "TEXTAREA" && active.closest(".cu-form") &&
    active.value.trim() !== "";
  $("messages").dataset.channel = key;
  if (!typing || switched) setHtml($("messages"), html, switched);
  $("composer").style.display = "none";
  $("composer-hint").innerHTML = "";
}

function renderHome() {
  $("channel-title").textContent = "podbot · Home";
  $("channel-topic").textContent = "Your App Home tab, as podbot last published it";
  const html = data.home
    ? `<div class="msg home-view" data-home="1"><div class="body"><div class="content">${data.home.html}</div></div></div>`
    : '<div class="empty">Opening your Home…</div>';
  const switched = $("messages").dataset.channel !== "HOME";
  $("messages").dataset.channel = "HOME";
  setHtml($("messages"), html, switched);
  $("composer").style.display = "none";
  $("composer-hint").innerHTML = "";
}

function renderChannel() {
  document.querySelectorAll("#open-home").forEach((a) => a.classList.toggle("active", view.channel === "HOME"));
  if (view.channel === "HOME") { renderHome(); return; }
  const list = clickupList(view.channel);
  if (list) { renderClickUp(list); return; }
  $("composer").style.display = "";
  const conversation = findConversation(view.channel);
  if (!conversation) return;
  const isChannel = conversation.id.startsWith("C") || conversation.id.startsWith("G");
  $("channel-title").textContent = isChannel ? `# ${conversation.name}` : conversation.name;
  $("channel-topic").textContent = conversation.topic || (conversation.mine
    ? "Your direct messages with podbot" : "Someone else's direct messages, shown for the demo");
  const canvas = conversation.canvas
    ? `<div class="msg canvas"><div class="body"><div class="content"><strong>Canvas</strong>` +
      `<pre class="canvas-text">${escapeHtml(conversation.canvas)}</pre></div></div></div>`
    : "";
  const html = canvas + (conversation.messages.length
    ? conversation.messages.map((m) => messageHtml(m, conversation.id, false)).join("")
    : '<div class="empty">No messages yet.</div>');
  const switched = $("messages").dataset.channel !== conversation.id;
  $("messages").dataset.channel = conversation.id;
  setHtml($("messages"), html, switched);
  const pod = data.clock.pods.find((p) => p.key === conversation.pod);
  const handles = data.people.filter((p) => !pod || p.roles.includes(pod.name))
    .slice(0, 6).map((p) => `@${p.handle}`).join(", ");
  $("composer-hint").innerHTML = `Try <code>${data.command} help</code>, ` +
    `<code>${data.command} new</code>, <code>${data.command} mine</code>. ` +
    `Mention people with @name: ${escapeHtml(handles)}…`;
}

function renderThread() {
  const conversation = view.thread && findConversation(view.thread.channel);
  const parent = conversation && conversation.messages.find((m) => m.ts === view.thread.ts);
  if (!parent) {
    $("thread").hidden = true;
    return;
  }
  $("thread").hidden = false;
  $("thread-where").textContent = conversation.id.startsWith("D") ? conversation.name : `# ${conversation.name}`;
  const html = `<div class="parent">${messageHtml(parent, conversation.id, true)}</div>` +
    (parent.replies || []).map((m) => messageHtml(m, conversation.id, true)).join("");
  const key = `${conversation.id}/${parent.ts}`;
  const switched = $("thread-messages").dataset.thread !== key;
  $("thread-messages").dataset.thread = key;
  setHtml($("thread-messages"), html, switched);
}

function renderModal() {
  const modal = data.modal;
  if (!modal) {
    $("modal-backdrop").hidden = true;
    modalKey = "";
    return;
  }
  const key = `${modal.id}|${modal.hash}`;
  if (key !== modalKey) {
    modalKey = key;
    $("modal-title").textContent = modal.title;
    $("modal-body").innerHTML = modal.html;
    $("modal-cancel").textContent = modal.close;
    $("modal-submit").textContent = modal.submit;
    $("modal").dataset.viewId = modal.id;
    $("modal-backdrop").hidden = false;
    const first = $("modal-body").querySelector("input, textarea, select");
    if (first) first.focus();
  } else {
    showErrors(modal.errors || {});
  }
}

function showErrors(errors) {
  for (const block of $("modal-body").querySelectorAll("[data-input-block]")) {
    const error = errors[block.dataset.inputBlock];
    const old = block.querySelector(".field-error");
    if (old) old.remove();
    block.classList.toggle("has-error", Boolean(error));
    if (error) {
      const line = document.createElement("div");
      line.className = "field-error";
      line.textContent = error;
      block.appendChild(line);
    }
  }
}

function renderClock() {
  const pods = data.clock.pods;
  $("clock-strip").innerHTML = pods.map((p) =>
    `<span title="${escapeHtml(p.local)}"><b>${escapeHtml(p.name)}</b> ${escapeHtml(p.short)}</span>`).join("");
  setHtml($("pod-times"), pods.map((p) =>
    `<div class="${p.working_day ? "" : "off"}"><b>${escapeHtml(p.name)}</b>: ${escapeHtml(p.local)}` +
    `${p.working_day ? "" : " · day off"}</div>`).join(""));
  // Follow the clock in the "set" field, unless someone is typing a time there.
  if (pods.length && $("set-at").dataset.utc !== data.clock.utc && document.activeElement !== $("set-at")) {
    const pod = pods.find((p) => p.timezone === $("set-tz").value) || pods[0];
    $("set-at").value = pod.input;
    $("set-tz").value = pod.timezone;
    $("set-at").dataset.utc = data.clock.utc;
  }
  setHtml($("upcoming"), data.clock.next.map((n) =>
    `<li><span>${escapeHtml(n.job)} · ${escapeHtml(n.pod_name)} · ${escapeHtml(n.local)}</span>` +
    `<button type="button" data-go="${escapeHtml(n.at)}" title="Set the clock to this run">Go</button></li>`).join(""));
  setHtml($("activity"), data.log.map((line) => `<li>${escapeHtml(line)}</li>`).join(""));
  // A simulated Slack outage: podbot keeps queueing; the count is its outbox backlog.
  const slack = data.slack || { down: false, queued: 0 };
  const queued = `${slack.queued} message${slack.queued === 1 ? "" : "s"} queued`;
  $("slack-status").textContent = `${slack.down ? "Slack is down" : "Slack is up"} · ${queued}`;
  $("slack-status").classList.toggle("off", slack.down);
  $("slack-toggle").textContent = slack.down ? "End the outage" : "Simulate an outage";
  $("slack-toggle").dataset.down = slack.down ? "1" : "";
}

// -- acting ----------------------------------------------------------------------------------

async function act(body) {
  try {
    return await post("/sandbox/send", { as: view.as, ...body });
  } catch (error) {
    toast(error.message, true);
    return null;
  } finally {
    refresh();
  }
}

async function send(textarea, threadTs) {
  const text = textarea.value;
  if (!text.trim()) return;
  textarea.disabled = true;
  const answer = await act({ kind: "text", channel: view.channel, thread_ts: threadTs, text });
  textarea.disabled = false;
  if (answer) textarea.value = "";
  textarea.focus();
}

function values() {
  const state = {};
  for (const field of $("modal-body").querySelectorAll("[data-block-id][data-type]")) {
    const { blockId, actionId, type } = field.dataset;
    let value;
    if (type === "radio_buttons") {
      const chosen = field.querySelector("input:checked");
      value = { type, selected_option: chosen ? option(chosen.value, chosen.dataset.text) : null };
    } else if (type === "checkboxes") {
      const chosen = [...field.querySelectorAll("input:checked")];
      value = { type, selected_options: chosen.map((c) => option(c.value, c.dataset.text)) };
    } else if (type === "datepicker") {
      value = { type, selected_date: field.value || null };
    } else if (type === "users_select") {
      value = { type, selected_user: field.value || null };
    } else if (field.tagName === "SELECT") {
      const chosen = field.selectedOptions[0];
      value = { type, selected_option: field.value ? option(field.value, chosen.dataset.text) : null };
    } else {
      value = { type, value: field.value === "" ? null : field.value };
    }
    state[blockId] = state[blockId] || {};
    state[blockId][actionId] = value;
  }
  return state;
}

function option(value, text) {
  return { text: { type: "plain_text", text, emoji: true }, value };
}

async function clock(body) {
  try {
    const answer = await post("/sandbox/clock", body);
    const done = answer.outcomes.filter((o) =>
      !/nothing to do|already done|: 0 /.test(o));
    toast(done.length ? done.join("\n") : "The clock moved; nothing else was due.");
  } catch (error) {
    toast(error.message, true);
  } finally {
    refresh();
  }
}

document.addEventListener("click", async (event) => {
  const shortcut = event.target.closest("#message-menu [data-shortcut]");
  if (shortcut) {
    const menu = $("message-menu");
    closeMenu();
    await act({
      kind: "shortcut", channel: menu.dataset.channel, ts: menu.dataset.ts,
      callback_id: shortcut.dataset.shortcut,
    });
    return;
  }
  const more = event.target.closest("button[data-more]");
  if (more) {
    openMenu(more);
    return;
  }
  if (!event.target.closest("#message-menu")) closeMenu();
  const button = event.target.closest("button.bk-button[data-action-id]");
  if (button && !button.disabled) {
    const message = button.closest(".msg");
    if (button.dataset.confirm && !confirm(button.dataset.confirm)) return;
    button.classList.add("busy");
    if (message.dataset.home) {
      await act({ kind: "home_action", action_id: button.dataset.actionId, value: button.dataset.value });
      button.classList.remove("busy");
      return;
    }
    await act({
      kind: "action", channel: message.dataset.channel, ts: message.dataset.ts,
      action_id: button.dataset.actionId, block_id: button.dataset.blockId, value: button.dataset.value,
    });
    button.classList.remove("busy");
    return;
  }
  const link = event.target.closest("[data-goto-channel]");
  if (link) {
    event.preventDefault();
    view.channel = link.dataset.gotoChannel;
    view.thread = { channel: link.dataset.gotoChannel, ts: link.dataset.gotoThread };
    savePlace();
    render();
    for (const message of document.querySelectorAll(`.msg[data-ts="${link.dataset.gotoTs}"]`)) {
      message.classList.add("highlight");
      message.scrollIntoView({ block: "center" });
    }
    return;
  }
  const open = event.target.closest("[data-open-thread]");
  if (open) {
    const message = open.closest(".msg");
    view.thread = { channel: message.dataset.channel, ts: open.dataset.openThread };
    savePlace();
    render();
    $("thread-text").focus();
    return;
  }
  const home = event.target.closest("[data-home]");
  if (home && home.id === "open-home") {
    event.preventDefault();
    view.channel = "HOME";
    view.thread = null;
    savePlace();
    render();
    await act({ kind: "home" });  // Slack sends app_home_opened when the tab is opened
    return;
  }
  const clickupLink = event.target.closest("[data-clickup-list]");
  if (clickupLink) {
    event.preventDefault();
    view.channel = `CLICKUP:${clickupLink.dataset.clickupList}`;
    view.thread = null;
    savePlace();
    render();
    return;
  }
  const conversation = event.target.closest("[data-conversation]");
  if (conversation) {
    event.preventDefault();
    view.channel = conversation.dataset.conversation;
    view.thread = null;
    savePlace();
    render();
    return;
  }
  const go = event.target.closest("[data-go]");
  if (go) {
    clock({ action: "set", at: go.dataset.go });
    return;
  }
  const advance = event.target.closest("[data-advance]");
  if (advance) clock({ action: "advance", minutes: Number(advance.dataset.advance) });
});

async function clickup(body) {
  try {
    const answer = await post("/sandbox/clickup", { as: view.as, ...body });
    toast(answer.outcome);
    return answer;
  } catch (error) {
    toast(error.message, true);
    return null;
  } finally {
    refresh();
  }
}

document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form[data-clickup-comment]");
  if (!form) return;
  event.preventDefault();
  const textarea = form.querySelector("textarea");
  if (!textarea.value.trim()) return;
  textarea.disabled = true;
  const answer = await clickup({ action: "comment", task_id: form.dataset.clickupComment, text: textarea.value });
  textarea.disabled = false;
  if (answer) { textarea.value = ""; textarea.blur(); }
  if (data) render();  // what a refresh skipped while the comment was being typed
});

// Choosing from a message's menu is the click: Slack sends block_actions at once.
document.addEventListener("change", async (event) => {
  const status = event.target.closest("select[data-clickup-status]");
  if (status) {
    await clickup({ action: "status", task_id: status.dataset.clickupStatus, status: status.value });
    return;
  }
  const select = event.target.closest("select.bk-select[data-action-id]");
  if (!select || select.disabled || !select.value) return;
  const message = select.closest(".msg");
  if (!message || message.dataset.home) return;  // a Home has no menus
  select.classList.add("busy");
  await act({
    kind: "action", channel: message.dataset.channel, ts: message.dataset.ts,
    action_id: select.dataset.actionId, block_id: select.dataset.blockId, value: select.value,
  });
  select.classList.remove("busy");
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") closeMenu();
});
window.addEventListener("resize", closeMenu);

$("as").addEventListener("change", () => {
  view.as = $("as").value;
  since = "";
  modalKey = "";
  savePlace();
  if (view.channel === "HOME") act({ kind: "home" });  // the new person opens their Home
  else refresh();
});
$("thread-close").addEventListener("click", () => { view.thread = null; savePlace(); render(); });
$("composer").addEventListener("submit", (e) => { e.preventDefault(); send($("composer-text"), null); });
$("thread-composer").addEventListener("submit", (e) => {
  e.preventDefault();
  if (view.thread) send($("thread-text"), view.thread.ts);
});
for (const id of ["composer-text", "thread-text"]) {
  $(id).addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      event.target.form.requestSubmit();
    }
  });
}
$("modal").addEventListener("submit", async (event) => {
  event.preventDefault();
  const viewId = $("modal").dataset.viewId;
  $("modal-submit").disabled = true;
  const answer = await act({ kind: "submit", view_id: viewId, values: values() });
  $("modal-submit").disabled = false;
  if (answer && answer.answer && answer.answer.response_action === "errors") {
    showErrors(answer.answer.errors || {});
  } else if (answer) {
    $("modal-backdrop").hidden = true;
    modalKey = "";
  }
});
for (const id of ["modal-cancel", "modal-x"]) {
  $(id).addEventListener("click", async () => {
    $("modal-backdrop").hidden = true;
    await act({ kind: "close", view_id: $("modal").dataset.viewId });
    modalKey = "";
  });
}
$("next-morning").addEventListener("click", () => clock({ action: "next-morning", pod: $("morning-pod").value }));
$("set-clock").addEventListener("click", () =>
  clock({ action: "set", at: $("set-at").value, timezone: $("set-tz").value }));
$("run-job").addEventListener("click", async () => {
  try {
    const answer = await post("/sandbox/jobs/run", { job: $("job").value, pod: $("job-pod").value || null });
    toast(answer.outcomes.join("\n"));
  } catch (error) {
    toast(error.message, true);
  } finally {
    refresh();
  }
});

$("slack-toggle").addEventListener("click", async () => {
  try {
    const action = $("slack-toggle").dataset.down ? "restore" : "outage";
    const answer = await post("/sandbox/slack", { action });
    toast(answer.outcome);
  } catch (error) {
    toast(error.message, true);
  } finally {
    refresh();
  }
});

loadPlace();
loop();
