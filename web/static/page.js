// The page's state and what happens on each live event, alert click and drill-down.

import { getJSON, query } from './api.js';
import { hms, isoDate, toast } from './dom.js';
import { alertFromEvent } from './alerts.js';
import { t } from './i18n.js';

const DETAIL_REFRESH_MS = 2000;

// Epoch seconds of local midnight of `date` (YYYY-MM-DD) in time zone `zone`.
export function dayStart(date, zone) {
  const [y, m, d] = date.split('-').map(Number);
  const guess = Date.UTC(y, m - 1, d) / 1000;
  const offset = (ts) => {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric',
      month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
      .formatToParts(new Date(ts * 1000));
    const v = Object.fromEntries(parts.map((p) => [p.type, Number(p.value)]));
    return Date.UTC(v.year, v.month - 1, v.day, v.hour, v.minute, v.second) / 1000 - ts;
  };
  return guess - offset(guess - offset(guess));
}

export class Page {
  constructor(city) {
    this.city = city;
    this.settings = city.settings || {};
    this.zone = this.settings.timezone || 'Asia/Shanghai';
    this.today = null;
    this.livePasses = [];
    this.roadsOfGrid = new Map();
    this.deviceGrid = new Map();
    this.roadGrid = new Map();
    this.cameras = new Map((city.cameras || []).map((c) => [c.id, c]));
    for (const f of city.features || []) {
      const p = f.properties || {};
      if (p.kind === 'grid') for (const d of p.inspectors || []) this.deviceGrid.set(d, p.id);
      if (p.kind === 'road') {
        this.roadGrid.set(p.id, p.grid);
        if (!this.roadsOfGrid.has(p.grid)) this.roadsOfGrid.set(p.grid, new Set());
        this.roadsOfGrid.get(p.grid).add(p.id);
      }
    }
    document.getElementById('city-name').textContent = city.name || '';
    this.detail = null; // {kind, id}
    this.detailBox = document.getElementById('detail');
    this.lastDetail = 0;
  }

  date() { return this.today; }

  gridList() {
    return (this.city.features || []).filter((f) => f.properties?.kind === 'grid')
      .map((f) => ({ id: f.properties.id, name: f.properties.name }));
  }

  gridName(id) { return this.map.gridName(id); }

  roadName(id) {
    const r = this.map.roads.get(String(id));
    return r ? (r.props.name || r.props.id) : String(id);
  }

  gridOfSubject(s) {
    if (s.road) return this.roadGrid.get(s.road) ?? null;
    if (s.device) return this.map.inspectors.get(s.device)?.grid ?? this.deviceGrid.get(s.device) ?? null;
    if (s.camera) return this.roadGrid.get(this.cameras.get(s.camera)?.road) ?? null;
    return null;
  }

  subjectLabel(s) {
    if (s.road) return `${t('detail.road')} · ${this.roadName(s.road)}`;
    if (s.device) return `${t('detail.inspector')} · ${s.device}`;
    if (s.camera) return `${t('detail.camera')} · ${this.cameras.get(s.camera)?.name || s.camera}`;
    return '';
  }

  alertsOf(grid, date) {
    let n = 0;
    for (const a of this.feed.order) if (a.grid === grid && isoDate(a.ts) === date) n++;
    return n;
  }

  // What the server holds now: date, road progress, devices, alerts. Run after every (re)connect,
  // so a dropped connection loses nothing the page shows.
  async sync() {
    const health = await getJSON('/healthz');
    const clock = Number(health.clock);
    // The server's clock says which day "today" is (with --clock data, the data's day).
    this.clockKnown = clock > 0;
    if (clock > 0) this.today = isoDate(clock);
    else if (!this.today) this.today = isoDate(Date.now() / 1000);
    const [rows, devices, alerts] = await Promise.all([
      getJSON(`/api/v1/roads/compliance${query({ date: this.today })}`),
      getJSON('/api/v1/devices'),
      getJSON(`/api/v1/alerts${query({ since: Math.max(0, this.feed.newestTs() - 60) })}`),
    ]);
    for (const r of rows) this.applyRoad(r);
    for (const d of devices) this.map.inspectors.update(d);
    for (const a of alerts) this.feed.add(a);
    this.feed.render();
    this.kpis();
    await this.reports.load(this.today);
  }

