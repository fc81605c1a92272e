// linesim chat page: vanilla JS, every piece of user/bot data goes through textContent.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const chat = $("chat");
  const quick = $("quick");
  const statusEl = $("status");
  const userSelect = $("user-select");
  let currentUser = localStorage.getItem("linesim.user") || "";
  let lastSeq = 0;
  let lastEntry = null;
  let typingEl = null;
  let polling = false;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function setStatus(text) { statusEl.textContent = text; }

  async function api(method, path, body) {
    const opts = { method: method, headers: {} };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    const resp = await fetch(path, opts);
    let data = null;
    try { data = await resp.json(); } catch (e) { data = null; }
    if (!resp.ok) throw new Error((data && data.message) || resp.status + " " + resp.statusText);
    return data;
  }

  // ---- users -------------------------------------------------------------------------
  async function loadUsers() {
    const users = await api("GET", "/_sim/users");
    const keep = currentUser;
    userSelect.replaceChildren();
    if (!users.length) userSelect.appendChild(el("option", "", "— create a user below —"));
    for (const u of users) {
      const opt = el("option", "", u.displayName + (u.blocked ? " (blocked)" : u.following ? " (friend)" : ""));
      opt.value = u.userId;
      userSelect.appendChild(opt);
    }
    if (users.some((u) => u.userId === keep)) userSelect.value = keep;
    else if (users.length) selectUser(users[0].userId);
    const me = users.find((u) => u.userId === currentUser);
    $("follow-btn").textContent = me && me.following ? "Friend ✓" : "Add friend";
    return users;
  }

  function selectUser(userId) {
    currentUser = userId;
    localStorage.setItem("linesim.user", userId);
    lastSeq = 0;
    lastEntry = null;
    chat.replaceChildren();
    quick.replaceChildren();
    poll();
  }

  // ---- sending -----------------------------------------------------------------------
  async function send(payload) {
    if (!currentUser) { setStatus("Create or pick a user first."); return; }
    payload.userId = currentUser;
    setStatus("sending " + payload.type + "…");
    const pending = api("POST", "/_sim/send", payload);
    setTimeout(poll, 150);
    try {
      const res = await pending;
      setStatus("webhook → " + (res.status === null ? "unreachable" : res.status) + (res.error ? " " + res.error : ""));
    } catch (e) {
      setStatus("send failed: " + e.message);
    }
    poll();
    if (payload.type === "follow" || payload.type === "unfollow") loadUsers();
  }

  const sendText = (text) => send({ type: "text", text: text });
  const sendPostback = (data, displayText, params) => {
    const p = { type: "postback", data: data || "" };
    if (displayText) p.displayText = displayText;
    if (params) p.params = params;
    return send(p);
  };

  function performAction(action) {
    if (!action) return;
    switch (action.type) {
      case "message": sendText(action.text || action.label || ""); break;
      case "postback": sendPostback(action.data, action.displayText || action.text); break;
      case "uri":
        if (/^https?:\/\//i.test(action.uri || "")) window.open(action.uri, "_blank", "noopener");
        else setStatus("uri action: " + (action.uri || "")); break;
      case "datetimepicker": {
        const mode = action.mode || "datetime";
        const value = window.prompt("Pick " + mode + " (date yyyy-MM-dd, time HH:mm, datetime yyyy-MM-ddTHH:mm)",
          action.initial || "");
        if (value) { const params = {}; params[mode] = value; sendPostback(action.data, null, params); }
        break;
      }
      case "clipboard":
        if (navigator.clipboard) navigator.clipboard.writeText(action.clipboardText || "");
        setStatus("copied to clipboard"); break;
      default: setStatus("action '" + action.type + "' is not simulated");
    }
  }

  function actionButton(action, className) {
    const label = (action && (action.label || action.displayText || action.text)) || (action && action.type) || "?";
    const btn = el("button", className, label);
    btn.type = "button";
    btn.addEventListener("click", () => performAction(action));
    return btn;
  }

  // ---- rendering ---------------------------------------------------------------------
  function row(kind, child, metaText) {
    const r = el("div", "row " + kind);
    const meta = metaText ? el("span", "meta", metaText) : null;
    if (kind === "user" && meta) r.appendChild(meta);
    r.appendChild(child);
    if (kind === "bot" && meta) r.appendChild(meta);
    chat.appendChild(r);
    return r;
  }

  function clock(ms) {
    const d = new Date(ms);
    return d.getHours().toString().padStart(2, "0") + ":" + d.getMinutes().toString().padStart(2, "0");
  }

  // Flex as LINE draws it: blocks in header, hero, body, footer order, boxes laid out as flexbox rows or
  // columns, colours only from #RRGGBB(AA) values, every string through textContent.
  const COLOR = /^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$/;
  const SPACE = { none: "0", xs: "2px", sm: "4px", md: "8px", lg: "12px", xl: "16px", xxl: "20px" };
  function color(value) { return typeof value === "string" && COLOR.test(value) ? value : null; }
  function space(value) {
    if (typeof value !== "string") return null;
    if (SPACE[value] !== undefined) return SPACE[value];
    return /^\d{1,3}(\.\d+)?(px|%)$/.test(value) ? value : null;
  }
  function styleCommon(node, target) {
    const margin = space(node.margin);
    if (margin) target.style.marginTop = margin;
    if (typeof node.flex === "number" && node.flex >= 0) target.style.flex = String(node.flex) + " 1 0";
  }

  function flexNode(node, parentLayout) {
    if (!node || typeof node !== "object") return el("span");
    let out;
    switch (node.type) {
      case "bubble": return flexBubble(node);
      case "carousel": {
        const c = el("div", "carousel");
        for (const b of node.contents || []) c.appendChild(flexBubble(b));
        return c;
      }
      case "box": {
        const layout = node.layout || "vertical";
        out = el("div", "flex-box " + layout);
        const bg = color(node.backgroundColor);
        if (bg) out.style.backgroundColor = bg;
        const pad = space(node.paddingAll);
        if (pad) out.style.padding = pad;
        const gap = space(node.spacing);
        if (gap) out.style.gap = gap;
        if (node.cornerRadius && space(node.cornerRadius)) out.style.borderRadius = space(node.cornerRadius);
        for (const child of node.contents || []) out.appendChild(flexNode(child, layout));
        if (node.action) { out.classList.add("tappable"); out.addEventListener("click", () => performAction(node.action)); }
        break;
      }
      case "text": {
        const sizeClass = /^(xxs|xs|sm)$/.test(node.size || "") ? " small" : /^(lg|xl|xxl|\d+xl)$/.test(node.size || "") ? " large" : "";
        out = el("div", "flex-text" + (node.weight === "bold" ? " bold" : "") + sizeClass + (node.wrap ? " wrap" : ""));
        if (Array.isArray(node.contents) && node.contents.length) {
          out.textContent = node.contents.map((s) => (s && s.text) || "").join("");
        } else {
          out.textContent = node.text || "";
        }
        const fg = color(node.color);
        if (fg) out.style.color = fg;
        if (node.action) { out.classList.add("tappable"); out.addEventListener("click", () => performAction(node.action)); }
        break;
      }
      case "button": {
        out = actionButton(node.action, "flex-btn " + (node.style || "link") + (node.height === "sm" ? " sm" : ""));
        const c = color(node.color);
        if (c && (node.style === "primary" || node.style === "secondary")) { out.style.backgroundColor = c; out.style.borderColor = c; }
        else if (c) out.style.color = c;
        break;
      }
      case "separator": out = el("hr", "flex-sep"); break;
      case "image": case "video": out = el("div", "flex-img", "[" + node.type + "]"); break;
      case "icon": out = el("span", "", "•"); break;
      case "filler": case "spacer": out = el("span", "filler"); break;
      default: return el("span", "placeholder", "[" + node.type + "]");
    }
    styleCommon(node, out);
    if (parentLayout === "horizontal" && typeof node.flex !== "number") out.style.flex = "1 1 0";
    return out;
  }

  function flexBubble(bubble) {
    const card = el("div", "flex");
    const styles = (bubble && bubble.styles) || {};
    for (const part of ["header", "hero", "body", "footer"]) {
      if (!bubble || !bubble[part]) continue;
      const section = el("div", "flex-section " + part);
      section.dataset.part = part;
      const bg = color((styles[part] || {}).backgroundColor) || color(bubble[part].backgroundColor);
      if (bg) section.style.backgroundColor = bg;
      section.appendChild(flexNode(bubble[part]));
      card.appendChild(section);
    }
    if (bubble && bubble.action) { card.classList.add("tappable"); card.addEventListener("click", () => performAction(bubble.action)); }
    return card;
  }

  function templateNode(msg) {
    const t = msg.template || {};
    const columns = t.type === "carousel" || t.type === "image_carousel" ? t.columns || [] : [t];
    const wrap = el("div", columns.length > 1 ? "carousel" : "");
    for (const col of columns) {
      const card = el("div", "flex");
      const section = el("div", "flex-section");
      if (col.thumbnailImageUrl || col.imageUrl) section.appendChild(el("div", "flex-img", "[image]"));
      if (col.title) section.appendChild(el("div", "flex-text bold", col.title));
      if (col.text) section.appendChild(el("div", "flex-text", col.text));
      const actions = col.actions || (col.action ? [col.action] : []);
      for (const a of actions) section.appendChild(actionButton(a, "flex-btn"));
      card.appendChild(section);
      wrap.appendChild(card);
    }
    return wrap;
  }

  function messageNode(msg) {
    switch (msg.type) {
      case "text": case "textV2": return el("div", "bubble", msg.text);
      case "sticker": return el("div", "bubble placeholder", "[sticker " + msg.packageId + "/" + msg.stickerId + "]");
      case "image": case "video": case "audio": return el("div", "bubble placeholder", "[" + msg.type + "]");
      case "location": return el("div", "bubble", "📍 " + (msg.title || "") + "\n" + (msg.address || ""));
      case "flex": {
        const node = flexNode(msg.contents);
        node.title = msg.altText || "";
        node.dataset.altText = msg.altText || "";
        return node;
      }
      case "template": return templateNode(msg);
      default: return el("div", "bubble placeholder", "[" + msg.type + "] " + (msg.altText || ""));
    }
  }

  function mediaNode(entry) {
    // The chat page's own copy of what the user sent (the bot fetches it through the authorised content API).
    const box = el("div", "bubble media");
    const id = entry.message && entry.message.id;
    if (entry.kind === "image" && id) {
      const img = el("img", "thumb");
      img.src = "/_sim/content/" + encodeURIComponent(id);
      img.alt = "[image]";
      box.appendChild(img);
    } else {
      box.textContent = "📎 " + ((entry.message && entry.message.fileName) || "[" + entry.kind + "]");
    }
    return box;
  }

  function userEntryText(entry) {
    switch (entry.kind) {
      case "text": return entry.message && entry.message.text;
      case "sticker": return "[sticker]";
      case "postback": return entry.displayText || null;
      default: return null;
    }
  }

  function render(entry) {
    const at = clock(entry.at);
    if (entry.via === "user" && ["image", "video", "audio", "file"].includes(entry.kind)) {
      row("user", mediaNode(entry), at);
    } else if (entry.via === "user") {
      const text = userEntryText(entry);
      if (text !== null && text !== undefined) row("user", el("div", "bubble", text), at);
      else if (entry.kind === "postback") row("system", el("div", "bubble", "postback: " + entry.data));
      else if (entry.kind === "follow") row("system", el("div", "bubble", "You added the bot as a friend"));
      else if (entry.kind === "unfollow") row("system", el("div", "bubble", "You blocked the bot"));
      else row("system", el("div", "bubble", entry.kind));
    } else if (entry.via === "system") {
      row("system", el("div", "bubble", entry.text));
    } else if (Array.isArray(entry.messages)) {
      chat.appendChild(el("div", "via", entry.via));
      for (const msg of entry.messages) row("bot", messageNode(msg), at);
    }
  }

  function renderQuickReplies() {
    quick.replaceChildren();
    if (!lastEntry || !Array.isArray(lastEntry.messages) || !lastEntry.messages.length) return;
    const last = lastEntry.messages[lastEntry.messages.length - 1];
    const items = (last.quickReply && last.quickReply.items) || [];
    for (const item of items) {
      const btn = actionButton(item.action, "");
      btn.addEventListener("click", () => quick.replaceChildren());
      quick.appendChild(btn);
    }
  }

  function setTyping(on) {
    if (on && !typingEl) { typingEl = el("div", "typing", "bot is typing…"); chat.appendChild(typingEl); }
    if (!on && typingEl) { typingEl.remove(); typingEl = null; }
    if (on && typingEl && typingEl !== chat.lastChild) chat.appendChild(typingEl);
  }

  async function poll() {
    if (!currentUser || polling) return;
    polling = true;
    try {
      const user = currentUser;
      const data = await api("GET", "/_sim/chat?userId=" + encodeURIComponent(user) + "&since=" + lastSeq);
      if (user !== currentUser) return;
      if (data.entries.length) {
        setTyping(false);
        for (const entry of data.entries) { render(entry); lastSeq = Math.max(lastSeq, entry.seq); lastEntry = entry; }
        renderQuickReplies();
        chat.scrollTop = chat.scrollHeight;
      }
      setTyping(data.loading);
    } catch (e) {
      setStatus("poll failed: " + e.message);
    } finally {
      polling = false;
    }
  }

  // ---- rich menu (the channel's default one, as the LINE app shows it under the chat) ------------------
  let richMenuId = null;

  function setRichOpen(open) {
    $("richmenu-panel").hidden = !open;
    $("richmenu-bar").setAttribute("aria-expanded", open ? "true" : "false");
    $("richmenu-bar").textContent = ($("richmenu-bar").dataset.text || "") + (open ? " ▾" : " ▴");
  }

  async function tapRichMenu(x, y) {
    if (!currentUser) { setStatus("Create or pick a user first."); return; }
    setStatus("rich menu tap…");
    try {
      const res = await api("POST", "/_sim/richmenu/tap", { userId: currentUser, x: x, y: y });
      setStatus("webhook → " + (res.status === null ? "unreachable" : res.status) + (res.error ? " " + res.error : ""));
    } catch (e) {
      setStatus("tap failed: " + e.message);
    }
    poll();
  }

  async function loadRichMenu() {
    const data = await api("GET", "/_sim/richmenu?userId=" + encodeURIComponent(currentUser || ""));
    const menu = data.richMenu;
    const box = $("richmenu");
    if (!menu) { box.hidden = true; richMenuId = null; return; }
    box.hidden = false;
    if (menu.richMenuId === richMenuId) return;
    richMenuId = menu.richMenuId;
    const img = $("richmenu-img");
    img.src = menu.imageUrl;
    img.alt = menu.areas.map((a) => (a.action && a.action.label) || "").join(" · ");
    const layer = $("richmenu-areas");
    layer.replaceChildren();
    const w = menu.size.width, h = menu.size.height;
    for (const area of menu.areas) {
      const b = area.bounds;
      const btn = el("button", "");
      btn.type = "button";
      btn.setAttribute("aria-label", (area.action && (area.action.label || area.action.displayText)) || area.action.type);
      btn.style.left = (100 * b.x / w) + "%";
      btn.style.top = (100 * b.y / h) + "%";
      btn.style.width = (100 * b.width / w) + "%";
      btn.style.height = (100 * b.height / h) + "%";
      btn.addEventListener("click", () => tapRichMenu(b.x + Math.floor(b.width / 2), b.y + Math.floor(b.height / 2)));
      layer.appendChild(btn);
    }
    $("richmenu-bar").dataset.text = menu.chatBarText;
    setRichOpen(!!menu.selected);
  }

  // ---- wiring ------------------------------------------------------------------------
  $("richmenu-bar").addEventListener("click", () => setRichOpen($("richmenu-panel").hidden));
  userSelect.addEventListener("change", () => selectUser(userSelect.value));
  $("follow-btn").addEventListener("click", () => send({ type: "follow" }));
  $("block-btn").addEventListener("click", () => send({ type: "unfollow" }));
  $("new-user").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const name = $("new-name").value.trim();
    if (!name) return;
    try {
      const u = await api("POST", "/_sim/users", { displayName: name, language: $("new-lang").value });
      $("new-name").value = "";
      currentUser = u.userId;
      await loadUsers();
      selectUser(u.userId);
    } catch (e) { setStatus("create failed: " + e.message); }
  });
  $("file-input").addEventListener("change", () => {
    const file = $("file-input").files[0];
    $("file-input").value = "";
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => {
      const data = String(reader.result || "");
      const content = data.slice(data.indexOf(",") + 1); // base64 after "data:<type>;base64,"
      const kind = /^image\//.test(file.type) ? "image" : /^video\//.test(file.type) ? "video"
        : /^audio\//.test(file.type) ? "audio" : "file";
      const payload = { type: kind, content: content, contentType: file.type || "application/octet-stream" };
      if (kind === "file") payload.fileName = file.name;
      quick.replaceChildren();
      send(payload);
    };
    reader.onerror = () => setStatus("could not read the file");
    reader.readAsDataURL(file);
  });
  $("composer").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = $("text").value;
    if (!text.trim()) return;
    $("text").value = "";
    quick.replaceChildren();
    sendText(text);
  });

  loadUsers().then(() => { if (currentUser) poll(); }).catch((e) => setStatus(e.message));
  loadRichMenu().catch(() => {});
  setInterval(poll, 1000);
  setInterval(() => loadUsers().catch(() => {}), 5000);
  setInterval(() => loadRichMenu().catch(() => {}), 3000);
})();
