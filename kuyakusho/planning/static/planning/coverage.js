/* The coverage map: the ward's boundary, a grid of cells coloured by the straight-line distance to the nearest
   office (or by the residents of that office's catchment), and the offices as markers. Dragging a marker,
   typing a position or ticking 「廃止」 changes the what-if form, which htmx submits; the figures beside the map
   are the server's, and the cells are recoloured from the offices the answer carries. No tiles, no inline script. */
(function () {
  "use strict";
  var BANDS = [[1, "#c5d7fb"], [2, "#7096f8"], [3, "#3460fb"], [Infinity, "#e25100"]];
  var LOAD_COLOURS = ["#d8f3e6", "#71c598", "#259d63", "#115a36"];
  var map, cells = [], markers = {}, form, mode = "distance";

  function km(lat1, lon1, lat2, lon2) {
    var r = Math.PI / 180, dp = (lat2 - lat1) * r, dl = (lon2 - lon1) * r;
    var a = Math.sin(dp / 2) * Math.sin(dp / 2) + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(dl / 2) * Math.sin(dl / 2);
    return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(a)));
  }
  function figures() {
    var el = document.getElementById("coverage-figures");
    return {sites: JSON.parse(el.dataset.sites || "[]"), figures: JSON.parse(el.dataset.figures || "{}")};
  }
  function legend() {
    var box = document.getElementById("coverage-legend");
    var rows;
    if (mode === "distance") {
      var labels = box.dataset.distance.split("|");
      rows = BANDS.map(function (b, i) { return [b[1], labels[i]]; });
    } else {
      var limits = loadLimits(), unit = box.dataset.people, lo = 0;
      rows = LOAD_COLOURS.map(function (c, i) {
        var text = lo.toLocaleString() + "–" + limits[i].toLocaleString() + unit;
        lo = limits[i] + 1;
        return [c, text];
      });
    }
    box.textContent = "";
    var ul = document.createElement("ul");
    rows.forEach(function (r) {
      var li = document.createElement("li"), sw = document.createElement("span");
      sw.className = "planning-swatch"; sw.style.backgroundColor = r[0];
      li.appendChild(sw); li.appendChild(document.createTextNode(" " + r[1])); ul.appendChild(li);
    });
    box.appendChild(ul);
  }
  function loadLimits() {
    // Four equal steps up to the largest catchment, so that a small ward and Nerima both show differences.
    var most = 0;
    (figures().figures.catchments || []).forEach(function (c) { most = Math.max(most, c.total); });
    return [1, 2, 3, 4].map(function (k) { return Math.ceil(most * k / 4); });
  }
  function recolour() {
    var f = figures(), loads = {};
    (f.figures.catchments || []).forEach(function (c) { loads[c.code] = c.total; });
    cells.forEach(function (c) {
      var best = null, bestD = Infinity;
      f.sites.forEach(function (s) { var d = km(c.lat, c.lon, s.lat, s.lon); if (d < bestD) { bestD = d; best = s; } });
      var colour = "#ccc";
      if (mode === "distance") {
        for (var i = 0; i < BANDS.length; i++) { if (bestD <= BANDS[i][0]) { colour = BANDS[i][1]; break; } }
      } else if (best) {
        var n = loads[best.code] || 0, limits = loadLimits();
        for (var j = 0; j < limits.length; j++) { if (n <= limits[j]) { colour = LOAD_COLOURS[j]; break; } }
      }
      c.rect.setStyle({fillColor: colour});
    });
    var shown = {};
    f.sites.forEach(function (s) { shown[s.code] = s; });
    Object.keys(markers).forEach(function (code) {
      var m = markers[code], s = shown[code];
      if (s) { m.setLatLng([s.lat, s.lon]); m.setOpacity(1); } else { m.setOpacity(code === "new" ? 0 : 0.35); }
    });
    legend();
  }
  function submit() {
    if (window.htmx) { window.htmx.trigger(form, "submit"); } else { form.submit(); }
  }
  function marker(code, name, lat, lon) {
    var m = L.marker([lat, lon], {draggable: true, title: name, alt: name, keyboard: true, autoPan: true}).addTo(map);
    m.bindTooltip(name, {direction: "top", offset: [0, -36]});
    m.on("dragend", function () {
      var p = m.getLatLng();
      document.getElementById(code === "new" ? "new-lat" : "lat-" + code).value = p.lat.toFixed(6);
      document.getElementById(code === "new" ? "new-lon" : "lon-" + code).value = p.lng.toFixed(6);
      submit();
    });
    markers[code] = m;
    return m;
  }
  function init() {
    var el = document.getElementById("coverage-map");
    form = document.getElementById("whatif-form");
    if (!el || !window.L || !form) { return; }
    var grid = JSON.parse(document.getElementById("coverage-grid").textContent);
    map = L.map(el, {preferCanvas: true, scrollWheelZoom: false, keyboard: true, attributionControl: true,
                     zoomSnap: 0.25});
    map.attributionControl.setPrefix(false);
    var renderer = L.canvas({padding: 0.2});
    grid.cells.forEach(function (p) {
      var b = [[p[0] - grid.dlat / 2, p[1] - grid.dlon / 2], [p[0] + grid.dlat / 2, p[1] + grid.dlon / 2]];
      cells.push({lat: p[0], lon: p[1], rect: L.rectangle(b, {renderer: renderer, stroke: false, fillOpacity: 0.75, interactive: false}).addTo(map)});
    });
    if (cells.length) {
      map.fitBounds(L.latLngBounds(cells.map(function (c) { return [c.lat, c.lon]; })), {animate: false});
    }
    fetch(el.dataset.boundary, {credentials: "same-origin"}).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (geo) { if (geo) { L.geoJSON(geo, {interactive: false, style: {color: "#000", weight: 2, fill: false}}).addTo(map); } })
      .catch(function () { return null; });
    Array.prototype.forEach.call(form.querySelectorAll("tr[data-site]"), function (tr) {
      var code = tr.dataset.site;
      if (code === "new") { return; }
      var lat = document.getElementById("lat-" + code), lon = document.getElementById("lon-" + code);
      marker(code, tr.dataset.name, parseFloat(lat.value || lat.dataset.default), parseFloat(lon.value || lon.dataset.default));
    });
    document.getElementById("add-office").addEventListener("click", function () {
      var c = map.getCenter();
      document.getElementById("new-lat").value = c.lat.toFixed(6);
      document.getElementById("new-lon").value = c.lng.toFixed(6);
      if (!markers["new"]) { marker("new", form.querySelector("tr[data-site=new] th").textContent, c.lat, c.lng); }
      submit();
    });
    Array.prototype.forEach.call(document.querySelectorAll("input[name=map-mode]"), function (r) {
      r.addEventListener("change", function () { mode = r.value; recolour(); });
    });
    document.body.addEventListener("htmx:afterSwap", recolour);
    recolour();
  }
  document.addEventListener("DOMContentLoaded", init);
}());
