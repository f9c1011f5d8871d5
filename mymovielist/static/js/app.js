// MyMovieList's small client script: toasts from HX-Trigger, error toasts, poster fallbacks.
// No inline scripts anywhere: this file is loaded with `defer`.
(function () {
  "use strict";

  // Success and info toasts fade after 5 s; an error toast stays until its close button or Escape
  // dismisses it, so a slow reader still learns why nothing changed.
  function showToast(message, level) {
    var box = document.getElementById("toasts");
    if (!box || !message) return;
    var toast = document.createElement("div");
    toast.className = "toast toast-" + (level || "info");
    toast.setAttribute("role", level === "error" ? "alert" : "status");
    var text = document.createElement("span");
    text.textContent = message;
    toast.appendChild(text);
    if (level === "error") {
      var close = document.createElement("button");
      close.type = "button";
      close.className = "toast-close";
      close.setAttribute("aria-label", "Dismiss: " + message);
      close.textContent = "×";
      close.addEventListener("click", function () { toast.remove(); });
      toast.appendChild(close);
    } else {
      setTimeout(function () { toast.remove(); }, 5000);
    }
    box.appendChild(toast);
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    var open = document.querySelectorAll("#toasts .toast-error");
    if (open.length) open[open.length - 1].remove();  // the newest first, one per press
  });

  // A refused form comes back as 422 with the form again, each message beside its field (marked
  // aria-invalid): swap it in (htmx keeps 4xx bodies out by default) and move focus to the first field
  // to fix. Other 4xx bodies stay out, so nothing typed elsewhere is lost.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status === 422 && xhr.responseText.indexOf('aria-invalid="true"') !== -1) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  function focusFirstInvalid(root) {
    var field = (root || document).querySelector("[aria-invalid='true']");
    if (!field) return false;
    var closed = field.closest("details:not([open])");
    if (closed) closed.open = true;
    field.focus();
    return true;
  }
  document.body.addEventListener("htmx:afterSettle", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (!xhr || xhr.status !== 422 || !event.target.querySelector) return;
    // Only the swapped-in form: another form on the page may still show an older refusal.
    if (event.target.matches("[aria-invalid='true']")) event.target.focus(); else focusFirstInvalid(event.target);
  });
  focusFirstInvalid(document.querySelector("main"));  // a full page posted back with errors

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

  // A response that rewrites the URL (load-more's hx-replace-url, a filter's hx-push-url) lands only if
  // the user has not moved through history since it was asked for and its element is still shown: after
  // Back, or once a new filter replaced the list, a late answer would rewrite the wrong history entry.
  var historyMoves = 0;
  window.addEventListener("popstate", function () { historyMoves += 1; });
  var askedAt = new WeakMap();
  function rewritesHistory(elt) {
    return elt && elt.closest && elt.closest("[hx-replace-url], [hx-push-url]");
  }
  function here() { return location.pathname + location.search; }
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (rewritesHistory(event.detail.elt)) askedAt.set(event.detail.xhr, historyMoves);
  });
  function isLate(detail) {
    var asked = askedAt.get(detail.xhr);
    if (asked === undefined) return false;
    var elt = detail.requestConfig && detail.requestConfig.elt;
    return asked !== historyMoves || !(elt && elt.isConnected);
  }
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (isLate(event.detail)) event.detail.shouldSwap = false;
  });
  // An element already swapped out fires beforeSwap unheard (detached), but htmx still announces the
  // history change on <body>: make it rewrite the current entry to itself.
  document.body.addEventListener("htmx:beforeHistoryUpdate", function (event) {
    if (!isLate(event.detail)) return;
    event.detail.history.type = "replace";
    event.detail.history.path = here();
  });

  // A GET form (filters, search) sends only the fields that are set: `?genre=action`, not
  // `?kind=&genre=action&year_from=`. Without JavaScript the server redirects to the same clean URL.
  document.body.addEventListener("htmx:configRequest", function (event) {
    var detail = event.detail;
    if (detail.verb !== "get" || !detail.elt.closest || !detail.elt.closest("form")) return;
    Object.keys(detail.parameters).forEach(function (name) {
      if (detail.parameters[name] === "") delete detail.parameters[name];
    });
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || (form.method || "get").toLowerCase() !== "get") return;
    var emptied = Array.prototype.filter.call(form.elements, function (field) {
      return field.name && !field.disabled && field.value === "" && field.type !== "submit";
    });
    emptied.forEach(function (field) { field.disabled = true; });
    // Re-enable once the browser has read the form, so Back (bfcache) shows a working form.
    setTimeout(function () { emptied.forEach(function (field) { field.disabled = false; }); }, 0);
  });

  // A swapped-in region's [data-announce] text is read out once by the page's one status region,
  // instead of a live region around a whole result list.
  document.body.addEventListener("htmx:afterSettle", function (event) {
    var status = document.getElementById("sr-status");
    var target = event.detail && event.detail.target;
    if (target && !target.isConnected && target.id) target = document.getElementById(target.id);  // outerHTML swap
    if (!status || !target || !target.querySelector) return;
    var source = target.matches("[data-announce]") ? target : target.querySelector("[data-announce]");
    if (source) status.textContent = source.getAttribute("data-announce") || source.textContent.trim();
  });

  // Live search is an ARIA 1.2 combobox: focus stays in the input, the arrow keys move
  // aria-activedescendant through the listbox, Enter opens the active option, Escape closes.
  function searchParts() {
    return { input: document.getElementById("nav-q"), box: document.getElementById("search-suggestions") };
  }
  function searchOptions(box) {
    return Array.prototype.slice.call(box.querySelectorAll("[role=option]"));
  }
  function setActiveOption(parts, option) {
    searchOptions(parts.box).forEach(function (each) {
      each.setAttribute("aria-selected", each === option ? "true" : "false");
    });
    if (option) {
      parts.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      parts.input.removeAttribute("aria-activedescendant");
    }
  }
  function closeSuggestions(parts) {
    parts.box.innerHTML = "";
    parts.input.setAttribute("aria-expanded", "false");
    parts.input.removeAttribute("aria-activedescendant");
  }
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var parts = searchParts();
    if (!parts.box || event.detail.target !== parts.box) return;
    parts.input.setAttribute("aria-expanded", searchOptions(parts.box).length ? "true" : "false");
    parts.input.removeAttribute("aria-activedescendant");
  });
  document.addEventListener("keydown", function (event) {
    var parts = searchParts();
    if (!parts.input || event.target !== parts.input) return;
    var options = searchOptions(parts.box);
    var active = document.getElementById(parts.input.getAttribute("aria-activedescendant") || "");
    var index = options.indexOf(active);
    if ((event.key === "ArrowDown" || event.key === "ArrowUp") && options.length) {
      event.preventDefault();
      var next = event.key === "ArrowDown" ? Math.min(index + 1, options.length - 1) : index - 1;
      setActiveOption(parts, next >= 0 ? options[next] : null);
    } else if (event.key === "Enter" && active && index >= 0) {
      event.preventDefault();
      active.click();
    } else if (event.key === "Escape" && parts.input.getAttribute("aria-expanded") === "true") {
      event.preventDefault();
      closeSuggestions(parts);
    }
  });
  document.addEventListener("click", function (event) {
    var parts = searchParts();
    if (parts.box && parts.box.firstChild && !event.target.closest(".nav-search")) closeSuggestions(parts);
  });

  // The header's menu is a <details>: Escape (inside it) or a click elsewhere closes it; Escape returns
  // focus to its summary so keyboard users are not left on a hidden link.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menu = event.target.closest && event.target.closest("details.nav-menu[open]");
    if (!menu) return;
    menu.removeAttribute("open");
    menu.querySelector("summary").focus();
  });
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.nav-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });

  // Forms marked data-autosave save a pick made with the pointer (or from an opened list) at once,
  // but not the values the keyboard passes through: a closed <select> and a radio group fire `change`
  // on every arrow key (or type-ahead letter), and passing "Completed" would log every episode. Such a
  // change only marks the form unsaved; Enter, the form's own button or focus leaving a
  // [data-save-on-leave] group saves it. Without JavaScript the button submits the form as usual.
  var CONFIRM_KEYS = { Enter: true, Tab: true, Escape: true, " ": true };
  var navigating = null;  // the autosave form whose control is moving under a pressed key

  function autosaveForm(element) {
    return element && element.closest ? element.closest("form[data-autosave]") : null;
  }
  function differsFromSaved(control) {
    if (control.type === "radio" || control.type === "checkbox") return control.checked !== control.defaultChecked;
    if (control.tagName === "SELECT") {
      var saved = 0;  // with no option marked selected, the browser shows the first
      for (var i = 0; i < control.options.length; i++) {
        if (control.options[i].defaultSelected) { saved = i; break; }
      }
      return control.selectedIndex !== saved;
    }
    if (control.tagName === "TEXTAREA" || (control.tagName === "INPUT" && !/^(hidden|submit|button|reset|image)$/.test(control.type))) {
      return control.value !== control.defaultValue;
    }
    return false;
  }
  function isUnsaved(form) {
    return Array.prototype.some.call(form.elements, differsFromSaved);
  }
  function showUnsaved(form, unsaved) {
    form.classList.toggle("is-unsaved", unsaved);
    var hint = form.querySelector(".unsaved-hint[data-unsaved]");
    var text = unsaved ? hint && hint.getAttribute("data-unsaved") : "";
    if (hint && hint.textContent !== text) hint.textContent = text;  // a live region: write only changes
  }
  function saveForm(form) {
    if (!isUnsaved(form) || form.hasAttribute("data-saving")) return;
    if (form.checkValidity()) form.requestSubmit(); else showUnsaved(form, true);
  }
  document.addEventListener("keydown", function (event) {
    var form = autosaveForm(event.target);
    if (!form) return;
    if (event.key === "Enter" && event.target.tagName === "SELECT") {
      // Enter confirms a <select>; it runs after any pick from an open list has landed.
      setTimeout(function () { saveForm(form); }, 0);
    } else if (!CONFIRM_KEYS[event.key] && !event.ctrlKey && !event.metaKey && !event.altKey) {
      navigating = form;  // the `change` this key fires, if any, comes before its keyup
    }
  });
  document.addEventListener("keyup", function () { navigating = null; });
  document.addEventListener("pointerdown", function () { navigating = null; });
  document.addEventListener("input", function (event) {
    var form = autosaveForm(event.target);
    if (form) showUnsaved(form, isUnsaved(form));
  });
  document.addEventListener("change", function (event) {
    var form = autosaveForm(event.target);
    if (!form) return;
    // A typed number saves when focus leaves it (or on Enter): a click on its spinner is not a pick.
    var picked = event.target.tagName === "SELECT" || event.target.type === "radio" || event.target.type === "checkbox";
    if (picked && navigating !== form) saveForm(form); else showUnsaved(form, isUnsaved(form));
  });
  document.addEventListener("focusout", function (event) {
    var group = event.target.closest && event.target.closest("[data-save-on-leave]");
    if (!group || group.contains(event.relatedTarget)) return;
    var form = autosaveForm(group);
    if (form) saveForm(form);
  });
  // Any submission (a pick, Enter, the button) is in flight: the other triggers must not send it again.
  document.addEventListener("submit", function (event) {
    var form = autosaveForm(event.target);
    if (!form) return;
    form.setAttribute("data-saving", "");
    showUnsaved(form, false);
  }, true);
  // A saved form is swapped out; one still here was refused: it may be saved again, and says so.
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var form = autosaveForm(event.detail && event.detail.elt);
    if (!form) return;
    form.removeAttribute("data-saving");
    showUnsaved(form, isUnsaved(form));
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

  // Time zone (issue 18.5): a field left unset takes the browser's zone (the sign-up form's hidden
  // field, the settings select); the server checks the name. Without JavaScript it stays UTC.
  function fillBrowserZone(root) {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone) return;
    root.querySelectorAll("[data-browser-zone]").forEach(function (control) {
      if (control.value) return;
      if (control.tagName === "SELECT" && !Array.prototype.some.call(control.options, function (option) {
        return option.value === zone;
      })) {
        control.add(new Option(zone, zone));  // a name the list leaves out (an old alias) is still a zone
      }
      control.value = zone;
    });
  }
  fillBrowserZone(document);

  // The user's list (issue 18.1): Escape in a row's editor cancels it (its Cancel link shows the row
  // again); the keyboard stays on the row as it swaps between shown and edited; picking another sort
  // resets the order to that sort's usual one (the column headers set both).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented || !event.target.closest) return;
    var row = event.target.closest("tr.entry-row.editing");
    var cancel = row && row.querySelector(".row-cancel");
    if (!cancel) return;
    event.preventDefault();
    cancel.click();
  });
  document.body.addEventListener("htmx:afterSettle", function (event) {
    var old = event.detail && event.detail.target;
    if (!old || !/^entry-row-\d+$/.test(old.id || "")) return;
    var row = document.getElementById(old.id);
    if (!row || (document.activeElement && row.contains(document.activeElement))) return;
    var next = row.querySelector(row.classList.contains("editing") ? "[autofocus]" : ".row-edit-link");
    if (next) next.focus();
  });
  document.addEventListener("change", function (event) {
    if (event.target.id !== "sort" || !event.target.form) return;
    var order = event.target.form.querySelector("#dir");
    if (order) order.value = "";
  }, true);  // before htmx's own listener sends the form
})();
