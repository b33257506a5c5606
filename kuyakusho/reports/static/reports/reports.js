/* Street reports on the vendored Leaflet, without map tiles unless the site configures a tile server: the
   ward's boundary is drawn from our own GeoJSON. Every map has a way round it: the town picker and the
   phone's position when reporting, the table below the public map. No inline script (CSP). */
(function () {
  "use strict";
  var COLOURS = {received: "#0017c1", checking: "#6b3fa0", planned: "#8a5300", in_progress: "#b00060",
    fixed: "#1a7f37", not_fixable: "#555555", referred: "#00607a", duplicate: "#777777"};

  function baseMap(el) {
    var map = L.map(el, {attributionControl: true, scrollWheelZoom: false, keyboard: true});
    map.attributionControl.setPrefix(false);
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, {maxZoom: 19, attribution: el.dataset.attribution || ""}).addTo(map);
    }
    map.setView([35.7356, 139.6517], 13, {animate: false});
    if (el.dataset.boundary) {
      fetch(el.dataset.boundary, {credentials: "same-origin"}).then(function (r) { return r.ok ? r.json() : null; })
        .then(function (geo) {
          if (!geo) { return; }
          var layer = L.geoJSON(geo, {interactive: false, style: {color: "#0017c1", weight: 2, fillOpacity: 0.04}}).addTo(map);
          map.fitBounds(layer.getBounds(), {padding: [4, 4], animate: false});
          map.fire("boundaryloaded");
        }).catch(function () { return null; });
    }
    return map;
  }

  function initPicker(el) {
    var form = el.closest("form");
    var lat = form.querySelector("[data-lat]"), lon = form.querySelector("[data-lon]");
    var town = form.querySelector("[data-town-picker]");
    var map = baseMap(el), marker = null;
    function place(latlng, fromTown) {
      if (marker) { marker.setLatLng(latlng); } else {
        marker = L.marker(latlng, {title: el.dataset.pinLabel, alt: el.dataset.pinLabel, keyboard: false}).addTo(map);
      }
      if (!fromTown) {
        lat.value = latlng.lat.toFixed(6); lon.value = latlng.lng.toFixed(6);
        if (town) { town.value = ""; }
      }
    }
    map.on("click", function (e) { place(e.latlng, false); });
    var centre = form.querySelector("[data-pin-centre]");
    if (centre) {
      centre.hidden = false;
      centre.addEventListener("click", function () { place(map.getCenter(), false); });
    }
    if (lat.value && lon.value) { place(L.latLng(parseFloat(lat.value), parseFloat(lon.value)), true); }
    if (town) {
      town.addEventListener("change", function () {
        lat.value = ""; lon.value = "";
        if (marker) { map.removeLayer(marker); marker = null; }
      });
    }
    var geo = form.querySelector("[data-geolocation]");
    if (geo && navigator.geolocation) {
      geo.hidden = false;
      var status = geo.querySelector("[data-position-status]");
      geo.querySelector("[data-use-position]").addEventListener("click", function () {
        status.textContent = "…";
        navigator.geolocation.getCurrentPosition(function (pos) {
          var ll = L.latLng(pos.coords.latitude, pos.coords.longitude);
          place(ll, false); map.setView(ll, 17);
          status.textContent = (document.documentElement.lang === "en" ? "Your position is set." : "現在地を指定しました。");
        }, function () {
          status.textContent = (document.documentElement.lang === "en"
            ? "Your position could not be read. Choose a town instead." : "現在地を取得できませんでした。町丁目から選んでください。");
        }, {enableHighAccuracy: true, timeout: 15000});
      });
    }
  }

  function initPublic(el) {
    var map = baseMap(el), layer = L.layerGroup().addTo(map), base = el.dataset.source;
    function load() {
      var b = map.getBounds();
      var bbox = [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()].map(function (x) { return x.toFixed(5); }).join(",");
      fetch(base + (base.indexOf("?") < 0 ? "?" : "&") + "bbox=" + bbox, {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          layer.clearLayers();
          if (data.kind === "points") {
            data.points.forEach(function (p) {
              L.circleMarker([p.lat, p.lon], {radius: 7, color: "#fff", weight: 2, fillColor: COLOURS[p.status] || "#333", fillOpacity: 1})
                .on("click", function () { window.location.href = el.dataset.reportUrl + p.id; })
                .bindTooltip("#" + p.id).addTo(layer);
            });
          } else {
            data.cells.forEach(function (c) {
              var icon = L.divIcon({className: "report-cluster", html: "<span>" + c.count + "</span>", iconSize: [34, 34]});
              L.marker([c.lat, c.lon], {icon: icon, keyboard: false, interactive: true})
                .on("click", function () { map.setView([c.lat, c.lon], Math.min(map.getZoom() + 2, 18)); }).addTo(layer);
            });
          }
        }).catch(function () { return null; });
    }
    map.on("moveend", load);
    map.on("boundaryloaded", load);
  }

  function initQueue(el) {
    var map = baseMap(el), points = [];
    try { points = JSON.parse(el.dataset.points || "[]"); } catch (e) { points = []; }
    points.forEach(function (p) {
      L.circleMarker([p.lat, p.lon], {radius: 7, color: "#fff", weight: 2, fillColor: COLOURS[p.status] || "#333", fillOpacity: 1})
        .on("click", function () { window.location.href = el.dataset.reportUrl + p.id; })
        .bindTooltip("#" + p.id).addTo(map);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.L) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("[data-pick-map]"), initPicker);
    Array.prototype.forEach.call(document.querySelectorAll("[data-public-map]"), initPublic);
    Array.prototype.forEach.call(document.querySelectorAll("[data-queue-map]"), initQueue);
  });
}());
