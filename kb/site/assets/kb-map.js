/* kb: the framework map as a tool (zoom, pan, filters, the map at a milestone).
   Everything it shows was computed at build time: the statuses at each time are in
   each node's data-at (space-separated, "-" where the hypothesis was not on the map);
   this script only moves the view and toggles classes. Without it the map is a plain SVG. */
(function () {
  "use strict";
  var controls = document.querySelector(".kb-map-controls");
  var figure = document.querySelector("figure.kb-map");
  var svg = figure && figure.querySelector("svg.kb-graph");
  if (!controls || !svg) return;

  var W = svg.viewBox.baseVal.width, H = svg.viewBox.baseVal.height;
  var view = { k: 1, x: 0, y: 0 };
  var MIN = 0.2, MAX = 4;

  controls.hidden = false;
  figure.classList.add("kb-map-live");
  figure.tabIndex = 0;
  figure.setAttribute("aria-label", svg.getAttribute("aria-label") + ". " +
                      (controls.querySelector(".kb-muted") || {}).textContent);
  svg.removeAttribute("width");
  svg.removeAttribute("height");

  function size() { return { w: svg.clientWidth || 1, h: svg.clientHeight || 1 }; }
  function draw() {
    var s = size();
    svg.setAttribute("viewBox", [view.x, view.y, s.w / view.k, s.h / view.k].map(function (v) {
      return Math.round(v * 100) / 100;
    }).join(" "));
  }
  function reset() {
    // natural size (text as printed), centred where the map is smaller than its frame
    svg.style.height = Math.round(Math.min(H + 2, Math.max(320, window.innerHeight * 0.7))) + "px";
    var s = size();
    view.k = 1;
    view.x = W < s.w ? -(s.w - W) / 2 : 0;
    view.y = H < s.h ? -(s.h - H) / 2 : 0;
    draw();
  }
  function zoom(factor, cx, cy) {
    var s = size();
    if (cx === undefined) { cx = s.w / 2; cy = s.h / 2; }
    var k = Math.min(MAX, Math.max(MIN, view.k * factor));
    var ux = view.x + cx / view.k, uy = view.y + cy / view.k;
    view.k = k;
    view.x = ux - cx / k;
    view.y = uy - cy / k;
    draw();
  }
  function pan(dx, dy) { view.x -= dx / view.k; view.y -= dy / view.k; draw(); }
  function local(e) { var r = svg.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; }

  controls.addEventListener("click", function (e) {
    var b = e.target.closest("button[data-map]");
    if (!b) return;
    var what = b.getAttribute("data-map");
    if (what === "in") zoom(1.25);
    else if (what === "out") zoom(0.8);
    else reset();
  });
  figure.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var step = 40, done = true;
    switch (e.key) {
      case "+": case "=": zoom(1.25); break;
      case "-": case "_": zoom(0.8); break;
      case "0": reset(); break;
      case "ArrowLeft": pan(step, 0); break;
      case "ArrowRight": pan(-step, 0); break;
      case "ArrowUp": pan(0, step); break;
      case "ArrowDown": pan(0, -step); break;
      default: done = false;
    }
    if (done) e.preventDefault();
  });
  svg.addEventListener("wheel", function (e) {
    e.preventDefault();
    var p = local(e);
    zoom(Math.exp(-e.deltaY * 0.0015), p[0], p[1]);
  }, { passive: false });

  // drag to pan, two fingers to pinch; a drag must not also open the node it started on
  var pointers = new Map(), moved = false, pinch = 0;
  svg.addEventListener("pointerdown", function (e) {
    if (e.button !== 0) return;
    pointers.set(e.pointerId, local(e));
    moved = false;
    pinch = 0;
  });
  svg.addEventListener("pointermove", function (e) {
    var last = pointers.get(e.pointerId);
    if (!last) return;
    var p = local(e);
    if (pointers.size === 2) {
      pointers.set(e.pointerId, p);
      var ps = Array.from(pointers.values());
      var d = Math.hypot(ps[0][0] - ps[1][0], ps[0][1] - ps[1][1]);
      if (pinch) zoom(d / pinch, (ps[0][0] + ps[1][0]) / 2, (ps[0][1] + ps[1][1]) / 2);
      pinch = d;
      moved = true;
      return;
    }
    if (!moved && Math.hypot(p[0] - last[0], p[1] - last[1]) < 4) return;
    if (!moved) { svg.setPointerCapture(e.pointerId); figure.classList.add("kb-map-dragging"); }
    moved = true;
    pan(p[0] - last[0], p[1] - last[1]);
    pointers.set(e.pointerId, p);
  });
  function up(e) {
    pointers.delete(e.pointerId);
    pinch = 0;
    figure.classList.remove("kb-map-dragging");
  }
  svg.addEventListener("pointerup", up);
  svg.addEventListener("pointercancel", up);
  svg.addEventListener("click", function (e) {
    if (moved) { e.preventDefault(); e.stopPropagation(); moved = false; }
  }, true);

  // filters and the time
  var hyps = Array.from(svg.querySelectorAll(".kb-hypothesis[data-h]"));
  var constructs = Array.from(svg.querySelectorAll(".kb-construct[data-c]"));
  var edges = Array.from(svg.querySelectorAll(".kb-edge"));
  var when = controls.querySelector('select[data-map="when"]');
  var shown = controls.querySelector(".kb-map-shown");

  function ticked(attr) {
    var on = {};
    controls.querySelectorAll("input[" + attr + "]").forEach(function (i) { on[i.getAttribute(attr)] = i.checked; });
    return on;
  }
  function hide(el, hidden) { el.classList.toggle("kb-map-hidden", hidden); }
  function apply() {
    var at = when ? Number(when.value) : 0;
    var statusOn = ticked("data-map-status"), cOn = ticked("data-map-construct");
    var visible = {}, used = {}, n = 0;
    hyps.forEach(function (a) {
      var states = (a.getAttribute("data-at") || "").split(" ");
      var st = states.length > at ? states[at] : "-";
      var from = a.getAttribute("data-from"), to = a.getAttribute("data-to");
      var on = st !== "-" && statusOn[st] !== false && cOn[from] !== false && cOn[to] !== false;
      if (st !== "-") {
        a.className.baseVal = a.className.baseVal.replace(/\bkb-st-\S+/, "kb-st-" + st);
      }
      hide(a, !on);
      if (on) { visible[a.getAttribute("data-h")] = true; used[from] = used[to] = true; n++; }
    });
    constructs.forEach(function (c) {
      var id = c.getAttribute("data-c");
      var on = cOn[id] !== false && (hyps.length === 0 || used[id] === true);
      hide(c, !on);
    });
    edges.forEach(function (g) {
      var h = g.getAttribute("data-h");
      var on = h ? visible[h] === true : cOn[g.getAttribute("data-from")] !== false && cOn[g.getAttribute("data-to")] !== false;
      hide(g, !on);
    });
    if (shown) {
      shown.textContent = shown.getAttribute("data-words").replace("{n}", n).replace("{total}", hyps.length);
    }
  }
  controls.addEventListener("change", apply);
  window.addEventListener("resize", draw);
  reset();
  apply();
})();
