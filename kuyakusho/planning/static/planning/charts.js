/* Charts of the planning pages, drawn by the vendored Apache ECharts from the JSON beside each chart
   (<script type="application/json">). Every chart has its data table under it; decal patterns distinguish
   the series as well as colours do (not colour alone). */
(function () {
  "use strict";
  var PALETTE = ["#0017c1", "#e25100", "#197a4b", "#8843e1", "#b78f00", "#00118f", "#c21a1a"];
  // Canvas text does not fall back to the page's web font: name it, or Japanese labels are drawn as boxes.
  var FONT = {fontFamily: "'Noto Sans JP', sans-serif", fontSize: 13, color: "#1a1a1c"};
  function option(spec) {
    var stacked = spec.type === "stacked";
    var share = spec.type === "share";
    var kind = spec.type === "line" ? "line" : "bar";
    if (share) {
      return {
        color: PALETTE, aria: {enabled: true, decal: {show: true}}, animation: false, textStyle: FONT,
        tooltip: {trigger: "item"},
        series: [{type: "pie", radius: ["35%", "65%"], label: {formatter: "{b}: {d}%"},
                  data: spec.categories.map(function (c, i) { return {name: c, value: spec.series[0].data[i]}; })}]
      };
    }
    return {
      color: PALETTE, aria: {enabled: true, decal: {show: true}}, animation: false, textStyle: FONT,
      tooltip: {trigger: "axis"}, legend: {type: "scroll", top: 0, textStyle: FONT},
      grid: {left: 56, right: 16, top: 40, bottom: 40},
      xAxis: {type: "category", data: spec.categories},
      yAxis: {type: "value", name: spec.unit || ""},
      series: spec.series.map(function (s, i) {
        return {name: s.name, type: kind, stack: stacked ? "all" : undefined, data: s.data, connectNulls: false,
                symbol: ["circle", "rect", "triangle", "diamond", "pin", "arrow", "roundRect"][i % 7], symbolSize: 7};
      })
    };
  }
  function draw(el) {
    if (!window.echarts) { return; }
    var source = document.getElementById(el.dataset.chart);
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    var chart = window.echarts.init(el, null, {renderer: "canvas"});
    chart.setOption(option(spec));
    window.addEventListener("resize", function () { chart.resize(); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var all = function () { Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), draw); };
    if (document.fonts && document.fonts.load) {
      document.fonts.load("13px 'Noto Sans JP'", "練馬").then(all, all);
    } else { all(); }
  });
}());