  async refresh() {
    const clock = Number((await getJSON('/healthz')).clock);
    if (clock > 0 && isoDate(clock) !== this.today) { await this.sync(); return; }
    const rows = await getJSON(`/api/v1/roads/compliance${query({ date: this.today })}`);
    for (const r of rows) this.applyRoad(r);
    if (document.getElementById('panel-reports').classList.contains('active')) {
      await this.reports.load(this.reports.dateInput.value || this.today);
    }
  }

  applyRoad(r) {
    const road = this.map.roads.get(String(r.road));
    if (!road) return;
    road.last_pass_ts = r.last_pass_ts ?? road.last_pass_ts;
    this.map.setRoad(r.road, r);
  }

  apply(events) {
    let alerts = false; let roads = false;
    for (const ev of events) {
      switch (ev.type) {
        case 'position':
          this.map.inspectors.update(ev);
          if (this.detail?.kind === 'device' && this.detail.id === ev.device) this.detailSoon();
          break;
        case 'road':
          if (this.today && (ev.date > this.today || (!this.clockKnown && ev.date !== this.today))) {
            this.today = ev.date; // a new day (or the first data of a server with a data clock)
            this.clockKnown = true;
            this.sync().catch((e) => this.failed(e));
          }
          if (ev.date !== this.today) break;
          if (ev.device && ev.last_pass_ts) this.livePasses.push({ road: ev.road, ts: ev.last_pass_ts, device: ev.device });
          this.applyRoad(ev);
          roads = true;
          if (this.detail?.kind === 'road' && this.detail.id === ev.road) this.detailSoon(true);
          break;
        case 'alert':
          this.feed.add(alertFromEvent(ev), true);
          if (ev.subject?.camera) this.map.flashCamera(ev.subject.camera);
          alerts = true;
          break;
        case 'cleared':
          this.feed.cleared(ev);
          break;
        case 'camera_event':
          this.cameraView.record(ev);
          this.map.flashCamera(ev.camera);
          break;
        case 'case':
          this.cases?.onEvent(ev);
          break;
        default:
      }
    }
    if (alerts) this.feed.render();
    if (roads) this.kpisSoon();
  }

  kpisSoon() {
    if (this.kpiPending) return;
    this.kpiPending = true;
    requestAnimationFrame(() => { this.kpiPending = false; this.kpis(); });
  }

  kpis() {
    const c = this.map.statusCounts();
    for (const k of ['ok', 'behind', 'missed', 'pending']) document.getElementById(`kpi-${k}`).textContent = c[k];
    document.getElementById('kpi-online').textContent = this.map.inspectors.counts().online;
    const open = this.feed.openCount();
    document.getElementById('kpi-alerts').textContent = open;
    document.getElementById('alert-badge').textContent = open ? String(open) : '';
  }

  tick() {
    document.getElementById('clock').textContent = hms(Date.now() / 1000);
    this.kpis();
  }

  connection(state, detail) {
    const node = document.getElementById('conn');
    node.className = `conn state-${state}`;
    let text = t(`conn.${state}`);
    if (state === 'offline' && detail) text += ` (${Math.ceil(detail.retryInMs / 1000)}s)`;
    document.getElementById('conn-text').textContent = text;
    if (detail?.error) toast(t('error.live') + detail.error);
  }

  showTab(name) {
    for (const tab of document.querySelectorAll('.tab')) tab.classList.toggle('active', tab.dataset.tab === name);
    for (const panel of document.querySelectorAll('.panel')) panel.classList.toggle('active', panel.id === `panel-${name}`);
    if (name === 'reports') this.reports.load(this.reports.dateInput.value || this.today).catch((e) => this.failed(e));
    if (name === 'eval') this.evaluation?.refresh();
    // On the patrol wall the case markers show while the Cases tab is open; the desk always.
    if (this.cases && !document.body.classList.contains('desk-mode')) {
      this.cases.showLayer(name === 'cases');
      this.layers?.relabel();
    }
    // The case and ranking tables need room: the side panel widens while they are open.
    const wide = name === 'cases' || name === 'eval';
    if (document.body.classList.contains('wide') !== wide) {
      document.body.classList.toggle('wide', wide);
      this.map?.map.invalidateSize();
    }
  }

