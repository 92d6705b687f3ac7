// Keyboard for the review screen. No framework, no build step; the pages work without it.
(function () {
  "use strict";

  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }

  function keyed(key) {
    return document.querySelector('[data-key="' + key + '"]');
  }

  // ---- list page: j / k move the selection, Enter opens, rows are clickable ----
  var rows = Array.prototype.slice.call(document.querySelectorAll("#list tr.row"));
  var selected = -1;
  function select(i) {
    if (!rows.length) return;
    selected = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, j) { r.classList.toggle("selected", j === selected); });
    rows[selected].scrollIntoView({ block: "nearest" });
  }
  rows.forEach(function (row, i) {
    row.addEventListener("click", function (ev) {
      if (ev.target.closest("a")) return;
      window.location.href = row.dataset.href;
    });
  });
  document.querySelectorAll("#filters select").forEach(function (s) {
    s.addEventListener("change", function () { s.form.submit(); });
  });

  // ---- nomination page: n / p move between findings, c / d / e / u act on the current one ----
  var cards = Array.prototype.slice.call(document.querySelectorAll("[data-finding]"));
  var current = -1;
  function focusCard(i) {
    if (!cards.length) return;
    current = Math.max(0, Math.min(cards.length - 1, i));
    cards.forEach(function (c, j) { c.classList.toggle("current", j === current); });
    cards[current].focus({ preventScroll: true });
    cards[current].scrollIntoView({ block: "nearest" });
  }
  function startCard() {
    var hash = window.location.hash.replace("#f", "");
    for (var i = 0; i < cards.length; i++) {
      if (cards[i].id === "f" + hash) return i;
    }
    for (var j = 0; j < cards.length; j++) {
      if (cards[j].classList.contains("s-open")) return j;
    }
    return 0;
  }
  if (cards.length) focusCard(startCard());
  cards.forEach(function (card, i) {
    card.addEventListener("click", function () { if (current !== i) { current = i; cards.forEach(function (c, j) { c.classList.toggle("current", j === i); }); } });
    var comment = card.querySelector(".comment-input");
    if (comment) {
      comment.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") {
          ev.preventDefault();
          var intent = comment.dataset.intent || "dismiss";
          submit(card, intent);
        } else if (ev.key === "Escape") {
          comment.blur();
        }
      });
    }
  });
  document.querySelectorAll(".value-input").forEach(function (input) {
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") { ev.preventDefault(); submit(input.closest("[data-finding]"), "correct"); }
      else if (ev.key === "Escape") { input.blur(); }
    });
  });
  function submit(card, action) {
    var form = card.querySelector("form.decide");
    var button = form && form.querySelector('button[value="' + action + '"]');
    if (button) form.requestSubmit(button);
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (typing(document.activeElement)) return;
    var card = cards[current];
    switch (ev.key) {
      case "j":
        if (rows.length) { select(selected + 1); } else if (keyed("j")) { keyed("j").click(); }
        break;
      case "k":
        if (rows.length) { select(selected - 1); } else if (keyed("k")) { keyed("k").click(); }
        break;
      case "Enter":
        if (rows.length && selected >= 0) { window.location.href = rows[selected].dataset.href; } else { return; }
        break;
      case "Escape":
        if (keyed("Escape")) keyed("Escape").click(); else return;
        break;
      case "/":
        if (keyed("/")) keyed("/").focus(); else return;
        break;
      case "n": focusCard(current + 1); break;
      case "p": focusCard(current - 1); break;
      case "c": if (card) submit(card, "confirm"); break;
      case "u": if (card) submit(card, "reopen"); break;
      case "d":
        if (!card) return;
        var comment = card.querySelector(".comment-input");
        if (comment && comment.value.trim()) { submit(card, "dismiss"); }
        else if (comment) { comment.dataset.intent = "dismiss"; comment.focus(); }
        break;
      case "e":
        if (!card) return;
        var details = card.querySelector("details.correct");
        if (details) { details.open = true; details.querySelector(".value-input").focus(); }
        break;
      case "r":
        if (keyed("r")) keyed("r").click(); else return;
        break;
      default:
        return;
    }
    ev.preventDefault();
  });
})();
