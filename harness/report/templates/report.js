(function () {
  "use strict";
  var all = function (sel) { return Array.prototype.slice.call(document.querySelectorAll(sel)); };
  var byId = function (id) { return document.getElementById(id); };
  function apply() {
    var sev = all("input[name=sev]:checked").map(function (i) { return i.value; });
    var cat = byId("f-cat").value, tab = byId("f-table").value, sup = byId("f-sup").checked;
    var shown = 0;
    all(".finding").forEach(function (el) {
      var ok = sev.indexOf(el.dataset.severity) >= 0 && (!cat || el.dataset.category === cat) &&
        (!tab || el.dataset.table === tab) && (sup || el.dataset.suppressed === "0");
      el.hidden = !ok;
      if (ok) { shown += 1; }
    });
    all("[data-rel]").forEach(function (el) { el.hidden = !!tab && el.dataset.rel !== tab; });
    byId("f-count").textContent = shown + " shown";
  }
  all(".filters input, .filters select").forEach(function (el) {
    el.addEventListener("change", apply);
  });
  all("button.copy").forEach(function (b) {
    b.addEventListener("click", function () {
      var text = b.parentNode.querySelector("pre").textContent;
      if (navigator.clipboard) { navigator.clipboard.writeText(text); b.textContent = "copied"; }
    });
  });
  window.addEventListener("beforeprint", function () {
    all("details").forEach(function (d) { d.dataset.wasOpen = d.open ? "1" : "0"; d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    all("details").forEach(function (d) { d.open = d.dataset.wasOpen === "1"; });
  });
  // A link may preset the filters: report.html#filter:table=public.users&severity=critical,high
  var preset = /^#filter:(.*)$/.exec(window.location.hash);
  if (preset) {
    new URLSearchParams(preset[1]).forEach(function (value, key) {
      if (key === "table") { byId("f-table").value = value; }
      if (key === "category") { byId("f-cat").value = value; }
      if (key === "severity") {
        var keep = value.split(",");
        all("input[name=sev]").forEach(function (i) { i.checked = keep.indexOf(i.value) >= 0; });
      }
      if (key === "suppressed") { byId("f-sup").checked = value !== "0"; }
    });
  }
  apply();
  document.body.dataset.ready = "1";
}());
