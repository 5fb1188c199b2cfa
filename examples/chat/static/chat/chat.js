// The chat's browser side: plain JavaScript, no build step.
// Every piece of text that came from the network is put in the page with textContent,
// never as HTML markup, so a message like <script>...</script> is shown, not run.
// Live delivery can miss messages (the server lost its channel layer for a while), so
// the page keeps the id of the last message it has, and fills a gap from the history:
// each message names the room's previous one ("after"), and a reconnection's welcome
// carries the room's last messages. A lost WebSocket reconnects after a growing delay.
(() => {
  "use strict";

  const body = document.body;
  const params = new URLSearchParams(location.search);
  const byId = (id) => document.getElementById(id);
  const list = byId("messages");
  let nick = "";
  let send = null; // the current transport's way of sending a message
  let lastId = 0; // the newest message shown
  let retries = 0; // WebSocket reconnections since the last welcome
  let socketWorked = false; // a WebSocket has opened on this page: keep to that transport

  function status(text, live) {
    byId("status").textContent = text;
    byId("status").classList.toggle("live", Boolean(live));
  }

  function showError(text) {
    const error = byId("error");
    error.textContent = text;
    error.hidden = !text;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    node.className = className;
    node.textContent = text;
    return node;
  }

  function addMessage(message) {
    const shown = [...list.querySelectorAll(".message[data-id]")];
    if (shown.some((item) => Number(item.dataset.id) === message.id)) return;
    const time = new Date(message.sent_at * 1000);
    const item = element("li", message.nick === nick ? "message mine" : "message", "");
    item.dataset.id = message.id;
    item.append(
      element("span", "time", time.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })),
      element("b", "nick", message.nick),
      element("span", "text", message.text),
    );
    // In id order: a gap filled from the history arrives after newer live messages.
    const later = shown.find((other) => Number(other.dataset.id) > message.id);
    list.insertBefore(item, later ? later : null);
    lastId = Math.max(lastId, message.id);
    list.scrollTop = list.scrollHeight;
  }

  function receiveMessage(message) {
    const since = lastId;
    addMessage(message);
    if (message.after != null && message.after > since) catchUp(since);
  }

  async function catchUp(since) {
    try {
      const response = await fetch(`${body.dataset.history}?after=${since}`);
      if (response.ok) (await response.json()).messages.forEach(addMessage);
    } catch (error) {
      // Offline: the welcome of the next connection brings the history.
    }
  }

  function addNotice(text) {
    list.append(element("li", "notice", text));
    list.scrollTop = list.scrollHeight;
  }

  function setOnline(nicks) {
    byId("online").replaceChildren(...nicks.map((name) => element("li", "", name)));
  }

  function handle(event) {
    switch (event.type) {
      case "welcome":
        retries = 0;
        showError("");
        list.replaceChildren();
        event.history.forEach(addMessage);
        setOnline(event.online);
        addNotice(`You joined #${event.room} as ${event.nick}.`);
        break;
      case "message":
        receiveMessage(event);
        break;
      case "presence":
        setOnline(event.online);
        if (event.joined && event.joined !== nick) addNotice(`${event.joined} joined.`);
        if (event.left && event.left !== nick) addNotice(`${event.left} left.`);
        break;
      case "error":
        showError(event.error);
        break;
    }
  }

  function socketUrl() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    return `${scheme}${location.host}${body.dataset.socket}?nick=${encodeURIComponent(nick)}`;
  }

  function connectWebSocket() {
    const socket = new WebSocket(socketUrl());
    let opened = false;
    socket.onopen = () => {
      opened = true;
      socketWorked = true;
      status("live · WebSocket", true);
      send = (text) => socket.send(JSON.stringify({ type: "message", text }));
    };
    socket.onmessage = (message) => handle(JSON.parse(message.data));
    socket.onclose = (close) => {
      send = null;
      if (!opened && !socketWorked) {
        connectEventSource(); // the upgrade never worked here: fall back to SSE + POST
      } else if (close.code === 1008) {
        status("disconnected");
        showError(close.reason || "The server refused this connection.");
      } else {
        reconnectLater(); // 1011, 1013 (the server lost its channel layer), 1006, ...
      }
    };
  }

  function reconnectLater() {
    // 1, 2, 4, ... 30 s, each shortened by up to half at random, so that the clients of
    // a restarted server do not all come back in the same instant.
    const delay = Math.min(30, 2 ** retries) * (0.5 + Math.random() / 2);
    retries += 1;
    status(`reconnecting in ${Math.ceil(delay)} s…`);
    setTimeout(connectWebSocket, delay * 1000);
  }

  function connectEventSource() {
    const url = `${body.dataset.events}?nick=${encodeURIComponent(nick)}`;
    const source = new EventSource(url);
    source.onopen = () => {
      status("live · Server-Sent Events", true);
      send = postMessage;
    };
    source.onmessage = (message) => handle(JSON.parse(message.data));
    source.onerror = () => status("reconnecting…"); // EventSource retries by itself
  }

  async function postMessage(text) {
    try {
      const response = await fetch(body.dataset.messages, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ nick, text }),
      });
      const answer = await response.json();
      // 202 with delivered: false means saved but not sent live: not worth a resend.
      if (!response.ok || answer.delivered === false) showError(answer.error || "Not sent.");
    } catch (error) {
      showError("Not sent: the server did not answer. Try again in a moment.");
    }
  }

  function join(name) {
    nick = name.trim();
    if (!nick) return;
    localStorage.setItem("legato-chat-nick", nick);
    byId("nickname").hidden = true;
    byId("composer").hidden = false;
    byId("text").focus();
    const wantSse = params.get("transport") === "sse" || !("WebSocket" in window);
    if (wantSse) connectEventSource();
    else connectWebSocket();
  }

  byId("nickname").addEventListener("submit", (event) => {
    event.preventDefault();
    join(byId("nick").value);
  });

  byId("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = byId("text");
    const text = input.value.trim();
    if (!text || !send) return;
    showError("");
    send(text);
    input.value = "";
  });

  byId("nick").value = params.get("nick") || localStorage.getItem("legato-chat-nick") || "";
  if (params.get("nick")) join(params.get("nick"));
  else status("choose a nickname");
})();
