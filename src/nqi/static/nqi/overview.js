// Charts of the regulator's overview; data comes from json_script blocks rendered by the server.
(function () {
  function data(id) { return JSON.parse(document.getElementById(id).textContent); }
  var blue = "#0b4f8a", green = "#198754";
  var month = data("data-month");
  new Chart(document.getElementById("chart-month"), {
    type: "line",
    data: { labels: month.map(function (m) { return m.month; }),
      datasets: [{ label: "提交", data: month.map(function (m) { return m.submitted; }), borderColor: blue },
                 { label: "办结", data: month.map(function (m) { return m.delivered; }), borderColor: green }] },
    options: { animation: false }
  });
  var lines = data("data-line");
  new Chart(document.getElementById("chart-line"), {
    type: "doughnut",
    data: { labels: lines.map(function (l) { return l.name; }), datasets: [{ data: lines.map(function (l) { return l.total; }) }] },
    options: { animation: false, plugins: { legend: { position: "bottom" } } }
  });
  var cities = data("data-city");
  new Chart(document.getElementById("chart-city"), {
    type: "bar",
    data: { labels: cities.map(function (c) { return c.name; }),
      datasets: [{ label: "已办结", data: cities.map(function (c) { return c.delivered; }), backgroundColor: blue }] },
    options: { animation: false }
  });
})();
