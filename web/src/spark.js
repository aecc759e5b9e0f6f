// A tiny live chart: the last N values of a series drawn on a canvas.
export class Sparkline {
  constructor(canvas, { points = 60, color = '#2563eb', min = 0 } = {}) {
    this.canvas = canvas;
    this.points = points;
    this.color = color;
    this.min = min;
    this.values = [];
  }

  push(v) {
    this.values.push(typeof v === 'number' && Number.isFinite(v) ? v : null);
    if (this.values.length > this.points) this.values.shift();
    this.draw();
  }

  clear() {
    this.values = [];
    this.draw();
  }

  draw() {
    const { canvas } = this;
    const g = canvas.getContext && canvas.getContext('2d');
    if (!g) return;
    const w = canvas.width;
    const h = canvas.height;
    g.clearRect(0, 0, w, h);
    const vals = this.values.filter((v) => v !== null);
    if (!vals.length) return;
    const max = Math.max(...vals, this.min + 1e-9);
    const step = w / Math.max(1, this.points - 1);
    g.strokeStyle = this.color;
    g.lineWidth = 1.5;
    g.beginPath();
    let started = false;
    this.values.forEach((v, i) => {
      if (v === null) { started = false; return; }
      const x = i * step;
      const y = h - 1 - ((v - this.min) / (max - this.min)) * (h - 3);
      if (started) g.lineTo(x, y); else g.moveTo(x, y);
      started = true;
    });
    g.stroke();
  }
}
