// Drawing thousands of devices by setting pixels of one bitmap, then one putImageData. Canvas
// paths are anti-aliased and rasterised per shape; on a wall PC without GPU rasterisation
// 10,000 arcs take ~100 ms a frame, 10,000 stamped discs take a few.

function rgba(hex, alpha) { // little-endian Uint32 pixel: 0xAABBGGRR
  const n = parseInt(hex.slice(1), 16);
  return ((alpha << 24) | ((n & 0xff) << 16) | (n & 0xff00) | ((n >> 16) & 0xff)) >>> 0;
}

// Pixel offsets of a filled disc (or square) of radius r and of the ring just outside it.
function stamp(r, square) {
  const fill = []; const ring = [];
  const R = r + 1;
  for (let dy = -R; dy <= R; dy++) {
    for (let dx = -R; dx <= R; dx++) {
      const d = square ? Math.max(Math.abs(dx), Math.abs(dy)) : Math.hypot(dx, dy);
      if (d <= r) fill.push(dx, dy);
      else if (d <= R) ring.push(dx, dy);
    }
  }
  return { fill: Int16Array.from(fill), ring: Int16Array.from(ring) };
}

export class DenseRaster {
  constructor(states, colors) {
    this.fill = states.map((s) => rgba(colors[s], 255));
    this.trail = states.map((s) => rgba(colors[s], 110));
    this.edge = rgba('#020617', 230);
    this.image = null;
    this.dpr = 0;
  }

  draw(ctx, layer, w, h, dpr, scale, origin) {
    const W = Math.round(w * dpr); const H = Math.round(h * dpr);
    if (!this.image || this.image.width !== W || this.image.height !== H) {
      this.image = new ImageData(W, H);
      this.buf = new Uint32Array(this.image.data.buffer);
    }
    if (this.dpr !== dpr) {
      this.dpr = dpr;
      const r = Math.max(2, Math.round(3 * dpr));
      this.shapes = [stamp(r, false), stamp(r, true)];
    }
    const buf = this.buf;
    buf.fill(0);
    this.trails(layer, W, H, dpr, scale, origin);
    const { px, py, shown, state, kind } = layer;
    for (let i = 0; i < layer.n; i++) {
      if (!shown[i]) continue;
      const cx = Math.round(px[i] * dpr); const cy = Math.round(py[i] * dpr);
      const shape = this.shapes[kind[i]];
      this.put(shape.ring, cx, cy, W, H, this.edge);
      this.put(shape.fill, cx, cy, W, H, this.fill[state[i]]);
    }
    ctx.putImageData(this.image, 0, 0);
  }

  put(offsets, cx, cy, W, H, color) {
    const buf = this.buf;
    for (let k = 0; k < offsets.length; k += 2) {
      const x = cx + offsets[k]; const y = cy + offsets[k + 1];
      if (x >= 0 && y >= 0 && x < W && y < H) buf[y * W + x] = color;
    }
  }

  trails(layer, W, H, dpr, scale, origin) {
    const { shown, trN, trHead, trX, trY, state } = layer;
    const T = layer.trailLength;
    for (let i = 0; i < layer.n; i++) {
      const n = trN[i];
      if (!shown[i] || n < 2) continue;
      const color = this.trail[state[i]];
      const base = i * T; const head = trHead[i];
      let x0 = 0; let y0 = 0;
      for (let j = 0; j < n; j++) {
        let x; let y;
        if (j === n - 1) { x = layer.px[i] * dpr; y = layer.py[i] * dpr; } else {
          const at = base + ((head + T - n + j) % T);
          x = (trX[at] * scale - origin.x) * dpr; y = (trY[at] * scale - origin.y) * dpr;
        }
        if (j > 0) this.line(x0, y0, x, y, W, H, color);
        x0 = x; y0 = y;
      }
    }
  }

  line(x0, y0, x1, y1, W, H, color) {
    const steps = Math.min(400, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    const buf = this.buf;
    for (let s = 0; s <= steps; s++) {
      const k = steps ? s / steps : 0;
      const x = Math.round(x0 + (x1 - x0) * k); const y = Math.round(y0 + (y1 - y0) * k);
      if (x >= 0 && y >= 0 && x < W && y < H) buf[y * W + x] = color;
    }
  }
}
