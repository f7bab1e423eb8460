/* The cockpit's charts (Apache ECharts, served locally). The data comes from the page (json_script
   #cockpit-data), labels already translated; each segment carries the URL of the record list it counts,
   or of the child's cockpit, and a click opens it. No inline script: the page stays CSP-clean. */
(function () {
  "use strict";

  var RISK = { red: "#d92d20", yellow: "#f2b01e", blue: "#2e6fd9" };
  var PALETTE = ["#1d4ed8", "#067647", "#b54708", "#7a2e98", "#0e7490", "#a15c07", "#c11574", "#475467"];
  var TEXT = "#1f2933";
  var charts = [];

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function go(url) {
    if (url) window.location.href = url;
  }

  function short(text, n) {
    text = String(text);
    return text.length > n ? text.slice(0, n - 1) + "…" : text;
  }

  function draw(name, option) {
    var box = document.querySelector('[data-chart="' + name + '"]');
    if (!box) return null;
    box.classList.add("drawn");
    var chart = window.echarts.init(box, null, { renderer: "svg" });
    // The page's own font, so that ECharts measures its labels as the browser draws them.
    option.textStyle = { fontFamily: window.getComputedStyle(document.body).fontFamily, color: TEXT };
    option.animation = false;
    chart.setOption(option);
    chart.on("click", function (params) {
      var d = params.data || {};
      go(d.url || d.drill);
    });
    charts.push(chart);
    return chart;
  }

  function pie(name, items, colors) {
    if (!items.length) return;
    var total = items.reduce(function (sum, s) { return sum + s.value; }, 0);
    draw(name, {
      color: colors || PALETTE,
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）", confine: true },
      legend: { bottom: 0, type: "scroll", textStyle: { color: TEXT } },
      series: [{
        type: "pie", radius: ["38%", "66%"], center: ["50%", "44%"], avoidLabelOverlap: true,
        label: { formatter: "{b}\n{c}", color: TEXT }, labelLine: { length: 6, length2: 6 },
        data: items.map(function (s) {
          var item = { name: s.name, value: s.value, url: s.url };
          if (s.key && RISK[s.key]) item.itemStyle = { color: RISK[s.key] };
          if (s.value < total * 0.04) {  // a thin slice: named in the legend and the tooltip, not on the ring
            item.label = { show: false };
            item.labelLine = { show: false };
          }
          return item;
        })
      }]
    });
  }

  function hbar(name, items, series, labels) {
    if (!items.length) return;
    var rows = items.slice().reverse();
    draw(name, {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
      legend: series.length > 1 ? { top: 0, textStyle: { color: TEXT } } : undefined,
      grid: { left: 8, right: 36, top: series.length > 1 ? 28 : 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: rows.map(function (r) { return short(r.name, 10); }),
               axisLabel: { color: TEXT } },
      series: series.map(function (s, i) {
        return {
          type: "bar", name: s.label, barMaxWidth: 18, color: s.color || PALETTE[i],
          label: { show: true, position: "right", color: TEXT },
          data: rows.map(function (r) { return { value: r[s.key], url: s.url ? s.url(r) : r.url || r.drill }; })
        };
      })
    });
  }

  ready(function () {
    var el = document.getElementById("cockpit-data");
    if (!el || !window.echarts) return;
    var data = JSON.parse(el.textContent);
    var L = data.labels;

    var t = data.trend;
    if (t.months.length) {
      draw("trend", {
        color: ["#1d4ed8", "#067647"],
        tooltip: { trigger: "axis", confine: true },
        legend: { top: 0, textStyle: { color: TEXT } },
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: t.months, axisLabel: { color: TEXT } },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: L.received, type: "bar", barMaxWidth: 28, data: t.received },
          { name: L.resolved, type: "line", symbolSize: 8, data: t.resolved }
        ]
      });
    }
    pie("kinds", data.kinds);
    pie("colors", data.colors);
    pie("channels", data.channels);
    hbar("categories", data.categories, [{ key: "value", label: L.received, color: "#1d4ed8" }]);
    hbar("overdue", data.overdue.slice(0, 10), [
      { key: "open", label: L.open, color: "#2e6fd9" },
      { key: "overdue", label: L.overdue, color: RISK.red, url: function (r) { return r.url + "&overdue=1"; } }
    ]);
    hbar("visitors", data.visitors, [{ key: "value", label: L.visits, color: "#067647" }]);
    if (data.ranking.length) {
      draw("ranking", {
        color: ["#1d4ed8", "#067647"],
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
        legend: { top: 0, textStyle: { color: TEXT } },
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: data.ranking.map(function (r) { return r.name; }),
                 axisLabel: { color: TEXT, interval: 0, rotate: data.ranking.length > 6 ? 40 : 0 } },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: L.received, type: "bar", barMaxWidth: 24,
            data: data.ranking.map(function (r) { return { value: r.received, drill: r.drill }; }) },
          { name: L.resolved, type: "bar", barMaxWidth: 24,
            data: data.ranking.map(function (r) { return { value: r.resolved, drill: r.drill }; }) }
        ]
      });
    }
    var kp = data.key_persons;
    if (kp && kp.rows.length) {
      var rows = kp.rows.slice().reverse();
      draw("key_persons", {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
        legend: { top: 0, textStyle: { color: TEXT } },
        grid: { left: 8, right: 16, top: 28, bottom: 8, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: rows.map(function (r) { return short(r.name, 10); }),
                 axisLabel: { color: TEXT } },
        series: kp.colors.map(function (c, i) {
          return {
            type: "bar", stack: "all", name: c.name, color: RISK[c.key] || "#475467", barMaxWidth: 18,
            data: rows.map(function (r) { return r.cells[i]; })
          };
        })
      });
    }
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  });
})();
