// The home feed, live: new posts of the people one follows arrive as Server-Sent Events.
// Times are shown in the reader's zone (the server writes UTC). Plain JavaScript, no
// build step. Text that came from the network goes into the page
// through textContent, never as markup, so a post like <script>...</script> is shown,
// not run. The EventSource reconnects by itself and sends the id of the last post it
// got (Last-Event-ID): the server sends what was posted meanwhile.
(() => {
  "use strict";

  const localTime = (seconds) =>
    new Date(seconds * 1000).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
  for (const time of document.querySelectorAll(".post time[datetime]")) {
    time.textContent = localTime(Number(time.dateTime));
  }

  const feed = document.getElementById("feed");
  const status = document.getElementById("status");
  if (!feed || !feed.dataset.events) return;

  function setStatus(text, live) {
    status.textContent = text;
    status.classList.toggle("live", Boolean(live));
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    node.className = className;
    node.textContent = text;
    return node;
  }

  function postItem(post) {
    const item = element("li", "post new", "");
    item.dataset.id = String(post.id);
    const author = element("a", "author", `@${post.author}`);
    author.href = post.author_url; // a path the server built with reverse()
    const time = element("time", "", localTime(post.created_at));
    time.dateTime = String(post.created_at);
    item.append(author, " ", time, element("p", "text", post.text));
    return item;
  }

  function addPost(post) {
    const shown = [...feed.querySelectorAll(".post")];
    if (shown.some((item) => Number(item.dataset.id) === post.id)) return;
    // Newest first; a post that arrives late goes below the newer ones.
    const older = shown.find((item) => Number(item.dataset.id) < post.id);
    feed.insertBefore(postItem(post), older || null);
    document.getElementById("empty").hidden = true;
  }

  const source = new EventSource(feed.dataset.events);
  source.addEventListener("ready", () => setStatus("live", true));
  source.addEventListener("post", (message) => addPost(JSON.parse(message.data)));
  source.addEventListener("unavailable", () => setStatus("offline: retrying…", false));
  source.onerror = () => setStatus("reconnecting…", false);
})();
