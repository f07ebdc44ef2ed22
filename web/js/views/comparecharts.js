// web/js/views/comparecharts.js — the compare page's charts, drawn by Apache ECharts (vendored
// from npm into web/vendor/echarts.min.js by scripts/vendor.sh, served by the daemon: intranets
// have no CDN). Owns: loading the library once, on first use (a classic <script src>, which
// the CSP's script-src 'self' allows; no inline script), and the three chart options — radar
// of the areas, heatmap of units × areas, line of the totals by year. Tooltips render inside
// the canvas (renderMode 'richText'): ECharts' HTML tooltips carry inline style attributes,
// which the CSP (style-src 'self') refuses. Every chart is disposed when its container leaves
// the page, and follows the window's size.

let loading = null;

/* Resolves to window.echarts, loading vendor/echarts.min.js on the first call. */
export function loadECharts() {
  if (window.echarts) return Promise.resolve(window.echarts);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = 'vendor/echarts.min.js';
      s.onload = () => resolve(window.echarts);
      s.onerror = () => { loading = null; s.remove(); reject(new Error('vendor/echarts.min.js did not load')); };
      document.head.append(s);
    });
  }
  return loading;
}

const live = new Set(); // [chart, container] pairs on the page
let watching = false;

/* Disposes the charts whose container left the document; resizes the others. */
function sweep(resize) {
  for (const entry of live) {
    const [chart, el] = entry;
    if (!el.isConnected) { chart.dispose(); live.delete(entry); } else if (resize) chart.resize();
  }
}

/* Draws option into el (an element already in the document, sized by CSS); returns the
 * chart. A chart already in el is replaced. */
export async function drawChart(el, option) {
  const echarts = await loadECharts();
  const old = echarts.getInstanceByDom(el);
  if (old) old.dispose();
  const chart = echarts.init(el, null, { renderer: 'canvas' });
  chart.setOption({ animation: false, textStyle: { fontFamily: 'inherit' }, ...option });
  live.add([chart, el]);
  if (!watching) {
    watching = true;
    window.addEventListener('resize', () => sweep(true));
    window.addEventListener('hashchange', () => setTimeout(() => sweep(false), 0));
  }
  return chart;
}

const TIP = { trigger: 'item', renderMode: 'richText', confine: true };

/* Radar option: areas [{code,name}], series [{name, values: [0..1|null]}]; labels as given. */
export function radarOption(areas, series, { shareText }) {
  return {
    tooltip: { ...TIP, formatter: (p) => p.name + '\n' + areas.map((a, i) => a.name + '：' + shareText(p.value[i])).join('\n') },
    legend: { bottom: 0, type: 'scroll' },
    radar: {
      radius: '62%', center: ['50%', '46%'],
      indicator: areas.map((a) => ({ name: shortName(a.name), max: 1, min: 0 })),
      axisName: { color: '#334155', fontSize: 12 },
    },
    series: [{
      type: 'radar',
      data: series.map((s) => ({ name: s.name, value: s.values.map((v) => (v == null ? 0 : v)) })),
      areaStyle: { opacity: 0.08 },
    }],
  };
}

/* Heatmap option: units [{name}] as rows, areas [{name}] as columns, cells [[col,row,share]]. */
export function heatmapOption(units, areas, cells, { shareText, naText }) {
  return {
    tooltip: {
      ...TIP,
      formatter: (p) => units[p.value[1]].name + '\n' + areas[p.value[0]].name + '：' +
        (p.value[2] == null ? naText : shareText(p.value[2])),
    },
    grid: { left: 150, right: 24, top: 8, bottom: 64 },
    xAxis: { type: 'category', data: areas.map((a) => shortName(a.name)), axisLabel: { interval: 0, rotate: 30, fontSize: 11 }, splitArea: { show: true } },
    yAxis: { type: 'category', data: units.map((u) => u.name), inverse: true, axisLabel: { fontSize: 12, width: 140, overflow: 'truncate' } },
    visualMap: { min: 0, max: 1, show: false, inRange: { color: ['#fde2e1', '#fff7d6', '#d6f0dd', '#2f855a'] } },
    series: [{
      type: 'heatmap',
      data: cells.map(([x, y, v]) => [x, y, v == null ? '-' : v]),
      label: { show: true, fontSize: 10, formatter: (p) => (p.value[2] === '-' ? '' : Math.round(p.value[2] * 100)) },
      emphasis: { itemStyle: { borderColor: '#1e293b', borderWidth: 1 } },
    }],
  };
}

/* Line option: the totals by year [{year, total}] under a series name. */
export function lineOption(points, name) {
  return {
    tooltip: { trigger: 'axis', renderMode: 'richText', confine: true },
    grid: { left: 48, right: 24, top: 24, bottom: 32 },
    xAxis: { type: 'category', data: points.map((p) => String(p.year)) },
    yAxis: { type: 'value', min: 0, max: 100 },
    series: [{ type: 'line', name, data: points.map((p) => p.total), label: { show: true }, symbolSize: 8 }],
  };
}

/* An area name short enough for a chart axis (the full name is in the tooltip and tables). */
function shortName(name) {
  const s = String(name || '').replace(/^(健全|深入学习贯彻|建设)/, '');
  return s.length > 9 ? s.slice(0, 8) + '…' : s;
}
