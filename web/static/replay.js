// An inspector's day replayed on the map: the whole track dimmed, the part walked so far bright,
// a marker at the slider's time (interpolated between fixes), play at 10-1200x.

import { getJSON, query } from './api.js';
import { hms, toast } from './dom.js';
import { t } from './i18n.js';

// The day's track as parallel arrays, whatever GeoJSON shape the server sent.
export function trackPoints(doc) {
  const feature = doc && doc.type === 'FeatureCollection' ? (doc.features || [])[0] : doc;
  const geom = feature && feature.geometry;
  const times = (feature && feature.properties && feature.properties.times) || [];
  let coords = [];
  if (geom && geom.type === 'LineString') coords = geom.coordinates;
  else if (geom && geom.type === 'Point') coords = [geom.coordinates];
  else if (geom && geom.type === 'MultiLineString') coords = geom.coordinates.flat();
  const n = Math.min(coords.length, times.length);
  const ts = new Float64Array(n); const lat = new Float64Array(n); const lon = new Float64Array(n);
  for (let i = 0; i < n; i++) { ts[i] = times[i]; lon[i] = coords[i][0]; lat[i] = coords[i][1]; }
  return { ts, lat, lon, n };
}

// Index of the last fix at or before ts (binary search), -1 before the first.
export function fixAt(ts, track) {
  let lo = 0; let hi = track.n;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (track.ts[mid] <= ts) lo = mid + 1; else hi = mid; }
  return lo - 1;
}

export class Replay {
  constructor(cityMap) {
    this.cityMap = cityMap;
    this.L = window.L;
    this.bar = document.getElementById('replay-bar');
    this.slider = document.getElementById('rp-slider');
    this.timeLabel = document.getElementById('rp-time');
    this.who = document.getElementById('rp-who');
    this.playBtn = document.getElementById('rp-play');
    this.speedSel = document.getElementById('rp-speed');
    this.slider.addEventListener('input', () => { this.pause(); this.seek(Number(this.slider.value)); });
    this.playBtn.addEventListener('click', () => (this.playing ? this.pause() : this.play()));
    document.getElementById('rp-close').addEventListener('click', () => this.close());
    this.layers = [];
    this.playing = false;
  }

  async open(device, date) {
    const doc = await getJSON(`/api/v1/tracks/${encodeURIComponent(device)}${query({ date })}`);
    const track = trackPoints(doc);
    if (track.n === 0) { toast(t('replay.empty')); return false; }
    this.close();
    const L = this.L; const map = this.cityMap.map;
    this.track = track;
    const all = Array.from({ length: track.n }, (_, i) => [track.lat[i], track.lon[i]]);
    this.full = L.polyline(all, { color: '#e2e8f0', weight: 3, opacity: 0.35, interactive: false }).addTo(map);
    this.done = L.polyline([], { color: '#22d3ee', weight: 4, opacity: 0.95, interactive: false }).addTo(map);
    this.marker = L.marker([track.lat[0], track.lon[0]], { interactive: false, keyboard: false,
      icon: L.divIcon({ className: 'replay-marker', iconSize: [22, 22], iconAnchor: [11, 11] }) }).addTo(map);
    this.layers = [this.full, this.done, this.marker];
    this.slider.min = String(Math.floor(track.ts[0]));
    this.slider.max = String(Math.ceil(track.ts[track.n - 1]));
    this.slider.step = '1';
    this.who.textContent = device; // textContent: the id comes from a device
    this.bar.hidden = false;
    document.body.classList.add('replaying');
    map.fitBounds(this.full.getBounds(), { padding: [60, 60], maxZoom: 17 });
    this.seek(track.ts[0]);
    return true;
  }

  seek(ts) {
    const tr = this.track;
    if (!tr) return;
    const i = fixAt(ts, tr);
    let lat; let lon;
    if (i < 0) { lat = tr.lat[0]; lon = tr.lon[0]; } else if (i >= tr.n - 1) {
      lat = tr.lat[tr.n - 1]; lon = tr.lon[tr.n - 1];
    } else {
      const span = tr.ts[i + 1] - tr.ts[i];
      const k = span > 0 ? Math.min(1, (ts - tr.ts[i]) / span) : 0;
      lat = tr.lat[i] + (tr.lat[i + 1] - tr.lat[i]) * k;
      lon = tr.lon[i] + (tr.lon[i + 1] - tr.lon[i]) * k;
    }
    const walked = [];
    for (let j = 0; j <= i; j++) walked.push([tr.lat[j], tr.lon[j]]);
    walked.push([lat, lon]);
    this.done.setLatLngs(walked);
    this.marker.setLatLng([lat, lon]);
    this.now = ts;
    this.slider.value = String(Math.round(ts));
    this.timeLabel.textContent = hms(ts);
  }

  play() {
    if (!this.track) return;
    if (this.now >= this.track.ts[this.track.n - 1]) this.seek(this.track.ts[0]);
    this.playing = true;
    this.playBtn.textContent = '❚❚';
    let last = performance.now();
    const step = (now) => {
      if (!this.playing) return;
      const dt = (now - last) / 1000; last = now;
      const end = this.track.ts[this.track.n - 1];
      this.seek(Math.min(end, this.now + dt * Number(this.speedSel.value)));
      if (this.now >= end) { this.pause(); return; }
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  }

  pause() {
    this.playing = false;
    this.playBtn.textContent = '▶';
  }

  close() {
    this.pause();
    for (const layer of this.layers) layer.remove();
    this.layers = [];
    this.track = null;
    this.bar.hidden = true;
    document.body.classList.remove('replaying');
  }
}
