/* An office on a map of the ward, drawn with the vendored Leaflet: the ward's boundary (our own GeoJSON)
   and a marker; map tiles only when the site is configured with a tile server (data-tiles), since
   nothing may be fetched from elsewhere by default. The address and directions are always written
   beside the map: the map only adds to them. No inline script (CSP). */
(function () {
  "use strict";
  function init(el) {
    if (!window.L) { return; }
    var lat = parseFloat(el.dataset.lat), lon = parseFloat(el.dataset.lon);
    var map = L.map(el, {attributionControl: true, scrollWheelZoom: false, keyboard: true});
    map.attributionControl.setPrefix(false);
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, {maxZoom: 18, attribution: el.dataset.attribution || ""}).addTo(map);
    }
    var marker = L.marker([lat, lon], {title: el.dataset.label, alt: el.dataset.label, keyboard: false}).addTo(map);
    marker.bindTooltip(el.dataset.label, {permanent: true, direction: "top", offset: [0, -36]});
    map.setView([lat, lon], 14, {animate: false});
    if (el.dataset.boundary) {
      fetch(el.dataset.boundary, {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (geo) {
          if (!geo) { return; }
          var layer = L.geoJSON(geo, {interactive: false, style: {color: "#0017c1", weight: 2, fillColor: "#0017c1", fillOpacity: 0.06}}).addTo(map);
          if (!el.dataset.tiles) { map.fitBounds(layer.getBounds(), {padding: [8, 8], animate: false}); }
        })
        .catch(function () { return null; });
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-map]"), init);
  });
}());
