// Draws the dashboard's charts from the figures the page embeds (suppressed values are null, so a
// chart shows a gap, never a zero). The tables above carry the same figures for those without
// JavaScript or a screen reader.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("insights-charts").textContent);
  if (!window.echarts) { return; }
  function chart(id) {
    var el = document.getElementById(id);
    return el ? echarts.init(el, null, { renderer: "svg" }) : null;
  }
  var trends = chart("chart-trends");
  if (trends) {
    trends.setOption({
      tooltip: { trigger: "axis" }, legend: { type: "scroll", bottom: 0 },
      grid: { left: 36, right: 8, top: 12, bottom: 48 },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value", minInterval: 1 },
      series: data.trends.map(function (t) { return { name: t.name, type: "line", data: t.data, connectNulls: false }; })
    });
  }
  var parts = chart("chart-breakdowns");
  if (parts) {
    var names = Object.keys(data.breakdowns);
    parts.setOption({
      tooltip: {}, grid: names.map(function (_n, i) { return { left: 36 + 0, right: 8, top: 8 + i * 84, height: 60 }; }),
      xAxis: names.map(function (n, i) { return { type: "category", gridIndex: i, data: data.breakdowns[n].labels }; }),
      yAxis: names.map(function (_n, i) { return { type: "value", gridIndex: i, minInterval: 1 }; }),
      series: names.map(function (n, i) { return { type: "bar", xAxisIndex: i, yAxisIndex: i, data: data.breakdowns[n].data }; })
    });
  }
  var mapEl = document.getElementById("chart-map");
  if (mapEl && mapEl.dataset.url) {
    fetch(mapEl.dataset.url, { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (geo) {
      if (!geo) { return; }  // no boundaries imported: the ranking stands alone
      var name = "everychild-" + mapEl.dataset.url;
      echarts.registerMap(name, geo);
      var values = data.ranking.map(function (r) { return { name: r.name, code: r.code, value: r.value }; });
      var shown = values.map(function (v) { return v.value; }).filter(function (v) { return v !== null; });
      var map = echarts.init(mapEl, null, { renderer: "svg" });
      map.setOption({
        tooltip: { formatter: function (p) { return p.name + ": " + (p.value == null || isNaN(p.value) ? "✱" : p.value); } },
        visualMap: { min: 0, max: Math.max(1, Math.max.apply(null, shown.concat([1]))), calculable: true, left: 0, bottom: 0 },
        series: [{ type: "map", map: name, nameProperty: "name", data: values, roam: false,
                   emphasis: { label: { show: true } } }]
      });
      map.on("click", function (p) {
        if (p.data && p.data.code) { window.location.href = "../" + p.data.code + "/" + window.location.search; }
      });
    });
  }
  window.addEventListener("resize", function () {
    document.querySelectorAll(".chart").forEach(function (el) { var c = echarts.getInstanceByDom(el); if (c) { c.resize(); } });
  });
})();