  setDetail(kind, id) {
    this.detail = { kind, id };
    document.getElementById('detail-empty').hidden = true;
    this.map.inspectors.select(kind === 'device' ? id : null);
    if (kind !== 'road') this.map.clearEmphasis();
    if (kind !== 'camera') this.cameraView.open = null;
    this.showTab('detail');
  }

  openRoad(id, { fly = true } = {}) {
    const road = this.map.roads.get(String(id));
    if (!road) return;
    this.setDetail('road', road.props.id);
    if (fly) this.map.flyToRoad(road.props.id); else this.map.emphasise(road.layer.toGeoJSON());
    this.render.roadView(this.detailBox, road, this).catch((e) => this.failed(e));
  }

  openDevice(id, { fly = true } = {}) {
    this.setDetail('device', id);
    const info = this.map.inspectors.get(id);
    if (fly && info) this.map.flyToPoint(info.lat, info.lon);
    this.renderDevice();
  }

  renderDevice() {
    const id = this.detail.id;
    const row = (this.reports.data?.inspectors || []).find((r) => r.device === id);
    this.render.inspectorView(this.detailBox, id, this.map.inspectors.get(id), row, this);
    this.lastDetail = performance.now();
  }

  openCamera(id, { fly = true } = {}) {
    const cam = this.cameras.get(id) || this.map.cameras.get(id)?.cam || { id, name: id };
    this.setDetail('camera', id);
    if (fly) this.map.flyToCamera(id);
    this.cameraView.show(this.detailBox, cam, cam.road ? this.roadName(cam.road) : null)
      .catch((e) => this.failed(e));
  }

  open(item) {
    if (item.kind === 'road') this.openRoad(item.id);
    else if (item.kind === 'device') this.openDevice(item.id);
    else this.openCamera(item.id);
  }

  pickAlert(a) {
    const s = a.subject;
    if (s.road) this.openRoad(s.road);
    else if (s.device) this.openDevice(s.device);
    else if (s.camera) {
      this.openCamera(s.camera);
      if (a.details?.evidence) this.cameraView.showEvidence(String(a.details.evidence)).catch((e) => this.failed(e));
    }
  }

  // Re-render the open drill-down at most every DETAIL_REFRESH_MS (a walking inspector reports
  // every second; rebuilding the panel that often would flicker).
  detailSoon(now = false) {
    if (this.detailTimer) return;
    const wait = now ? 0 : Math.max(0, DETAIL_REFRESH_MS - (performance.now() - this.lastDetail));
    this.detailTimer = setTimeout(() => {
      this.detailTimer = null;
      if (this.detail?.kind === 'device') this.renderDevice();
      else if (this.detail?.kind === 'road') this.openRoad(this.detail.id, { fly: false });
    }, wait);
  }

  async flyToDevice(id) {
    const info = this.map.inspectors.get(id);
    if (info) this.map.flyToPoint(info.lat, info.lon);
  }

  flyToRoad(id) { this.map.flyToRoad(id); }

  dayStart() { return dayStart(this.today, this.zone); }

  replay(device) {
    this.player.open(device, this.today).catch((e) => this.failed(e));
  }

  candidates() {
    const out = [];
    for (const r of this.map.roads.values()) out.push({ kind: 'road', id: r.props.id, name: r.props.name });
    for (const id of this.map.inspectors.deviceIds()) out.push({ kind: 'device', id, name: id });
    for (const c of this.cameras.values()) out.push({ kind: 'camera', id: c.id, name: c.name });
    return out;
  }

  relabel() {
    this.feed.fillFilters();
    this.feed.render();
    this.reports.render();
    if (this.map.refreshLegend) this.map.refreshLegend();
    if (this.detail?.kind === 'device') this.renderDevice();
    else if (this.detail?.kind === 'road') this.openRoad(this.detail.id, { fly: false });
    this.connection(document.getElementById('conn').className.replace('conn state-', ''));
  }

  failed(err) { toast(String(err?.message || err)); }
}
