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
  document.body.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.getResponseHeader("HX-Trigger")) return;
    showToast("The request failed (" + (xhr ? xhr.status : "?") + "). Please try again.", "error");
  });
  document.body.addEventListener("htmx:sendError", function () {
    showToast("Cannot reach the server. Check your connection.", "error");
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
