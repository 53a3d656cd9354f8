// The language switch (Material's extra.alternate) links to each language's home page. kb's
// own pages exist in every language at the same path, so on them (only they load this
// script) the switch goes to this same page in the other language instead.
(function () {
  "use strict";
  var here = document.documentElement.lang;
  var roots = {};
  document.querySelectorAll('link[rel="alternate"][hreflang]').forEach(function (link) {
    roots[link.hreflang] = link.href;
  });
  var mine = roots[here];
  if (!mine || location.href.indexOf(mine) !== 0) return;
  var rest = location.href.slice(mine.length);
  document.querySelectorAll("a.md-select__link[hreflang]").forEach(function (a) {
    var root = roots[a.hreflang];
    if (!root || a.hreflang === here) return;
    a.href = root + rest;
    // Material's own handler would look the page up in a sitemap (empty without site_url) and go home
    a.addEventListener("click", function (event) { event.stopPropagation(); });
  });
})();
