// Every device on ONE canvas: 10,000 inspectors reporting once a second must not become 10,000
// DOM nodes. Updates only write into typed arrays; drawing happens at most once per animation
// frame, and only when something changed or the map moved.

export { STATE_COLORS, STATES } from './states.js';

import { DenseRaster } from './dense.js';
import { STATE_COLORS, STATES } from './states.js';
import { drawLabels, drawMarkers, drawTrails } from './vector.js';

const TRAIL = 8; // fixes kept per device for the short trail
const MIN_STEP = 1e-7; // world units (about 4 m): smaller moves do not extend the trail
const ANIMATE_LIMIT = 800; // above this many visible devices markers jump instead of gliding
const VECTOR_LIMIT = 800; // up to this many visible: anti-aliased paths; above: the pixel raster
const LABEL_LIMIT = 150;
const BURST_MS = 250; // fixes of one device closer together than this are not animated
const SLOW_FRAME_MS = 28; // gliding stops for GLIDE_PAUSE_MS when frames average more than this
const GLIDE_PAUSE_MS = 30000; // names are written beside markers when no more are visible
const STATE_INDEX = new Map(STATES.map((s, i) => [s, i]));
const ONLINE = new Set([0, 1, 2, 3]);

function worldX(lon) { return lon / 360 + 0.5; }
function worldY(lat) {
  const s = Math.sin(Math.max(-85.05, Math.min(85.05, lat)) * Math.PI / 180);
  return 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
}

export class InspectorLayer {
  constructor(map) {
    this.map = map;
    const pane = map.createPane('inspectors');
    pane.style.zIndex = 450;
    pane.style.pointerEvents = 'none';
    this.canvas = window.L.DomUtil.create('canvas', 'inspector-canvas leaflet-zoom-hide', pane);
    this.ctx = this.canvas.getContext('2d');
    this.index = new Map(); // device id -> slot
    this.ids = []; this.grid = []; this.road = [];
    this.n = 0; this.cap = 0;
    this.grow(1024);
    this.selected = -1;
    this.glideOffUntil = 0; // gliding is paused until then (the machine could not keep up)
    this.frameAvg = 16.7; this.lastDraw = 0; this.moving = false;
    this.frame = 0;
    this.visible = 0;
    this.onFrame = null; // called after each draw with its duration in ms (bench)
    this.raster = new DenseRaster(STATES, STATE_COLORS);
    this.trailLength = TRAIL;
    map.on('move zoomend resize viewreset', () => this.requestDraw());
  }

  grow(cap) {
    const f64 = (old, k = 1) => { const a = new Float64Array(cap * k); if (old) a.set(old); return a; };
    const f32 = (old) => { const a = new Float32Array(cap); if (old) a.set(old); return a; };
    const u8 = (old) => { const a = new Uint8Array(cap); if (old) a.set(old); return a; };
    this.fx = f64(this.fx); this.fy = f64(this.fy); this.tx = f64(this.tx); this.ty = f64(this.ty);
    this.t0 = f64(this.t0); this.dur = f32(this.dur); this.ts = f64(this.ts);
    this.lat = f64(this.lat); this.lon = f64(this.lon); this.speed = f32(this.speed);
    this.state = u8(this.state); this.kind = u8(this.kind);
    this.trX = f64(this.trX, TRAIL); this.trY = f64(this.trY, TRAIL);
    this.trN = u8(this.trN); this.trHead = u8(this.trHead);
    this.px = f32(this.px); this.py = f32(this.py); this.shown = u8(this.shown);
    this.cap = cap;
  }

  slot(device) {
    let i = this.index.get(device);
    if (i === undefined) {
      if (this.n === this.cap) this.grow(this.cap * 2);
      i = this.n++;
      this.index.set(device, i);
      this.ids[i] = device; this.grid[i] = null; this.road[i] = null;
      this.ts[i] = -Infinity;
      this.t0[i] = -Infinity;
      this.isNew = true;
    }
    return i;
  }

