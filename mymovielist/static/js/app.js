// MyMovieList's small client script: toasts from HX-Trigger, error toasts, poster fallbacks.
// No inline scripts anywhere: this file is loaded with `defer`.
(function () {
  "use strict";

  function showToast(message, level) {
    var box = document.getElementById("toasts");
    if (!box || !message) return;
    var toast = document.createElement("div");
    toast.className = "toast toast-" + (level || "info");
    toast.setAttribute("role", level === "error" ? "alert" : "status");
    toast.textContent = message;
    box.appendChild(toast);
    setTimeout(function () { toast.remove(); }, 5000);
  }

  document.body.addEventListener("toast", function (event) {
    showToast(event.detail.message, event.detail.level);
  });

  // A failed htmx request whose response carried no toast still tells the user why.
  var REASONS = {
    400: "The request was refused", 401: "Please log in", 403: "You are not allowed to do that",
    404: "Not found", 409: "That conflicts with a change made meanwhile", 413: "What you sent is too large",
    422: "Check what you entered", 429: "Too many requests: wait a moment", 500: "Something went wrong on our side",
    502: "The server is unavailable", 503: "The server is unavailable", 504: "The server took too long"
  };
  function hasToast(xhr) {
    var header = xhr && xhr.getResponseHeader("HX-Trigger");
    if (!header) return false;
    try { return Object.prototype.hasOwnProperty.call(JSON.parse(header), "toast"); } catch (e) { return false; }
  }
  document.body.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (hasToast(xhr)) return;  // htmx already raised the server's own toast
    var status = xhr ? xhr.status : 0;
    var reason = REASONS[status] || (xhr && xhr.statusText) || "The request failed";
    showToast(reason + " (" + status + "). Please try again.", "error");
  });
  document.body.addEventListener("htmx:sendError", function () {
    showToast("Cannot reach the server. Check your connection.", "error");
  });
  document.body.addEventListener("htmx:timeout", function () {
    showToast("The server took too long to answer. Please try again.", "error");
  });

  // Any htmx request in flight: a bar at the top of the page, and the swap target marked busy.
  var inFlight = 0;
  function busyTarget(event) {
    var detail = event.detail || {};
    return (detail.requestConfig && detail.requestConfig.target) || detail.target || detail.elt;
  }
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    inFlight += 1;
    document.documentElement.classList.add("htmx-busy");
    var target = busyTarget(event);
    if (target && target.setAttribute) target.setAttribute("aria-busy", "true");
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    inFlight = Math.max(0, inFlight - 1);
    if (!inFlight) document.documentElement.classList.remove("htmx-busy");
    var target = busyTarget(event);
    if (target && target.removeAttribute) target.removeAttribute("aria-busy");
  });
  // An outerHTML swap replaces the busy element; clear the mark on whatever is there afterwards.
  document.body.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.removeAttribute) target.removeAttribute("aria-busy");
  });

  // Live search: arrow keys move between suggestions, Escape closes them; Enter submits the form.
  document.addEventListener("keydown", function (event) {
    var box = document.getElementById("search-suggestions");
    var input = document.getElementById("nav-q");
    if (!box || !input) return;
    var inSearch = event.target === input || box.contains(event.target);
    if (!inSearch) return;
    var links = Array.prototype.slice.call(box.querySelectorAll("a"));
    var index = links.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && links.length) {
      event.preventDefault();
      links[Math.min(index + 1, links.length - 1)].focus();
    } else if (event.key === "ArrowUp" && links.length) {
      event.preventDefault();
      if (index <= 0) input.focus(); else links[index - 1].focus();
    } else if (event.key === "Escape") {
      box.innerHTML = "";
      input.focus();
    }
  });
  document.addEventListener("click", function (event) {
    var box = document.getElementById("search-suggestions");
    if (box && !event.target.closest(".nav-search")) box.innerHTML = "";
  });

  // Posters that cannot load (offline, provider gone) fall back to the generated placeholder.
  function useFallback(img) {
    if (img.dataset.fallback && img.src.indexOf(img.dataset.fallback) === -1) img.src = img.dataset.fallback;
  }
  document.addEventListener("error", function (event) {
    if (event.target.tagName === "IMG") useFallback(event.target);
  }, true);
  // Images that failed before this deferred script ran fired their error event unheard.
  document.querySelectorAll("img[data-fallback]").forEach(function (img) {
    if (img.complete && img.naturalWidth === 0 && img.getAttribute("loading") !== "lazy") useFallback(img);
  });
})();
