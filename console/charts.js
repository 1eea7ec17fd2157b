// Small charts in plain SVG for the ops view: stacked hourly bars and horizontal bars. Built with DOM calls
// (no markup strings), so labels can never inject anything.
(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  function s(tag, attrs, text) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }

  /** Stacked bars: rows = [{label, values: [..]}], series = [{name, color}]. */
  function stacked(svg, rows, series) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var W = svg.clientWidth || 600, H = svg.clientHeight || 180, L = 28, B = 18, T = 6;
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    var max = 1;
    rows.forEach(function (r) { var sum = r.values.reduce(function (a, b) { return a + b; }, 0); if (sum > max) max = sum; });
    var step = Math.pow(10, Math.floor(Math.log10(max)));
    var top = Math.ceil(max / step) * step;
    var plotH = H - B - T, bw = (W - L) / Math.max(1, rows.length);
    [0, top / 2, top].forEach(function (v) {
      var y = T + plotH - (v / top) * plotH;
      svg.appendChild(s('line', { x1: L, x2: W, y1: y, y2: y, stroke: '#e3e5e8' }));
      svg.appendChild(s('text', { x: L - 4, y: y + 3, 'text-anchor': 'end' }, Math.round(v)));
    });
    rows.forEach(function (r, i) {
      var y = T + plotH;
      r.values.forEach(function (v, j) {
        if (!v) return;
        var h = (v / top) * plotH;
        y -= h;
        var rect = s('rect', { x: L + i * bw + 1, y: y, width: Math.max(1, bw - 2), height: h, fill: series[j].color });
        rect.appendChild(s('title', {}, r.label + ' · ' + series[j].name + ': ' + v));
        svg.appendChild(rect);
      });
      if (rows.length <= 24 ? i % 3 === 0 : i % Math.ceil(rows.length / 8) === 0) svg.appendChild(s('text', { x: L + i * bw + bw / 2, y: H - 4, 'text-anchor': 'middle' }, r.label));
    });
  }

  /** Horizontal bars in `box`: items = [{label, value}]. */
  function bars(box, items, color) {
    box.textContent = '';
    var max = items.reduce(function (m, x) { return Math.max(m, x.value); }, 1);
    items.forEach(function (x) {
      var row = document.createElement('div');
      row.className = 'hbar';
      var lab = document.createElement('span');
      lab.className = 'lab';
      lab.textContent = x.label;
      lab.title = x.label;
      var svg = s('svg', { viewBox: '0 0 100 10', preserveAspectRatio: 'none' });
      svg.appendChild(s('rect', { x: 0, y: 0, width: Math.max(0.5, (x.value / max) * 100), height: 10, rx: 1, fill: color || '#2b7cff' }));
      var n = document.createElement('span');
      n.className = 'n';
      n.textContent = String(x.value);
      row.appendChild(lab);
      row.appendChild(svg);
      row.appendChild(n);
      box.appendChild(row);
    });
  }

  window.WecomCharts = { stacked: stacked, bars: bars };
})();
