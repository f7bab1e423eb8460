// The household page's map: its point and its grid (Leaflet, no tiles), from the json_script "map-data".
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var element = document.getElementById("pointmap");
  var source = document.getElementById("map-data");
  if (!element || !source || typeof L === "undefined") return;
  var data = JSON.parse(source.textContent);
  var map = L.map(element, {attributionControl: false});
  var layers = [];
  if (data.grid) { layers.push(L.geoJSON(data.grid, {style: {color: "#1d4ed8", weight: 1.5, fillOpacity: 0.12}})); }
  if (data.point) {
    var c = data.point.coordinates;
    layers.push(L.circleMarker([c[1], c[0]], {radius: 8, color: "#b42318", weight: 2, fillOpacity: 0.7}));
  }
  var group = L.featureGroup(layers).addTo(map);
  if (data.point && !data.grid) { map.setView([data.point.coordinates[1], data.point.coordinates[0]], 16); }
  else { map.fitBounds(group.getBounds(), {padding: [12, 12], maxZoom: 17}); }
});
