// Live updates for a client's page: new messages and check-ins appear without a reload.
// Progressive enhancement: without JavaScript the page works the same, a reload shows what is new.
(function () {
  "use strict";
  var POLL_MS = 5000; // short polling: cheap, and works behind any proxy
  var MAX_BACKOFF_MS = 60000;

  function start(thread) {
    var url = thread.getAttribute("data-updates-url");
    var afterMessage = thread.getAttribute("data-after-message") || "0";
    var afterCheckIn = thread.getAttribute("data-after-check-in") || "0";
    var rows = document.querySelector("[data-live-rows]");
    var delay = POLL_MS;

    function append(container, html) {
      var holder = document.createElement(container.tagName === "TBODY" ? "tbody" : "ol");
      holder.innerHTML = html; // server-rendered and escaped by the same templates as the page
      while (holder.firstElementChild) {
        container.appendChild(holder.firstElementChild);
      }
    }

    function prepend(container, html) {
      var holder = document.createElement("tbody");
      holder.innerHTML = html;
      var empty = container.querySelector(".empty-row");
      if (empty) { empty.remove(); }
      while (holder.lastElementChild) {
        container.insertBefore(holder.lastElementChild, container.firstChild);
      }
    }

    function poll() {
      if (document.hidden) { return schedule(); }
      var query = "?after_message=" + encodeURIComponent(afterMessage) +
        "&after_check_in=" + encodeURIComponent(afterCheckIn);
      fetch(url + query, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("status " + response.status); }
          return response.json();
        })
        .then(function (data) {
          delay = POLL_MS;
          data.messages.forEach(function (item) {
            if (thread.querySelector('[data-message-id="' + item.id + '"]')) { return; }
            append(thread, item.html);
            afterMessage = String(item.id);
            var empty = document.getElementById("thread-empty");
            if (empty) { empty.remove(); }
          });
          data.check_ins.forEach(function (item) {
            if (rows && !rows.querySelector('[data-check-in-id="' + item.id + '"]')) { prepend(rows, item.html); }
            afterCheckIn = String(item.id);
          });
        })
        .catch(function () { delay = Math.min(delay * 2, MAX_BACKOFF_MS); })
        .then(schedule);
    }

    function schedule() { window.setTimeout(poll, delay); }
    schedule();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var thread = document.querySelector("[data-live]");
    if (thread && window.fetch) { start(thread); }
  });
})();
