// The place page's map: the place's boundary and its children's (Leaflet, no tiles). Data from the
// page's json_script "map-data"; a child's shape links to its page (data-detail-url, with 0 for the code).
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var element = document.getElementById("placemap");
  var source = document.getElementById("map-data");
  if (!element || !source || typeof L === "undefined") return;
  var data = JSON.parse(source.textContent);
  var detailUrl = element.getAttribute("data-detail-url");
  var map = L.map(element, {attributionControl: false, zoomSnap: 0.25});
  var layers = [];
  if (data.place) {
    layers.push(L.geoJSON(data.place.boundary, {style: {color: "#b42318", weight: 2, dashArray: "6 4", fill: false}}));
  }
  var palette = ["#1d4ed8", "#067647", "#b54708", "#7a2e98", "#0e7490", "#a15c07"];
  data.shapes.forEach(function (s, i) {
    var layer = L.geoJSON(s.boundary, {style: {color: palette[i % palette.length], weight: 1.5, fillOpacity: 0.18}});
    layer.bindTooltip(s.name, data.shapes.length <= 20 ? {permanent: true, direction: "center", className: "maplabel"} : {});
    layer.on("click", function () { window.location.href = detailUrl.replace("/0/", "/" + s.code + "/"); });
    layers.push(layer);
  });
  var group = L.featureGroup(layers).addTo(map);
  if (group.getBounds().isValid()) { map.fitBounds(group.getBounds(), {padding: [12, 12]}); }
  else if (data.centre) { map.setView([data.centre.coordinates[1], data.centre.coordinates[0]], 14); }
});
