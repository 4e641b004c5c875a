// QR codes drawn client-side as SVG (one path, crisp in print) from the `qrcode` package's matrix.
import QRCode from 'qrcode';
import { svg } from '../dom';

export function qrSvg(text: string, label: string, size = 200): SVGElement {
  const code = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = code.modules.size;
  const quiet = 4;
  let d = '';
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      if (code.modules.get(y, x)) d += `M${x + quiet} ${y + quiet}h1v1h-1z`;
    }
  }
  const total = n + 2 * quiet;
  const el = svg(
    'svg',
    { viewBox: `0 0 ${total} ${total}`, width: size, height: size, role: 'img', 'aria-label': label, class: 'qr', 'shape-rendering': 'crispEdges' },
    svg('rect', { width: total, height: total, fill: '#fff' }),
    svg('path', { d, fill: '#000' }),
  );
  const title = svg('title');
  title.textContent = label;
  el.insertBefore(title, el.firstChild);
  return el;
}
