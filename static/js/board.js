/* Pipeline board: drag a card to another column to move its stage.
 * The drop posts to the card's move URL through htmx; the server answers with the
 * re-rendered board, or (when the stage needs a date or a reason) with a small form
 * that lands in the modal. The per-card menu is the keyboard fallback. */
(function () {
  "use strict";
  var dragged = null;

  document.addEventListener("dragstart", function (ev) {
    var card = ev.target.closest && ev.target.closest(".kcard");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    ev.dataTransfer.effectAllowed = "move";
    ev.dataTransfer.setData("text/plain", card.dataset.moveUrl || "");
  });
  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll(".col.drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
  });
  document.addEventListener("dragover", function (ev) {
    var col = ev.target.closest && ev.target.closest(".col[data-stage]");
    if (!col || !dragged) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = "move";
    document.querySelectorAll(".col.drop-target").forEach(function (c) { if (c !== col) c.classList.remove("drop-target"); });
    col.classList.add("drop-target");
  });
  document.addEventListener("drop", function (ev) {
    var col = ev.target.closest && ev.target.closest(".col[data-stage]");
    if (!col || !dragged) return;
    ev.preventDefault();
    col.classList.remove("drop-target");
    var card = dragged;
    if (card.dataset.stage === col.dataset.stage) return;
    window.htmx.ajax("POST", card.dataset.moveUrl, {
      target: "#board",
      swap: "outerHTML",
      values: { to_stage: col.dataset.stage, version: card.dataset.version, origin: "board", board_query: window.location.search.replace(/^\?/, "") }
    });
  });
})();
