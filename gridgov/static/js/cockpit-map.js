/* The cockpit's map (Leaflet, served locally): the grids (or child places) coloured by open matters,
   overdue matters, risk color or visit coverage, with a legend and a switch; open matters with
   coordinates as points; a click on a unit opens its cockpit. Tiles only when the page names an
   intranet tile server (data-tiles, from GRIDGOV_TILE_URL): otherwise the boundaries alone. */
(function () {
  "use strict";

  var RISK = { red: "#d92d20", yellow: "#f2b01e", blue: "#2e6fd9" };
  var EMPTY = "#eef1f4";
  var SEQ = ["#fde7c7", "#f9b97a", "#ef8a47", "#d9531e", "#a8320f"];
  var COVER = [[95, "#067647"], [80, "#4ca86b"], [50, "#f2b01e"], [0, "#d9531e"]];

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function esc(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  // Five classes from 1 up to the largest value (0 has its own color).
  function breaks(max) {
    if (max <= 5) {
      var out = [];
      for (var i = 1; i <= max; i++) out.push(i);
      return out;
    }
    return [1, Math.ceil(max / 5) + 1, Math.ceil((2 * max) / 5) + 1, Math.ceil((3 * max) / 5) + 1,
            Math.ceil((4 * max) / 5) + 1];
  }

  function classOf(value, steps) {
    var k = -1;
    for (var i = 0; i < steps.length; i++) if (value >= steps[i]) k = i;
    return k;
  }

  ready(function () {
    var el = document.getElementById("cockpit-map-data");
    var box = document.getElementById("cockpit-map");
    if (!el || !box || !window.L) return;
    var data = JSON.parse(el.textContent);
    var T = data.labels;
    var map = L.map(box, { attributionControl: false, zoomSnap: 0.25, scrollWheelZoom: false });
    if (box.dataset.tiles) L.tileLayer(box.dataset.tiles, { maxZoom: 19 }).addTo(map);
    else box.classList.add("no-tiles");
    var switcher = document.querySelector(".ck-switch");
    var legend = document.getElementById("cockpit-map-legend");
    var layerName = "open";
    var steps = {};
    ["open", "overdue"].forEach(function (key) {
      var max = 0;
      data.units.forEach(function (u) { max = Math.max(max, u[key].value || 0); });
      steps[key] = breaks(max);
    });

    function fill(u) {
      if (layerName === "risk") return u.risk ? RISK[u.risk] : EMPTY;
      if (layerName === "coverage") {
        if (u.coverage === null) return EMPTY;
        for (var i = 0; i < COVER.length; i++) if (u.coverage >= COVER[i][0]) return COVER[i][1];
      }
      var k = classOf(u[layerName].value || 0, steps[layerName]);
      return k < 0 ? EMPTY : SEQ[Math.min(k, SEQ.length - 1) + (steps[layerName].length < 5 ? 5 - steps[layerName].length : 0)];
    }

    function style(u) {
      return { color: "#344054", weight: 1, fillColor: fill(u), fillOpacity: 0.78, className: "ck-unit" };
    }

    function tip(u) {
      var lines = [
        "<b>" + esc(u.name) + "</b>",
        esc(T.open) + "：" + esc(u.open.text),
        esc(T.overdue) + "：" + esc(u.overdue.text),
        esc(T.red) + " " + esc(u.colors.red.text) + " · " + esc(T.yellow) + " " + esc(u.colors.yellow.text) +
          " · " + esc(T.blue) + " " + esc(u.colors.blue.text),
        esc(T.coverage) + "：" + (u.coverage === null ? "—" : esc(u.coverage) + "%") + "（" + esc(u.visited) + " / " +
          esc(u.households.text) + " " + esc(T.households) + "）"
      ];
      return lines.join("<br>");
    }

    var groups = [];
    if (data.place) {
      groups.push(L.geoJSON(data.place.boundary, {
        style: { color: "#b42318", weight: 2.5, dashArray: "6 4", fill: false }, interactive: false
      }));
    }
    var shapes = [];
    data.units.forEach(function (u) {
      if (!u.boundary) return;
      var layer = L.geoJSON(u.boundary, { style: style(u) });
      layer.bindTooltip(tip(u), { sticky: true });
      layer.on("click", function () { window.location.href = u.drill; });
      layer.on("mouseover", function () { layer.setStyle({ weight: 2.5 }); });
      layer.on("mouseout", function () { layer.setStyle({ weight: 1 }); });
      shapes.push([u, layer]);
      groups.push(layer);
    });
    data.outlines.forEach(function (o) {
      var line = L.geoJSON(o.boundary, { style: { color: "#101828", weight: 2, fill: false }, interactive: false });
      groups.push(line);
    });
    data.points.forEach(function (p) {
      var c = p.point.coordinates;
      var marker = L.circleMarker([c[1], c[0]], {
        radius: 5, color: "#fff", weight: 1, fillColor: RISK[p.color] || "#475467", fillOpacity: 1,
        className: "ck-point"
      });
      marker.bindTooltip(esc(p.title));
      marker.on("click", function () { window.location.href = p.url; });
      groups.push(marker);
    });
    L.featureGroup(groups).addTo(map);
    // Fit what is coloured (a county with one town drawn shows that town, not an empty county outline).
    var focus = L.featureGroup(shapes.map(function (pair) { return pair[1]; }));
    var bounds = focus.getBounds().isValid() ? focus.getBounds() : L.featureGroup(groups).getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [8, 8] });
      // A phone turned or a window resized: the whole place stays in view.
      var resizing = null;
      window.addEventListener("resize", function () {
        window.clearTimeout(resizing);
        resizing = window.setTimeout(function () {
          if (!box.clientWidth || !box.clientHeight) return;
          map.invalidateSize({ pan: false });
          map.fitBounds(bounds, { padding: [8, 8], animate: false });
        }, 150);
      });
    }

    // Built with the DOM (no style attributes in markup: a Content-Security-Policy may forbid them).
    function swatch(color, text) {
      var key = document.createElement("span");
      key.className = "ck-key";
      var chip = document.createElement("i");
      chip.style.background = color;
      key.appendChild(chip);
      key.appendChild(document.createTextNode(text));
      legend.appendChild(key);
    }

    function drawLegend() {
      legend.textContent = "";
      var title = document.createElement("b");
      title.textContent = T[layerName];
      legend.appendChild(title);
      if (layerName === "risk") {
        swatch(RISK.red, T.red);
        swatch(RISK.yellow, T.yellow);
        swatch(RISK.blue, T.blue);
        swatch(EMPTY, T.none);
      } else if (layerName === "coverage") {
        swatch(COVER[0][1], "≥95%");
        swatch(COVER[1][1], "80–95%");
        swatch(COVER[2][1], "50–80%");
        swatch(COVER[3][1], "<50%");
        swatch(EMPTY, T.none);
      } else {
        var s = steps[layerName];
        swatch(EMPTY, "0");
        for (var i = 0; i < s.length; i++) {
          var top = i + 1 < s.length ? s[i + 1] - 1 : null;
          var label = top === null ? "≥" + s[i] : (top === s[i] ? String(s[i]) : s[i] + "–" + top);
          swatch(SEQ[i + (s.length < 5 ? 5 - s.length : 0)], label);
        }
      }
      if (data.points.length) {
        var note = document.createElement("span");
        note.className = "ck-points";
        note.textContent = T.points;
        legend.appendChild(note);
      }
    }

    function restyle() {
      shapes.forEach(function (pair) { pair[1].setStyle(style(pair[0])); });
      drawLegend();
    }

    if (switcher) {
      switcher.hidden = false;
      switcher.addEventListener("change", function (event) {
        if (event.target.name === "map-layer") {
          layerName = event.target.value;
          restyle();
        }
      });
    }
    drawLegend();
  });
})();