  // One position (a /ws/live "position" event or a row of GET /api/v1/devices).
  update(ev, now = performance.now()) {
    if (typeof ev.device !== 'string' || !Number.isFinite(ev.lat) || !Number.isFinite(ev.lon)) return;
    this.isNew = false;
    const i = this.slot(ev.device);
    const ts = Number(ev.ts);
    if (ts < this.ts[i]) return; // an older fix released late: the map shows the newest one
    const x = worldX(ev.lon); const y = worldY(ev.lat);
    // Glide between 1 Hz fixes; snap for a burst (a device's buffered backlog arriving at once)
    // and when too many are on screen for per-frame animation.
    if (this.isNew || !this.glides(now) || now - this.t0[i] < BURST_MS) {
      this.fx[i] = x; this.fy[i] = y; this.dur[i] = 0;
    } else {
      const k = this.progress(i, now);
      this.fx[i] += (this.tx[i] - this.fx[i]) * k;
      this.fy[i] += (this.ty[i] - this.fy[i]) * k;
      const gap = Number.isFinite(this.ts[i]) ? (ts - this.ts[i]) * 1000 : 0;
      this.dur[i] = Math.min(1500, Math.max(0, gap * 0.9));
    }
    this.t0[i] = now;
    this.tx[i] = x; this.ty[i] = y; this.ts[i] = ts;
    this.lat[i] = ev.lat; this.lon[i] = ev.lon;
    this.speed[i] = Number.isFinite(ev.speed) ? ev.speed : NaN;
    this.state[i] = STATE_INDEX.get(ev.state) ?? STATE_INDEX.get('other');
    if (ev.kind === 'vehicle') this.kind[i] = 1;
    if (ev.grid !== undefined) this.grid[i] = ev.grid ?? null;
    this.road[i] = ev.road ?? null;
    this.pushTrail(i, x, y);
    this.requestDraw();
  }

  pushTrail(i, x, y) {
    const n = this.trN[i];
    const base = i * TRAIL;
    if (n > 0) {
      const last = base + ((this.trHead[i] + TRAIL - 1) % TRAIL);
      if (Math.abs(this.trX[last] - x) < MIN_STEP && Math.abs(this.trY[last] - y) < MIN_STEP) return;
    }
    const at = base + this.trHead[i];
    this.trX[at] = x; this.trY[at] = y;
    this.trHead[i] = (this.trHead[i] + 1) % TRAIL;
    if (n < TRAIL) this.trN[i] = n + 1;
  }

  glides(now) { return this.visible <= ANIMATE_LIMIT && now >= this.glideOffUntil; }

  // Gliding redraws every frame. Where that is too slow (software rendering, a busy wall PC)
  // the frames show it: then markers jump once a second instead, and gliding is retried later.
  watchFrames(now) {
    const dt = now - this.lastDraw;
    this.lastDraw = now;
    if (!this.moving || dt > 1000) return;
    this.frameAvg = 0.9 * this.frameAvg + 0.1 * dt;
    if (this.frameAvg > SLOW_FRAME_MS) {
      this.glideOffUntil = now + GLIDE_PAUSE_MS;
      this.frameAvg = 16.7;
      for (let i = 0; i < this.n; i++) this.dur[i] = 0;
    }
  }

  progress(i, now) {
    const d = this.dur[i];
    return d <= 0 ? 1 : Math.min(1, (now - this.t0[i]) / d);
  }

  requestDraw() {
    if (this.pending) return;
    this.pending = true;
    window.requestAnimationFrame(() => this.draw());
  }

