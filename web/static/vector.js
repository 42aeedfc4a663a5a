// The few-hundred-marker case: anti-aliased paths with outlines, trails and name labels.
// (Thousands on screen go through dense.js instead.)

import { STATE_COLORS, STATES } from './states.js';

export function drawMarkers(layer, r) {
  const { ctx, shown, px, py } = layer;
  for (let s = 0; s < STATES.length; s++) {
    ctx.beginPath();
    let any = false;
    for (let i = 0; i < layer.n; i++) {
      if (!shown[i] || layer.state[i] !== s) continue;
      any = true;
      if (layer.kind[i] === 1) ctx.rect(px[i] - r, py[i] - r, 2 * r, 2 * r);
      else { ctx.moveTo(px[i] + r, py[i]); ctx.arc(px[i], py[i], r, 0, 2 * Math.PI); }
    }
    if (!any) continue;
    ctx.fillStyle = STATE_COLORS[STATES[s]];
    ctx.fill();
    ctx.lineWidth = 1.5; ctx.strokeStyle = '#020617'; ctx.stroke();
  }
}

export function drawTrails(layer, scale, origin) {
  const { ctx, shown } = layer;
  ctx.lineWidth = 2;
  ctx.globalAlpha = 0.45;
  for (let s = 0; s < STATES.length; s++) {
    ctx.beginPath();
    let any = false;
    for (let i = 0; i < layer.n; i++) {
      const n = layer.trN[i];
      if (!shown[i] || n < 2 || layer.state[i] !== s) continue;
      any = true;
      const T = layer.trailLength; const base = i * T; const head = layer.trHead[i];
      for (let j = 0; j < n - 1; j++) { // oldest first; the newest point is the marker itself
        const at = base + ((head + T - n + j) % T);
        const x = layer.trX[at] * scale - origin.x; const y = layer.trY[at] * scale - origin.y;
        if (j === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      }
      ctx.lineTo(layer.px[i], layer.py[i]);
    }
    if (!any) continue;
    ctx.strokeStyle = STATE_COLORS[STATES[s]];
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
}

export function drawLabels(layer, r) {
  const { ctx } = layer;
  ctx.font = '600 13px system-ui, "Noto Sans CJK SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif';
  ctx.textBaseline = 'middle';
  ctx.lineWidth = 3; ctx.strokeStyle = 'rgba(2,6,23,0.9)'; ctx.fillStyle = '#f8fafc';
  for (let i = 0; i < layer.n; i++) {
    if (!layer.shown[i]) continue;
    // fillText draws characters; nothing a device sends can become markup here.
    const text = layer.ids[i].length > 32 ? `${layer.ids[i].slice(0, 31)}…` : layer.ids[i];
    ctx.strokeText(text, layer.px[i] + r + 4, layer.py[i]);
    ctx.fillText(text, layer.px[i] + r + 4, layer.py[i]);
  }
}
