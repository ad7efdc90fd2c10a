// tillsync back office: draws the dashboard's charts (server/web/charts.ts) with uPlot, served by
// this server. Readable in black and white: each series has its own dash pattern and marker
// shape, bars their own hatching; the exact figures are in the table under each chart.
(() => {
  const LOCALE = { fr: 'fr-FR', en: 'en-GB' }[document.documentElement.lang] || 'fr-FR';
  const NUM = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 2 });
  // Dark inks only (contrast on white), told apart by dashes and markers rather than colour.
  const INK = ['#1b3a6b', '#7a2e00', '#1f5d2a', '#5a2a6e', '#333333', '#6b4e00'];
  const DASH = [[], [10, 5], [2, 4], [14, 4, 3, 4], [6, 6], [1, 2]];
  const MARK = ['circle', 'square', 'triangle', 'diamond', 'circle-open', 'square-open'];

  function marker(shape, color) {
    return (u, seriesIdx) => {
      const s = u.series[seriesIdx];
      const xs = u.data[0];
      const ys = u.data[seriesIdx];
      const ctx = u.ctx;
      const r = 4 * devicePixelRatio;
      ctx.save();
      ctx.strokeStyle = color;
      ctx.fillStyle = shape.endsWith('-open') ? '#fff' : color;
      ctx.lineWidth = 1.5 * devicePixelRatio;
      for (let i = 0; i < xs.length; i++) {
        if (ys[i] == null) continue;
        const x = Math.round(u.valToPos(xs[i], 'x', true));
        const y = Math.round(u.valToPos(ys[i], s.scale, true));
        ctx.beginPath();
        if (shape.startsWith('square')) ctx.rect(x - r, y - r, 2 * r, 2 * r);
        else if (shape === 'triangle') {
          ctx.moveTo(x, y - r);
          ctx.lineTo(x + r, y + r);
          ctx.lineTo(x - r, y + r);
          ctx.closePath();
        } else if (shape === 'diamond') {
          ctx.moveTo(x, y - r);
          ctx.lineTo(x + r, y);
          ctx.lineTo(x, y + r);
          ctx.lineTo(x - r, y);
          ctx.closePath();
        } else ctx.arc(x, y, r, 0, 2 * Math.PI);
        ctx.fill();
        ctx.stroke();
      }
      ctx.restore();
    };
  }

  /** Diagonal hatching for bars: black and white tell them apart, a printer too. */
  function hatch(color, angle) {
    const c = document.createElement('canvas');
    c.width = c.height = 8;
    const g = c.getContext('2d');
    g.fillStyle = '#fff';
    g.fillRect(0, 0, 8, 8);
    g.strokeStyle = color;
    g.lineWidth = 2;
    g.beginPath();
    if (angle === 0) {
      g.moveTo(0, 8);
      g.lineTo(8, 0);
    } else {
      g.moveTo(0, 0);
      g.lineTo(8, 8);
    }
    g.stroke();
    return c;
  }

  const axisFont = '12px system-ui, sans-serif';
  const axes = (spec, xValues) => [
    { label: spec.xLabel, labelFont: axisFont, font: axisFont, stroke: '#222', grid: { stroke: '#e3e3e3' }, ...(xValues ? { values: xValues } : {}) },
    { label: spec.yLabel, labelFont: axisFont, font: axisFont, stroke: '#222', grid: { stroke: '#e3e3e3' }, values: (u, ticks) => ticks.map((v) => NUM.format(v)), size: 70 },
  ];

  function lines(el, spec, width) {
    const x = spec.x.map((_, i) => i);
    return new uPlot(
      {
        width,
        height: 260,
        scales: { x: { time: false } },
        axes: axes(spec, (u, ticks) => ticks.map((i) => spec.x[i] ?? '')),
        series: [{ label: spec.xLabel, value: (u, i) => spec.x[i] ?? '' }, ...spec.series.map((s, k) => ({ label: s.label, stroke: INK[k % INK.length], width: 2, dash: DASH[k % DASH.length], points: { show: false }, value: (u, v) => (v == null ? '' : NUM.format(v)) }))],
        hooks: { draw: [(u) => spec.series.forEach((_, k) => marker(MARK[k % MARK.length], INK[k % INK.length])(u, k + 1))] },
      },
      [x, ...spec.series.map((s) => s.values)],
      el,
    );
  }

  function bars(el, spec, width) {
    const x = spec.x.map((_, i) => i);
    const ctx = document.createElement('canvas').getContext('2d');
    return new uPlot(
      {
        width,
        height: 240,
        scales: { x: { time: false, range: (u) => [-0.6, Math.max(spec.x.length - 0.4, 0.6)] } },
        axes: axes(spec, (u, ticks) => ticks.map((i) => (Number.isInteger(i) ? spec.x[i] ?? '' : ''))),
        series: [
          { label: spec.xLabel, value: (u, i) => spec.x[i] ?? '' },
          ...spec.series.map((s, k) => ({
            label: s.label,
            stroke: INK[k % INK.length],
            width: 1.5,
            fill: ctx.createPattern(hatch(INK[k % INK.length], k % 2), 'repeat'),
            paths: uPlot.paths.bars({ size: [0.6, 80] }),
            points: { show: false },
            value: (u, v) => (v == null ? '' : NUM.format(v)),
          })),
        ],
      },
      [x, ...spec.series.map((s) => s.values)],
      el,
    );
  }

  /** One row per till; a thick bar from the first to the last degraded ticket of each period. */
  function timeline(el, spec, width) {
    const rows = spec.rows || [];
    const xs = new Set();
    for (const r of rows) for (const [a, b] of r.periods) for (const t of [Date.parse(a) / 1000, Date.parse(b) / 1000, Date.parse(b) / 1000 + 1]) xs.add(t);
    const x = [...xs].sort((a, b) => a - b);
    const data = rows.map((r, k) => x.map((t) => (r.periods.some(([a, b]) => t >= Date.parse(a) / 1000 && t <= Date.parse(b) / 1000) ? k + 1 : null)));
    const fmt = new Intl.DateTimeFormat(LOCALE, { day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' });
    const dayFmt = new Intl.DateTimeFormat(LOCALE, { day: '2-digit', month: '2-digit' });
    const timeFmt = new Intl.DateTimeFormat(LOCALE, { hour: '2-digit', minute: '2-digit' });
    // Ticks at least 90 px apart, each the time on one line and the day under it only where the day
    // changes (the first tick, midnight): "dd/mm hh:mm" on every tick ran into its neighbours.
    const tickLabels = (u, ticks) =>
      ticks.map((v, i) => {
        const d = new Date(v * 1000);
        const newDay = i === 0 || dayFmt.format(d) !== dayFmt.format(new Date(ticks[i - 1] * 1000));
        return newDay ? `${timeFmt.format(d)}\n${dayFmt.format(d)}` : timeFmt.format(d);
      });
    return new uPlot(
      {
        width,
        height: 80 + 40 * Math.max(rows.length, 1),
        scales: { x: { time: true }, y: { range: [0.5, rows.length + 0.5] } },
        axes: [
          { label: spec.xLabel, labelFont: axisFont, font: axisFont, stroke: '#222', grid: { stroke: '#e3e3e3' }, space: 90, size: 56, values: tickLabels },
          { label: spec.yLabel, labelFont: axisFont, font: axisFont, stroke: '#222', grid: { show: false }, size: 110, splits: () => rows.map((_, k) => k + 1), values: (u, ticks) => ticks.map((v) => rows[v - 1]?.label ?? '') },
        ],
        series: [{ label: spec.xLabel, value: (u, v) => (v == null ? '' : fmt.format(new Date(v * 1000))) }, ...rows.map((r, k) => ({ label: r.label, stroke: INK[k % INK.length], width: 10, dash: DASH[k % DASH.length], spanGaps: false, points: { show: true, size: 10, fill: INK[k % INK.length] } }))],
      },
      [x, ...data],
      el,
    );
  }

  function draw() {
    if (!window.uPlot) return;
    for (const el of document.querySelectorAll('.chart[data-chart]')) {
      const spec = JSON.parse(el.dataset.chart);
      const empty = spec.kind === 'timeline' ? !(spec.rows || []).length : !spec.x.length || !spec.series.length;
      if (empty) {
        el.remove();
        continue;
      }
      el.replaceChildren();
      const width = Math.max(280, Math.min(el.clientWidth || 560, 900));
      ({ lines, bars, timeline })[spec.kind](el, spec, width);
    }
  }
  document.addEventListener('DOMContentLoaded', draw);
})();
