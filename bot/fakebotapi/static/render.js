// Turns the fake's message views into DOM nodes, the way Telegram shows messages.
// Text only ever goes in through textContent / createTextNode: HTML that anyone typed is shown
// as text, never parsed.  Entity offsets are UTF-16 code units, which is what JS strings index.
"use strict";

const Render = (() => {
  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  const SAFE_URL = /^(https?:|mailto:|tg:)/i;

  function linkTo(href, cls) {
    if (!SAFE_URL.test(href)) return el("span", cls || "link-unsafe");
    const a = el("a", cls);
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  // Quotes opened and spoilers revealed stay so when their message is drawn again.
  const opened = new Set();

  function elementFor(entity, slice, key) {
    const id = key + ":" + entity.offset + ":" + entity.type;
    switch (entity.type) {
      case "bold": return el("b");
      case "italic": return el("i");
      case "underline": return el("u");
      case "strikethrough": return el("s");
      case "code": return el("code");
      case "pre": {
        const pre = el("pre");
        if (entity.language) pre.dataset.language = entity.language;
        const code = el("code");
        pre.appendChild(code);
        pre.contentTarget = code;
        return pre;
      }
      case "text_link": return linkTo(entity.url || "");
      case "url": return linkTo(/^[a-z]+:/i.test(slice) ? slice : "http://" + slice);
      case "email": return linkTo("mailto:" + slice);
      case "blockquote": return el("blockquote");
      case "expandable_blockquote": {
        const quote = el("blockquote", "expandable" + (opened.has(id) ? "" : " collapsed"));
        quote.tabIndex = 0;
        quote.setAttribute("role", "button");
        quote.setAttribute("aria-expanded", String(opened.has(id)));
        quote.title = "Tap to expand or collapse";
        const toggle = () => {
          const open = quote.classList.toggle("collapsed") === false;
          quote.setAttribute("aria-expanded", String(open));
          if (open) opened.add(id); else opened.delete(id);
        };
        quote.addEventListener("click", (e) => { if (!e.target.closest("a")) toggle(); });
        quote.addEventListener("keydown", (e) => { if (e.key === "Enter") toggle(); });
        return quote;
      }
      case "spoiler": {
        const span = el("span", "spoiler" + (opened.has(id) ? " revealed" : ""));
        span.title = "Spoiler: tap to reveal";
        span.addEventListener("click", () => { span.classList.add("revealed"); opened.add(id); });
        return span;
      }
      case "bot_command": {
        const cmd = el("span", "command");
        cmd.addEventListener("click", () =>
          document.dispatchEvent(new CustomEvent("insert-command", { detail: slice })));
        return cmd;
      }
      case "mention": case "text_mention": case "hashtag": case "cashtag":
        return el("span", "mention");
      default: return el("span", "entity-" + String(entity.type).replace(/[^a-z_]/g, ""));
    }
  }

  const BLOCKS = new Set(["pre", "blockquote", "expandable_blockquote"]);

  // A block (quote, pre) starts and ends its own line, so one newline next to it is dropped.
  function addText(parent, chunk, afterBlock, beforeBlock) {
    if (afterBlock && chunk.startsWith("\n")) chunk = chunk.slice(1);
    if (beforeBlock && chunk.endsWith("\n")) chunk = chunk.slice(0, -1);
    if (chunk) parent.appendChild(document.createTextNode(chunk));
  }

  // Nested entities become nested elements; an entity that overlaps its parent's end is clipped.
  function build(parent, text, start, end, entities, key) {
    let pos = start;
    let i = 0;
    let afterBlock = false;
    while (i < entities.length) {
      const e = entities[i];
      const eStart = Math.max(e.offset, pos);
      const eEnd = Math.min(e.offset + e.length, end);
      if (eStart >= eEnd) { i++; continue; }
      const block = BLOCKS.has(e.type);
      if (eStart > pos) addText(parent, text.slice(pos, eStart), afterBlock, block);
      let j = i + 1;
      while (j < entities.length && entities[j].offset < eEnd) j++;
      const node = elementFor(e, text.slice(e.offset, e.offset + e.length), key);
      build(node.contentTarget || node, text, eStart, eEnd, entities.slice(i + 1, j), key);
      parent.appendChild(node);
      pos = eEnd;
      i = j;
      afterBlock = block;
    }
    if (pos < end) addText(parent, text.slice(pos, end), afterBlock, false);
  }

  // ``key`` names the message (and caption or text) so that opened quotes stay open.
  function formatted(text, entities, key, cls) {
    const box = el("div", cls || "text");
    const sorted = (entities || []).slice().sort((a, b) => a.offset - b.offset || b.length - a.length);
    build(box, text || "", 0, (text || "").length, sorted, key || "");
    return box;
  }

  function size(bytes) {
    if (!bytes) return "";
    if (bytes < 1024) return bytes + " B";
    if (bytes < 1048576) return (bytes / 1024).toFixed(1) + " KB";
    return (bytes / 1048576).toFixed(1) + " MB";
  }

  function userName(user) {
    if (!user) return "?";
    return [user.first_name, user.last_name].filter(Boolean).join(" ") || String(user.id);
  }

  function snippet(msg) {
    if (!msg) return "";
    if (msg.text) return msg.text;
    if (msg.caption) return msg.caption;
    if (msg.poll) return "📊 " + msg.poll.question;
    if (msg.document) return "📄 " + (msg.document.file_name || "document");
    if (msg.photo) return "🖼 Photo";
    for (const kind of ["voice", "video", "video_note", "audio", "sticker"]) {
      if (msg[kind]) return "📎 " + kind.replace("_", " ");
    }
    return serviceText(msg) || "message";
  }

  function serviceText(msg) {
    if (msg.new_chat_members) return msg.new_chat_members.map(userName).join(", ") + " joined";
    if (msg.left_chat_member) return userName(msg.left_chat_member) + " left";
    if (msg.forum_topic_created) return "Topic created: " + msg.forum_topic_created.name;
    if (msg.migrate_to_chat_id) return "Group upgraded to a supergroup";
    if (msg.migrate_from_chat_id) return "Group upgraded from a basic group";
    return null;
  }

  function poll(view, ctx) {
    const p = view.message.poll;
    const box = el("div", "poll");
    box.dataset.pollId = p.id;
    box.appendChild(el("div", "poll-question", p.question));
    const kind = (p.is_anonymous ? "Anonymous" : "Public") + (p.type === "quiz" ? " quiz" : " poll");
    box.appendChild(el("div", "poll-kind", p.is_closed ? "Final results" : kind));
    const votes = view.votes || {};
    const mine = votes[String(ctx.me)] || [];
    const total = p.total_voter_count || 0;
    p.options.forEach((opt, i) => {
      const button = el("button", "poll-option" + (mine.includes(i) ? " chosen" : ""));
      button.type = "button";
      button.dataset.option = String(i);
      button.disabled = !!p.is_closed;
      const row = el("span", "po-row");
      row.appendChild(el("span", "po-check", mine.includes(i) ? "✓" : ""));
      row.appendChild(el("span", "po-text", opt.text));
      row.appendChild(el("span", "po-count", String(opt.voter_count)));
      button.appendChild(row);
      // An anonymous poll shows counts only, as Telegram does: nobody sees who chose what.
      const voters = p.is_anonymous ? [] : Object.keys(votes)
        .filter((uid) => votes[uid].includes(i)).map((uid) => ctx.nameOf(Number(uid)));
      if (voters.length) button.appendChild(el("span", "po-voters", voters.join(", ")));
      const bar = el("span", "po-bar");
      bar.style.width = (total ? Math.round((100 * opt.voter_count) / total) : 0) + "%";
      button.appendChild(bar);
      button.addEventListener("click", () => ctx.vote(view, i));
      box.appendChild(button);
    });
    const foot = el("div", "poll-foot", total + (total === 1 ? " vote" : " votes"));
    if (mine.length && !p.is_closed) {
      const retract = el("button", "poll-retract link-button", "Retract vote");
      retract.type = "button";
      retract.addEventListener("click", () => ctx.vote(view, null));
      foot.appendChild(retract);
    }
    box.appendChild(foot);
    return box;
  }

  function media(view, bubble) {
    const msg = view.message;
    if (msg.photo) {
      if (view.file_url) {
        const img = el("img", "photo");
        img.src = view.file_url;
        img.alt = msg.caption || "photo";
        bubble.appendChild(img);
      } else {
        bubble.appendChild(el("div", "photo placeholder", "🖼 Photo"));
      }
    }
    if (msg.document) {
      const doc = msg.document;
      const link = view.file_url ? linkTo(new URL(view.file_url, location.href).href, "document")
        : el("span", "document");
      if (view.file_url) {
        link.removeAttribute("target");
        link.setAttribute("download", doc.file_name || "document");
      }
      link.appendChild(el("span", "doc-icon", "📄"));
      const info = el("span", "doc-info");
      info.appendChild(el("span", "doc-name", doc.file_name || "document"));
      info.appendChild(el("span", "doc-size", size(doc.file_size)));
      link.appendChild(info);
      bubble.appendChild(link);
    }
    for (const kind of ["voice", "video", "video_note", "audio", "sticker"]) {
      if (msg[kind]) bubble.appendChild(el("div", "media placeholder", snippet(msg)));
    }
  }

  function keyboard(view, ctx) {
    const rows = (view.message.reply_markup || {}).inline_keyboard || [];
    const box = el("div", "keyboard");
    for (const row of rows) {
      const line = el("div", "kb-row");
      for (const b of row) {
        let node;
        if (b.url) {
          node = linkTo(b.url, "kb-button");
          node.textContent = b.text + " ↗";
        } else {
          node = el("button", "kb-button", b.text);
          node.type = "button";
          if (b.callback_data !== undefined) {
            node.dataset.callback = b.callback_data;
            node.addEventListener("click", () => ctx.press(view, b.callback_data));
          } else {
            node.disabled = true;
          }
        }
        line.appendChild(node);
      }
      box.appendChild(line);
    }
    return box;
  }

  function time(unix) {
    const d = new Date(unix * 1000);
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  return { el, formatted, poll, media, keyboard, snippet, serviceText, userName, time };
})();
