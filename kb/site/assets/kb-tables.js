// kb-tables.js: sort and filter kb's lists in place. Each div.kb-sortable holds a plain
// table (what a reader without scripts gets); the sort keys are in the cells' data-sort,
// the controls' words in the div's data attributes, so nothing here is in a language.
(function () {
  "use strict";

  function keyOf(cell, type) {
    var v = cell.getAttribute("data-sort");
    if (v === null) v = cell.textContent.trim();
    return type === "number" ? parseFloat(v) : v.toLowerCase();
  }

  // a control with its label beside it (not around it, so the label's text alone names it)
  function labelled(text, control, n, what) {
    var wrap = document.createElement("div");
    var label = document.createElement("label");
    control.id = "kb-table-" + n + "-" + what;
    label.htmlFor = control.id;
    label.textContent = text;
    wrap.appendChild(label);
    wrap.appendChild(control);
    return wrap;
  }

  function setUp(box, n) {
    var table = box.querySelector("table");
    if (!table || !table.tHead || !table.tBodies.length) return;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var choiceAt = box.hasAttribute("data-choice") ? parseInt(box.getAttribute("data-choice"), 10) : -1;

    var controls = document.createElement("div");
    controls.className = "kb-table-controls";
    var filter = document.createElement("input");
    filter.type = "search";
    controls.appendChild(labelled(box.getAttribute("data-filter-label"), filter, n, "filter"));

    var choice = null;
    if (choiceAt >= 0) {
      choice = document.createElement("select");
      var all = document.createElement("option");
      all.value = "";
      all.textContent = box.getAttribute("data-all-label");
      choice.appendChild(all);
      var seen = {};
      rows.forEach(function (row) {
        var cell = row.cells[choiceAt];
        var value = cell.getAttribute("data-sort");
        if (seen[value]) return;
        seen[value] = true;
        var option = document.createElement("option");
        option.value = value;
        option.textContent = cell.textContent.trim();
        choice.appendChild(option);
      });
      controls.appendChild(labelled(box.getAttribute("data-choice-label"), choice, n, "choice"));
    }
    var shown = document.createElement("output");
    shown.setAttribute("aria-live", "polite");
    controls.appendChild(shown);
    box.insertBefore(controls, box.firstChild);

    var texts = rows.map(function (row) { return row.textContent.toLowerCase(); });
    function apply() {
      var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      var wanted = choice ? choice.value : "";
      var n = 0;
      rows.forEach(function (row, i) {
        var ok = words.every(function (w) { return texts[i].indexOf(w) >= 0; }) &&
          (!wanted || row.cells[choiceAt].getAttribute("data-sort") === wanted);
        row.hidden = !ok;
        if (ok) n += 1;
      });
      shown.textContent = box.getAttribute("data-shown").replace("{n}", n).replace("{total}", rows.length);
    }
    filter.addEventListener("input", apply);
    if (choice) choice.addEventListener("change", apply);
    apply();

    heads.forEach(function (th, col) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "kb-sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      button.setAttribute("aria-label", box.getAttribute("data-sort-label").replace("{column}", button.textContent));
      th.appendChild(button);
      button.addEventListener("click", function () {
        var type = th.getAttribute("data-type") || "text";
        var up = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        var order = rows.map(function (row, i) { return [keyOf(row.cells[col], type), i, row]; });
        order.sort(function (a, b) {
          var c = a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
          return (up ? c : -c) || a[1] - b[1];
        });
        order.forEach(function (o) { body.appendChild(o[2]); });
      });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("div.kb-sortable"), setUp);
})();
