// Two things Material leaves to the site, done once the page is laid out:
// its search is a role="dialog" without a name (announced as just "dialog"), and a table or
// chart wider than a phone scrolls inside a box that a keyboard cannot reach.
// Names come from the page itself (the search field's label Material writes in the page's
// language, the heading above the box), so no copy of Material's templates and no words here.
(function () {
  "use strict";
  document.querySelectorAll('.md-search[role="dialog"]').forEach(function (dialog) {
    if (dialog.hasAttribute("aria-label") || dialog.hasAttribute("aria-labelledby")) return;
    var field = dialog.querySelector("input.md-search__input");
    var name = field && (field.getAttribute("aria-label") || field.getAttribute("placeholder"));
    if (name) dialog.setAttribute("aria-label", name);
  });

  function headingBefore(box) {
    var headings = document.querySelectorAll(".md-content h1, .md-content h2, .md-content h3");
    var found = null;
    headings.forEach(function (h) {
      if (h.compareDocumentPosition(box) & Node.DOCUMENT_POSITION_FOLLOWING) found = h;
    });
    return found;
  }

  function reachable() {
    document.querySelectorAll(".md-typeset__scrollwrap, .kb-chart-scroll").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (!scrolls || box.hasAttribute("tabindex")) return;
      var heading = headingBefore(box);
      var caption = box.querySelector("caption");
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      if (heading && heading.id) box.setAttribute("aria-labelledby", heading.id);
      else box.setAttribute("aria-label", ((caption || heading || document.querySelector("h1") || {}).textContent
                                           || document.title).trim());
    });
  }
  // Material wraps its tables when its own script has mounted the page, which may be after this one ran
  reachable();
  document.addEventListener("DOMContentLoaded", reachable);
  window.addEventListener("load", function () { reachable(); setTimeout(reachable, 0); });
  window.addEventListener("resize", reachable);
})();
