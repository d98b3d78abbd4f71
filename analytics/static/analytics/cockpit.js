/* Cockpit: fetch every figure from the JSON API and draw cards, ECharts charts and tables.
   Every chart element carries the URL of the filtered project list; a click goes there. */
(function () {
  "use strict";
  var root = document.getElementById("cockpit");
  if (!root) return;
  var t = JSON.parse(document.getElementById("cockpit-i18n").textContent);
  var charts = [];

  // ECharts puts a formatter's return value into the tooltip as HTML: every value from the
  // data (district, industry and project names, amounts) goes through esc() first.
  function esc(value) {
    return String(value === undefined || value === null ? "" : value)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function chart(id, option, items) {
    var box = document.getElementById(id);
    if (!box || !window.echarts) return;
    if (!items || !items.length) { box.textContent = t.empty; return; }
    var c = window.echarts.init(box);
    c.setOption(option);
    c.on("click", function (p) {
      var item = p.data && p.data.url ? p.data : items[p.dataIndex];
      if (item && item.url) window.location.href = item.url;
    });
    charts.push(c);
    return c;
  }

  function bars(id, items, horizontal) {
    var data = items.map(function (i) { return { value: i.count, url: i.url, amount: i.amount_yi }; });
    var cats = items.map(function (i) { return i.label; });
    var axisCat = { type: "category", data: cats, axisLabel: { interval: 0, width: 90, overflow: "truncate" } };
    var axisVal = { type: "value" };
    return chart(id, {
      tooltip: { trigger: "item", formatter: function (p) { return esc(p.name) + "<br>" + esc(t.count) + ": " + esc(p.value) + "<br>" + esc(t.amount) + ": " + esc(p.data.amount); } },
      grid: { left: horizontal ? 110 : 40, right: 20, top: 10, bottom: horizontal ? 20 : 60 },
      xAxis: horizontal ? axisVal : Object.assign({}, axisCat, { axisLabel: { rotate: 35, interval: 0 } }),
      yAxis: horizontal ? Object.assign({}, axisCat, { inverse: true }) : axisVal,
      series: [{ type: "bar", data: data, itemStyle: { color: "#1f5fbf" } }]
    }, items);
  }

  function pie(id, items) {
    var data = items.map(function (i) { return { name: i.label, value: i.count, url: i.url, amount: i.amount_yi }; });
    return chart(id, {
      tooltip: { trigger: "item", formatter: function (p) { return esc(p.name) + ": " + esc(p.value) + " (" + esc(p.percent) + "%)<br>" + esc(t.amount) + ": " + esc(p.data.amount); } },
      series: [{ type: "pie", radius: ["35%", "70%"], data: data, label: { formatter: "{b}: {c}" } }]
    }, items);
  }

  function industry(groups) {
    var box = document.getElementById("chart-industry");
    var c = bars("chart-industry", groups, true);
    if (!c) return;
    // Clicking a group shows its categories; clicking a category opens the project list.
    c.off("click");
    var level = null;
    c.on("click", function (p) {
      var items = level ? level.children : groups;
      var item = items[p.dataIndex];
      if (!level && item.children && item.children.length) {
        level = item;
        c.setOption({ yAxis: { data: item.children.map(function (i) { return i.label; }) },
                      series: [{ data: item.children.map(function (i) { return { value: i.count, url: i.url, amount: i.amount_yi }; }) }] });
        var back = el("button", { type: "button", class: "back" }, "← " + item.label + " (" + item.count + ")");
        back.addEventListener("click", function () {
          level = null; back.remove();
          c.setOption({ yAxis: { data: groups.map(function (i) { return i.label; }) },
                        series: [{ data: groups.map(function (i) { return { value: i.count, url: i.url, amount: i.amount_yi }; }) }] });
        });
        box.parentNode.insertBefore(back, box);
      } else if (item && item.url) {
        window.location.href = item.url;
      }
    });
  }

  function cards(list, data) {
    var box = document.getElementById("kpis");
    box.textContent = "";
    list.forEach(function (k) {
      var a = el("a", { class: "kpi", href: k.url, "data-key": k.key });
      a.appendChild(el("span", { class: "kpi-label" }, k.label));
      a.appendChild(el("strong", { class: "kpi-value" }, k.display));
      var sub = el("span", { class: "kpi-prev" }, t.previous + ": " + (k.previous_display || "—"));
      if (k.change) {
        var ch = el("span", { class: "kpi-change " + (k.change.charAt(0) === "-" ? "down" : "up") }, (k.change.charAt(0) === "-" ? "" : "+") + k.change);
        sub.appendChild(document.createTextNode(" "));
        sub.appendChild(ch);
      }
      a.appendChild(sub);
      box.appendChild(a);
    });
  }

  function table(id, rows, columns) {
    var box = document.getElementById(id);
    box.textContent = "";
    if (!rows.length) { box.textContent = t.empty; return; }
    var tbl = el("table", { class: "table" });
    var head = el("tr");
    columns.forEach(function (c) { head.appendChild(el("th", c[2] ? { class: "num" } : {}, c[0])); });
    tbl.appendChild(el("thead")).appendChild(head);
    var body = el("tbody");
    rows.forEach(function (r) {
      var tr = el("tr");
      columns.forEach(function (c, i) {
        var td = el("td", c[2] ? { class: "num" } : {});
        if (i === 0) { var a = el("a", { href: r.url }, r[c[1]]); td.appendChild(a); } else { td.textContent = r[c[1]] === null ? "—" : r[c[1]]; }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    tbl.appendChild(body);
    box.appendChild(tbl);
  }

  fetch(root.getAttribute("data-api"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { return r.json().then(function (j) { return [r.ok, j]; }); })
    .then(function (res) {
      var d = res[1];
      if (!res[0]) { document.getElementById("kpis").textContent = JSON.stringify(d.error || d); return; }
      document.getElementById("period-label").textContent = d.period_label;
      var c = document.getElementById("compare-label"); if (c) c.textContent = d.compare_label;
      var th = document.getElementById("threshold-label");
      if (th) th.textContent = (Number(d.options.major_threshold_cny) / 1e8) + " " + t.yi;
      document.getElementById("path-label").textContent = t[d.path] || d.path;
      document.getElementById("rules-foot").textContent = d.rules;
      cards(d.cards, d);
      industry(d.industry);
      bars("chart-district", d.district, true);
      chart("chart-funnel", {
        tooltip: { trigger: "item" },
        series: [{ type: "funnel", sort: "none", minSize: "10%", label: { formatter: "{b}: {c}" },
          data: d.funnel.filter(function (s) { return s.reached !== null; }).map(function (s) { return { name: s.label, value: s.reached, url: s.url }; }) }]
      }, d.funnel);
      pie("chart-type", d.project_type);
      bars("chart-activity", d.business_activity, true);
      pie("chart-origin", d.origin);
      bars("chart-country", d.country, false);
      chart("chart-trend", {
        tooltip: { trigger: "axis" },
        legend: { data: [t.count, t.amount] },
        grid: { left: 50, right: 60, top: 30, bottom: 40 },
        xAxis: { type: "category", data: d.trend.map(function (m) { return m.label; }) },
        yAxis: [{ type: "value", name: t.count }, { type: "value", name: t.amount }],
        series: [
          { name: t.count, type: "bar", data: d.trend.map(function (m) { return { value: m.count, url: m.url }; }) },
          { name: t.amount, type: "line", yAxisIndex: 1, data: d.trend.map(function (m) { return { value: m.amount_yi, url: m.url }; }) }
        ]
      }, d.trend);
      bars("chart-bands", d.bands, false);
      table("top", d.top, [[t.name, "name"], [t.district, "district"], [t.signed, "signed_on"], [t.amount, "amount_yi", true]]);
      var stale = document.getElementById("stale");
      table("stale", d.stale.projects, [[t.name, "name"], [t.district, "district"], [t.last, "last_progress_on"]]);
      var counts = el("p");
      counts.appendChild(el("a", { href: d.stale.yellow_url, class: "stale-yellow" }, t.yellow + ": " + d.stale.yellow));
      counts.appendChild(document.createTextNode(" · "));
      counts.appendChild(el("a", { href: d.stale.red_url, class: "stale-red" }, t.red + ": " + d.stale.red));
      stale.insertBefore(counts, stale.firstChild);
    })
    .catch(function (err) { document.getElementById("kpis").textContent = String(err); });

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
