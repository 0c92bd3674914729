// One message as a Telegram-like bubble: sender, quoted reply, media, formatted text, poll,
// time and "edited", the bot's reactions, inline buttons, and the Reply / Edit actions.
"use strict";

const Bubble = (() => {
  const { el } = Render;

  function avatar(user, isBot) {
    const name = isBot ? "🤖" : Render.userName(user).slice(0, 1).toUpperCase();
    const node = el("div", "avatar c" + (Math.abs(Number(user && user.id) || 0) % 7), name);
    node.setAttribute("aria-hidden", "true");
    return node;
  }

  function quote(view, ctx) {
    const replied = view.message.reply_to_message;
    const current = ctx.messageOf(view.chat_id, replied.message_id);
    const msg = current ? current.message : replied;
    const box = el("div", "reply-quote");
    box.dataset.replyTo = String(replied.message_id);
    box.appendChild(el("div", "rq-name", Render.userName(msg.from)));
    box.appendChild(el("div", "rq-text", Render.snippet(msg)));
    box.addEventListener("click", () => ctx.jumpTo(view.chat_id, replied.message_id));
    return box;
  }

  function service(view, text) {
    const row = el("div", "msg service");
    row.id = "m-" + view.chat_id + "-" + view.message_id;
    row.dataset.messageId = String(view.message_id);
    row.appendChild(el("span", "service-text", text));
    return row;
  }

  function actions(view, ctx, own) {
    const box = el("div", "actions");
    const reply = el("button", "act act-reply", "↩ Reply");
    reply.type = "button";
    reply.title = "Reply to this message";
    reply.addEventListener("click", () => ctx.reply(view));
    box.appendChild(reply);
    if (own && view.message.text !== undefined) {
      const edit = el("button", "act act-edit", "✎ Edit");
      edit.type = "button";
      edit.title = "Edit your message";
      edit.addEventListener("click", () => ctx.edit(view));
      box.appendChild(edit);
    }
    return box;
  }

  function build(view, ctx) {
    const msg = view.message;
    const serviceText = Render.serviceText(msg);
    if (serviceText) return service(view, serviceText);
    const own = !view.from_bot && msg.from && msg.from.id === ctx.me;
    const row = el("div", "msg " + (own ? "own" : view.from_bot ? "bot" : "other"));
    row.id = "m-" + view.chat_id + "-" + view.message_id;
    row.dataset.messageId = String(view.message_id);
    row.dataset.from = String(msg.from ? msg.from.id : "");
    if (ctx.isGroup && !own) row.appendChild(avatar(msg.from, view.from_bot));
    const column = el("div", "column");
    const bubble = el("div", "bubble");
    if (ctx.isGroup && !own) {
      const sender = el("div", "sender c" + (Math.abs(msg.from.id) % 7), Render.userName(msg.from));
      if (view.from_bot) sender.appendChild(el("span", "bot-badge", "bot"));
      bubble.appendChild(sender);
    }
    if (msg.reply_to_message) bubble.appendChild(quote(view, ctx));
    Render.media(view, bubble);
    const where = row.id + ":";
    if (msg.text !== undefined) bubble.appendChild(Render.formatted(msg.text, msg.entities, where + "t"));
    if (msg.caption) {
      bubble.appendChild(Render.formatted(msg.caption, msg.caption_entities, where + "c"));
    }
    if (msg.poll) bubble.appendChild(Render.poll(view, ctx));
    const meta = el("div", "meta");
    if (view.edited) meta.appendChild(el("span", "edited", "edited"));
    meta.appendChild(el("time", "", Render.time(msg.date)));
    bubble.appendChild(meta);
    column.appendChild(bubble);
    if (view.reactions && view.reactions.length) {
      const box = el("div", "reactions");
      for (const r of view.reactions) {
        const chip = el("span", "reaction", r.emoji || "★");
        chip.title = "Reaction by the bot";
        box.appendChild(chip);
      }
      column.appendChild(box);
    }
    if (msg.reply_markup && msg.reply_markup.inline_keyboard) {
      column.appendChild(Render.keyboard(view, ctx));
    }
    row.appendChild(column);
    row.appendChild(actions(view, ctx, own));
    return row;
  }

  return { build, avatar };
})();