  draw() {
    this.pending = false;
    const started = performance.now();
    this.watchFrames(started);
    const { map, canvas, ctx } = this;
    const size = map.getSize();
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(size.x * dpr) || canvas.height !== Math.round(size.y * dpr)) {
      canvas.width = Math.round(size.x * dpr); canvas.height = Math.round(size.y * dpr);
      canvas.style.width = `${size.x}px`; canvas.style.height = `${size.y}px`;
    }
    window.L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, size.x, size.y);
    const zoom = map.getZoom();
    const scale = 256 * 2 ** zoom;
    const origin = map.project(map.containerPointToLatLng([0, 0]), zoom);
    const w = size.x; const h = size.y;
    const animate = this.glides(started);
    let moving = false; let visible = 0;
    const { px, py, shown } = this;
    for (let i = 0; i < this.n; i++) {
      let k = 1;
      if (animate && this.dur[i] > 0) {
        k = this.progress(i, started);
        if (k < 1) moving = true;
      }
      const x = (this.fx[i] + (this.tx[i] - this.fx[i]) * k) * scale - origin.x;
      const y = (this.fy[i] + (this.ty[i] - this.fy[i]) * k) * scale - origin.y;
      px[i] = x; py[i] = y;
      const on = x > -40 && x < w + 40 && y > -40 && y < h + 40;
      shown[i] = on ? 1 : 0;
      if (on) visible++;
    }
    this.visible = visible;
    const big = visible <= VECTOR_LIMIT;
    const r = big ? 5.5 : 3;
    if (big) {
      drawTrails(this, scale, origin);
      drawMarkers(this, r);
    } else {
      // Thousands on screen: set pixels in one bitmap instead of rasterising thousands of
      // anti-aliased paths (software canvases spend ~100 ms a frame on 10,000 arcs).
      this.raster.draw(ctx, this, size.x, size.y, dpr, scale, origin);
    }
    if (this.selected >= 0 && shown[this.selected]) {
      const i = this.selected;
      ctx.beginPath(); ctx.arc(px[i], py[i], r + 6, 0, 2 * Math.PI);
      ctx.lineWidth = 3; ctx.strokeStyle = '#ffffff'; ctx.stroke();
    }
    if (visible <= LABEL_LIMIT && zoom >= 14) drawLabels(this, r);
    this.frame++;
    this.moving = moving;
    if (moving) this.requestDraw();
    if (this.onFrame) this.onFrame(performance.now() - started);
  }

  // The device drawn nearest to a container point, within `radius` pixels.
  pick(point, radius = 12) {
    let best = -1; let bestD = radius * radius;
    for (let i = 0; i < this.n; i++) {
      if (!this.shown[i]) continue;
      const dx = this.px[i] - point.x; const dy = this.py[i] - point.y;
      const d = dx * dx + dy * dy;
      if (d <= bestD) { bestD = d; best = i; }
    }
    return best < 0 ? null : this.info(best);
  }

  info(i) {
    return {
      device: this.ids[i], lat: this.lat[i], lon: this.lon[i], ts: this.ts[i],
      state: STATES[this.state[i]], grid: this.grid[i], road: this.road[i],
      speed: Number.isNaN(this.speed[i]) ? null : this.speed[i],
      kind: this.kind[i] === 1 ? 'vehicle' : 'inspector',
    };
  }

  get(device) {
    const i = this.index.get(device);
    return i === undefined ? null : this.info(i);
  }

  select(device) {
    this.selected = device == null ? -1 : (this.index.get(device) ?? -1);
    this.requestDraw();
  }

  // Where a device is drawn right now (container pixels), for tests and the hover card.
  screenPosition(device) {
    const i = this.index.get(device);
    if (i === undefined || !this.shown[i]) return null;
    return { x: this.px[i], y: this.py[i], state: STATES[this.state[i]] };
  }

  counts() {
    let online = 0;
    for (let i = 0; i < this.n; i++) if (this.kind[i] === 0 && ONLINE.has(this.state[i])) online++;
    return { total: this.n, online };
  }

  deviceIds() { return this.ids.slice(0, this.n); }
}
