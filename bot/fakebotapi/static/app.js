// The rehearsal page: keeps a copy of the fake's world, follows /_control/stream (SSE) and
// acts as the selected person through the control API.  See docs/fakebotapi.md.
"use strict";

(() => {
  const { el } = Render;
  const $ = (id) => document.getElementById(id);
  const S = {
    users: new Map(), chats: new Map(), messages: new Map(), seq: 0, hooks: {},
    me: null, chatId: null, replyTo: null, editing: null, pressed: new Set(), callbacks: new Map(),
    bot: null,
  };
  const key = (chatId, messageId) => chatId + ":" + messageId;

  async function call(name, body) {
    const init = body === undefined ? {} : {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    };
    const reply = await fetch("/_control/" + name, init);
    const data = await reply.json();
    if (!data.ok) throw new Error(data.error || reply.statusText);
    return data.result;
  }

  function toast(text, isError) {
    const box = $("toast");
    box.textContent = text;
    box.className = isError ? "error" : "";
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { box.hidden = true; }, isError ? 6000 : 3500);
  }

  const attempt = (promise) => promise.catch((err) => toast(err.message, true));

  // -- the world ------------------------------------------------------------------------
  function applyWorld(world) {
    S.users.clear(); S.chats.clear(); S.messages.clear();
    S.bot = world.bot;
    world.users.forEach((u) => S.users.set(u.id, u));
    world.chats.forEach((c) => S.chats.set(c.id, c));
    world.messages.forEach((m) => S.messages.set(key(m.chat_id, m.message_id), m));
    S.seq = world.seq;
    if (world.hooks) S.hooks = world.hooks;
    const groups = groupChats();
    if (S.chatId === null || !S.chats.has(S.chatId)) S.chatId = groups.length ? groups[0].id : null;
    if (S.me === null || !S.users.has(S.me)) S.me = organizerOf(S.chats.get(S.chatId));
    renderAll();
  }

  function groupChats() { return [...S.chats.values()].filter((c) => c.type !== "private"); }

  function organizerOf(chat) {
    const members = (chat && chat.members) || [];
    const boss = members.find((m) => m.status === "creator") ||
      members.find((m) => m.status === "administrator");
    if (boss) return boss.user_id;
    const first = S.users.keys().next();
    return first.done ? null : first.value;
  }

  function nameOf(userId) { return Render.userName(S.users.get(userId)); }

  function handle(event) {
    S.seq = Math.max(S.seq, event.seq);
    const d = event.data;
    if (event.type === "reset") return applyWorld(d);
    if (event.type === "user") { S.users.set(d.id, d); renderUsers(); renderChats(); }
    if (event.type === "chat") { S.chats.set(d.id, d); renderChats(); renderHeader(); }
    if (event.type === "message") onMessage(d);
    if (event.type === "callback") { S.callbacks.set(d.id, d); callbackAnswered(d.id); }
    if (event.type === "hooks") { S.hooks = d; renderClock(); }
    if (event.type === "clock") { showClock(d.result); refreshAgenda(); }
    return undefined;
  }

  // The bot's answerCallbackQuery text, for a button pressed on this page, as a toast.
  function callbackAnswered(id) {
    const query = S.callbacks.get(id);
    if (!S.pressed.has(id) || !query || !query.answered) return;
    S.pressed.delete(id);
    if (query.answer && query.answer.text) toast(query.answer.text);
  }

  function onMessage(view) {
    const previous = S.messages.get(key(view.chat_id, view.message_id));
    S.messages.set(key(view.chat_id, view.message_id), view);
    if (view.chat_id === S.chatId) upsert(view);
    if (!previous) renderChats();
    if (view.from_bot) scheduleAgenda();
  }

  function connect() {
    const source = new EventSource("/_control/stream?since=" + S.seq);
    source.onmessage = (e) => handle(JSON.parse(e.data));
    source.onopen = () => document.body.classList.remove("offline");
    source.onerror = () => document.body.classList.add("offline");
  }

  // -- sidebar: who I am, which chat ----------------------------------------------------
  function renderUsers() {
    const select = $("user-select");
    select.replaceChildren();
    const group = S.chats.get(S.chatId);
    for (const u of S.users.values()) {
      const member = ((group && group.members) || []).find((m) => m.user_id === u.id);
      const role = member && ["creator", "administrator"].includes(member.status) ? " (organizer)" : "";
      const option = el("option", "", u.name + role);
      option.value = String(u.id);
      select.appendChild(option);
    }
    select.value = String(S.me);
  }

  function lastMessage(chatId) {
    let last = null;
    for (const m of S.messages.values()) {
      if (m.chat_id === chatId && !m.deleted && (!last || m.message_id > last.message_id)) last = m;
    }
    return last;
  }

  function chatEntry(chatId, title, subtitle, isBotChat) {
    const item = el("button", "chat-item" + (chatId === S.chatId ? " active" : ""));
    item.type = "button";
    item.dataset.chatId = String(chatId);
    item.appendChild(isBotChat ? Bubble.avatar(S.bot, true) : el("div", "avatar group", "👥"));
    const text = el("div", "chat-text");
    text.appendChild(el("div", "chat-name", title));
    text.appendChild(el("div", "chat-preview", subtitle));
    item.appendChild(text);
    item.addEventListener("click", () => selectChat(chatId));
    return item;
  }

  function renderChats() {
    const list = $("chat-list");
    list.replaceChildren(el("div", "list-head", "Groups"));
    for (const chat of groupChats()) {
      const last = lastMessage(chat.id);
      list.appendChild(chatEntry(chat.id, chat.title, last ? Render.snippet(last.message) : ""));
    }
    list.appendChild(el("div", "list-head", "Private chats with the bot"));
    for (const u of S.users.values()) {
      const chat = S.chats.get(u.id);
      const last = lastMessage(u.id);
      const sub = !chat || !chat.started ? "not started: tap, then Start"
        : last ? Render.snippet(last.message) : "";
      list.appendChild(chatEntry(u.id, u.name + " ↔ bot", sub, true));
    }
  }

  function selectChat(chatId) {
    if (S.users.has(chatId) && S.me !== chatId) S.me = chatId;  // a private chat is its owner's
    S.chatId = chatId;
    cancelContext();
    document.body.classList.remove("drawer-open");
    renderAll();
  }

  function selectUser(userId) {
    if (S.users.has(S.chatId)) S.chatId = userId;  // follow to the new person's private chat
    S.me = userId;
    cancelContext();
    renderAll();
  }

  // -- the chat -------------------------------------------------------------------------
  function renderHeader() {
    const isPrivate = S.users.has(S.chatId);
    const chat = S.chats.get(S.chatId);
    $("chat-title").textContent = isPrivate ? (S.bot ? S.bot.first_name : "bot")
      : chat ? chat.title : "No chat yet";
    $("chat-subtitle").textContent = isPrivate ? "private chat with " + nameOf(S.chatId)
      : chat ? (chat.members || []).filter((m) => ["creator", "administrator", "member"].includes(m.status)).length + 1 + " members" : "";
    const started = !isPrivate || (chat && chat.started);
    $("start-panel").hidden = !!started;
    $("composer").hidden = !started;
    $("acting-as").textContent = "as " + nameOf(S.me);
  }

  const bubbleContext = () => ({
    me: S.me, isGroup: !S.users.has(S.chatId), nameOf,
    messageOf: (chatId, id) => S.messages.get(key(chatId, id)),
    vote: (view, option) => attempt(call("vote", {
      chat_id: view.chat_id, message_id: view.message_id, user_id: S.me,
      option_ids: option === null ? [] : [option],
    })),
    press: (view, data) => attempt(call("press", {
      chat_id: view.chat_id, message_id: view.message_id, user_id: S.me, data,
    }).then((update) => {
      S.pressed.add(update.callback_query.id);
      callbackAnswered(update.callback_query.id);  // the answer may have come first
    })),
    reply: (view) => setContext("reply", view),
    edit: (view) => setContext("edit", view),
    jumpTo: (chatId, id) => {
      const node = $("m-" + chatId + "-" + id);
      if (node) { node.scrollIntoView({ block: "center" }); node.classList.add("flash"); setTimeout(() => node.classList.remove("flash"), 1200); }
    },
  });

  function renderMessages() {
    const box = $("messages");
    box.replaceChildren();
    const views = [...S.messages.values()].filter((m) => m.chat_id === S.chatId && !m.deleted)
      .sort((a, b) => a.message_id - b.message_id);
    const ctx = bubbleContext();
    for (const view of views) box.appendChild(Bubble.build(view, ctx));
    if (!views.length) box.appendChild(el("div", "empty", "No messages here yet."));
    box.scrollTop = box.scrollHeight;
  }

  function upsert(view) {
    const box = $("messages");
    const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
    const old = $("m-" + view.chat_id + "-" + view.message_id);
    const empty = box.querySelector(".empty");
    if (empty) empty.remove();
    if (view.deleted) { if (old) old.remove(); return; }
    const node = Bubble.build(view, bubbleContext());
    if (old) old.replaceWith(node);
    else {
      const later = [...box.children].find((c) => Number(c.dataset.messageId) > view.message_id);
      box.insertBefore(node, later || null);
    }
    if (!old && (nearBottom || (!view.from_bot && view.message.from.id === S.me))) {
      box.scrollTop = box.scrollHeight;
    }
  }

  function renderAll() { renderUsers(); renderChats(); renderHeader(); renderMessages(); renderClock(); }

  // -- composer: send, reply, edit ------------------------------------------------------
  function setContext(kind, view) {
    S.replyTo = kind === "reply" ? view : null;
    S.editing = kind === "edit" ? view : null;
    $("compose-context").hidden = false;
    $("ctx-label").textContent = kind === "reply" ? "Reply to " + Render.userName(view.message.from) : "Edit message";
    $("ctx-text").textContent = Render.snippet(view.message);
    const input = $("composer-text");
    if (kind === "edit") input.value = view.message.text || "";
    input.focus();
  }

  function cancelContext() {
    S.replyTo = null; S.editing = null;
    $("compose-context").hidden = true;
  }

  async function submit(event) {
    event.preventDefault();
    const input = $("composer-text");
    const text = input.value;
    if (!text.trim()) return;
    if (S.editing) {
      await call("edit", { chat_id: S.chatId, message_id: S.editing.message_id, user_id: S.me, text });
    } else {
      const body = { chat_id: S.chatId, user_id: S.me, text };
      if (S.replyTo) body.reply_to = S.replyTo.message_id;
      await call("send", body);
    }
    input.value = "";
    cancelContext();
  }

  // -- the clock ------------------------------------------------------------------------
  function renderClock() {
    const on = !!S.hooks.clock;
    document.querySelectorAll("#clock-bar button[data-jump]").forEach((b) => {
      b.disabled = !on;
      b.title = on ? "" : "No bot clock: the standalone fake has none (circle-bot rehearse does)";
    });
    $("agenda").hidden = !S.hooks.agenda;
    if (!on && !$("clock-status").textContent) $("clock-status").textContent = "clock not connected";
  }

  function showClock(result) {
    const parts = result && typeof result === "object"
      ? [result.now && "now " + result.now, result.message].filter(Boolean) : [];
    $("clock-status").textContent = parts.length ? parts.join(" · ") : JSON.stringify(result);
  }

  async function refreshAgenda() {
    if (!S.hooks.agenda) return;
    const list = $("agenda-list");
    try {
      const { sessions } = await call("agenda");
      list.replaceChildren(...sessions.map((s) => el("li", "", s)));
      if (!sessions.length) list.appendChild(el("li", "muted", "no sessions scheduled"));
      $("agenda-next").textContent = sessions.length ? "Next: " + sessions[0] : "";
    } catch (err) { list.replaceChildren(el("li", "error", err.message)); }
  }

  function scheduleAgenda() {
    clearTimeout(scheduleAgenda.timer);
    scheduleAgenda.timer = setTimeout(refreshAgenda, 1000);
  }

  // -- wiring ---------------------------------------------------------------------------
  function wire() {
    $("user-select").addEventListener("change", (e) => selectUser(Number(e.target.value)));
    $("composer").addEventListener("submit", (e) => attempt(submit(e)));
    $("composer-text").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("composer").requestSubmit(); }
      if (e.key === "Escape") cancelContext();
    });
    $("ctx-cancel").addEventListener("click", () => { cancelContext(); $("composer-text").value = ""; });
    $("start-button").addEventListener("click", () => attempt(call("start", { user_id: S.chatId })));
    $("menu-toggle").addEventListener("click", () => document.body.classList.toggle("drawer-open"));
    $("scrim").addEventListener("click", () => document.body.classList.remove("drawer-open"));
    $("add-member").addEventListener("click", () => { $("add-member-form").hidden = false; $("new-member-name").focus(); });
    $("add-member-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const name = $("new-member-name").value.trim();
      const group = S.users.has(S.chatId) ? groupChats()[0] : S.chats.get(S.chatId);
      if (!name) return;
      attempt(call("users", { first_name: name, chat_id: group ? group.id : undefined }).then((u) => {
        $("new-member-name").value = ""; $("add-member-form").hidden = true;
        S.users.set(u.id, u);
        document.body.classList.remove("drawer-open");
        selectUser(u.id);
      }));
    });
    document.querySelectorAll("#clock-bar button[data-jump]").forEach((b) => b.addEventListener("click", () => {
      b.classList.add("busy");
      attempt(call("clock", { jump: b.dataset.jump }).then(showClock)).finally(() => b.classList.remove("busy"));
    }));
    document.addEventListener("insert-command", (e) => {
      const input = $("composer-text");
      input.value = e.detail + " ";
      input.focus();
    });
  }

  async function main() {
    wire();
    applyWorld(await call("world"));
    refreshAgenda();
    connect();
  }

  attempt(main());
})();
