// The 考核 (Evaluation) tab: the ranking tables (department / grid / inspector; day, 旬, month,
// year) as the server computes them, a bar chart of the composite score (SVG drawn here, no
// library), the server's CSV and the printable monthly bulletin (月公布). Both need the bearer
// header, so they are fetched and handed over as blob: URLs.

import { getBlobURL, getJSON, getText, query } from './api.js';
import { clear, el, hm, isoDate } from './dom.js';
import { t, tf } from './i18n.js';

const DIMENSIONS = ['department', 'grid', 'inspector'];
const PERIODS = ['day', 'xun', 'month', 'year'];
const RATES = new Set(['close_rate', 'ontime_rate', 'rework_rate', 'overdue_rate']);
const SVG = 'http://www.w3.org/2000/svg';
// The default grades ([cases] grades); a county's own names draw in the neutral colour.
const GRADE_COLORS = { 优: '#22c55e', 良: '#38bdf8', 中: '#eab308', 差: '#ef4444' };

function svg(tag, attrs = {}, text = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== null) node.textContent = String(text);
  return node;
}

function cell(key, value) {
  if (value === null || value === undefined) return '–';
  if (RATES.has(key) && typeof value === 'number') return `${(100 * value).toFixed(1)}%`;
  if (key === 'score' && typeof value === 'number') return value.toFixed(1);
  return String(value);
}

export class Evaluation {
  // names(dimension, id, row): the display name of a row
  constructor({ names, failed }) {
    Object.assign(this, { names, failed });
    this.dim = document.getElementById('e-dimension');
    this.period = document.getElementById('e-period');
    this.date = document.getElementById('e-date');
    this.table = document.getElementById('e-table');
    this.chart = document.getElementById('e-chart');
    this.span = document.getElementById('e-span');
    this.period.value = 'month';
    for (const node of [this.dim, this.period, this.date]) node.addEventListener('change', () => this.refresh());
    document.getElementById('e-refresh').addEventListener('click', () => this.refresh());
    document.getElementById('e-csv').addEventListener('click', () => this.csv().catch((e) => this.failed(e)));
    document.getElementById('e-bulletin').addEventListener('click', () => this.bulletin().catch((e) => this.failed(e)));
    this.fillSelects();
    this.data = null;
  }

  fillSelects() {
    const keep = [this.dim.value || 'department', this.period.value || 'month'];
    clear(this.dim).append(...DIMENSIONS.map((d) => el('option', { value: d, text: t(`eval.dim.${d}`) })));
    clear(this.period).append(...PERIODS.map((p) => el('option', { value: p, text: t(`eval.period.${p}`) })));
    [this.dim.value, this.period.value] = keep;
  }

  setDate(day) { if (!this.date.value && day) this.date.value = day; }

  params(extra = {}) {
    return query({ dimension: this.dim.value, period: this.period.value, date: this.date.value || null, ...extra });
  }

  refresh() { this.load().catch((e) => this.failed(e)); }

  async load() {
    this.data = await getJSON(`/api/v1/cases/evaluation${this.params()}`);
    this.render();
    return this.data;
  }

  relabel() {
    this.fillSelects();
    this.render();
  }

  render() {
    const d = this.data;
    if (!d) return;
    this.span.textContent = tf('eval.span', { start: d.start, end: d.end, at: Number.isFinite(d.at) ? `${isoDate(d.at)} ${hm(d.at)}` : String(d.at ?? '') });
    // The id is in the CSV; on screen the name says it.
    const cols = (d.columns || []).filter((k) => k !== 'id');
    const name = (r) => this.names(d.dimension, r.id, r);
    const rows = (d.rows || []).slice().sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9));
    const head = el('tr', {}, ...cols.map((k) => el('th', { class: k === 'name' || k === 'id' ? null : 'num', text: t(`ecol.${k}`) })));
    const body = rows.map((r) => el('tr', { dataset: { id: String(r.id), rank: String(r.rank ?? '') } }, ...cols.map((k) => {
      if (k === 'name') return el('td', { text: name(r) });
      if (k === 'grade') return el('td', { class: 'num' }, el('b', { class: 'grade', style: { color: GRADE_COLORS[r.grade] || 'inherit' }, text: cell(k, r[k]) }));
      return el('td', { class: k === 'id' ? null : 'num', text: cell(k, r[k]) });
    })));
    clear(this.table).append(el('thead', {}, head), el('tbody', {}, ...body));
    if (!rows.length) this.table.append(el('caption', { text: t('eval.empty') }));
    this.drawChart(rows, name);
  }

  // One horizontal bar per row, by rank: the composite score on a 0–100 scale.
  drawChart(rows, name) {
    const shown = rows.filter((r) => r.score !== null && r.score !== undefined).slice(0, 20);
    const line = 22; const left = 190; const width = 520; const right = 50;
    const h = Math.max(line, shown.length * line) + 8;
    const root = svg('svg', { viewBox: `0 0 ${left + width + right} ${h}`, role: 'img', class: 'bar-chart',
      'aria-label': t('eval.chart') });
    shown.forEach((r, i) => {
      const y = 4 + i * line;
      const score = Math.max(0, Math.min(100, Number(r.score) || 0));
      const text = `${r.rank ?? '–'}. ${name(r)}`;
      root.append(svg('text', { x: left - 6, y: y + 14, 'text-anchor': 'end', class: 'bar-label' }, text.length > 28 ? `${text.slice(0, 27)}…` : text),
        svg('rect', { x: left, y: y + 2, width: (width * score) / 100, height: line - 6, rx: 3,
          fill: GRADE_COLORS[r.grade] || '#38bdf8' }),
        svg('text', { x: left + (width * score) / 100 + 4, y: y + 14, class: 'bar-value' }, cell('score', r.score)));
    });
    clear(this.chart).append(root);
  }

  async csv() {
    const text = await getText(`/api/v1/cases/evaluation${this.params({ format: 'csv' })}`);
    // The BOM makes spreadsheet programs read the Chinese headers as UTF-8 (as the daily report).
    const url = URL.createObjectURL(new Blob(['\ufeff', text], { type: 'text/csv;charset=utf-8' }));
    const a = el('a', { href: url, download: `evaluation-${this.dim.value}-${this.period.value}-${this.data?.start || 'now'}.csv` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  // The month of the chosen date, opened in a new tab to print.
  async bulletin() {
    const month = (this.date.value || this.data?.start || '').slice(0, 7);
    const url = await getBlobURL(`/api/v1/cases/bulletin${query({ month: month || null })}`);
    const a = el('a', { href: url, target: '_blank', rel: 'noopener', id: 'e-bulletin-link' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }
}
