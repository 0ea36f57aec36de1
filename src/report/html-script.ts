/**
 * The page's only script: a hover crosshair on each timeline that reads out the values under
 * the cursor, and opening every <details> for printing. The page is complete without it (the
 * charts are server-rendered); anything the script does not find, it leaves alone. Values come
 * from each chart's JSON block, and the read-out is built with textContent, never as markup.
 */
export const SCRIPT = `(function () {
  'use strict';
  function text(tag, cls, content) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    if (content !== undefined) el.textContent = content;
    return el;
  }
  function fmt(v, d, u) {
    return typeof v === 'number' && isFinite(v) ? v.toFixed(d) + u : '–';
  }
  function at(list, ms) {
    var found = null;
    for (var i = 0; i < list.length; i++) if (list[i][0] <= ms) found = list[i][1];
    return found;
  }
  function setup(figure) {
    var svg = figure.querySelector('svg[data-chart="timeline"]');
    var source = figure.querySelector('script.chart-data');
    var tip = figure.querySelector('.tooltip');
    var cross = svg ? svg.querySelector('.crosshair') : null;
    if (!svg || !source || !tip || !cross || typeof svg.getScreenCTM !== 'function') return;
    var data;
    try { data = JSON.parse(source.textContent || ''); } catch (e) { return; }
    if (!data || !Array.isArray(data.panels) || !Array.isArray(data.t)) return;
    function hide() { cross.classList.remove('on'); tip.hidden = true; }
    function show(ev) {
      var ctm = svg.getScreenCTM();
      if (!ctm) return hide();
      var p = new DOMPoint(ev.clientX, ev.clientY).matrixTransform(ctm.inverse());
      if (p.x < data.x0 || p.x > data.x1) return hide();
      var ms = data.t0 + ((p.x - data.x0) / (data.x1 - data.x0)) * (data.t1 - data.t0);
      var k = -1;
      for (var i = 0; i < data.t.length; i++) if (data.t[i] <= ms) k = i;
      if (k >= 0 && ms >= data.t[k] + data.step) k = -1;
      cross.setAttribute('x1', String(p.x));
      cross.setAttribute('x2', String(p.x));
      cross.classList.add('on');
      tip.textContent = '';
      var head = (ms / 1000).toFixed(1) + ' s';
      for (var j = 0; j < data.phases.length; j++) if (data.phases[j][0] <= ms && ms < data.phases[j][1]) head += ' · ' + data.phases[j][2];
      tip.appendChild(text('div', 'tt-head', head));
      var health = at(data.health, ms);
      if (health) tip.appendChild(text('div', '', 'health ' + health));
      var active = [];
      for (var f = 0; f < data.faults.length; f++) if (data.faults[f][0] <= ms && ms <= data.faults[f][1]) active.push(data.faults[f][2]);
      if (active.length) tip.appendChild(text('div', '', 'fault: ' + active.join(', ')));
      // Values of the panel under the cursor only, as a dashboard does: the crosshair spans all.
      for (var q = 0; q < data.panels.length; q++) {
        var panel = data.panels[q];
        if (p.y < panel.y0 || p.y >= panel.y1 || !panel.rows.length) continue;
        tip.appendChild(text('div', 'tt-panel', panel.title));
        for (var r = 0; r < panel.rows.length; r++) {
          var row = panel.rows[r];
          var line = text('div', 'tt-row');
          line.appendChild(text('span', 'sw k-' + row.k));
          line.appendChild(text('span', '', row.l));
          line.appendChild(text('span', '', fmt(k >= 0 ? row.v[k] : null, panel.d, panel.u)));
          tip.appendChild(line);
        }
      }
      tip.hidden = false;
      var box = figure.getBoundingClientRect();
      var left = ev.clientX - box.left + 16;
      if (left + tip.offsetWidth > box.width) left = ev.clientX - box.left - tip.offsetWidth - 16;
      var top = ev.clientY - box.top + 16;
      if (top + tip.offsetHeight > box.height) top = Math.max(0, box.height - tip.offsetHeight);
      tip.style.left = Math.max(0, left) + 'px';
      tip.style.top = top + 'px';
    }
    svg.addEventListener('pointermove', show);
    svg.addEventListener('pointerleave', hide);
  }
  var figures = document.querySelectorAll('figure.timeline');
  for (var i = 0; i < figures.length; i++) setup(figures[i]);
  var opened = [];
  window.addEventListener('beforeprint', function () {
    var all = document.querySelectorAll('details:not([open])');
    for (var i = 0; i < all.length; i++) { all[i].open = true; opened.push(all[i]); }
  });
  window.addEventListener('afterprint', function () {
    while (opened.length) opened.pop().open = false;
  });
})();`;
