// Scan: decode the receipt's QR code from the camera, or from a photo of the receipt.
import jsQR from 'jsqr';
import { h, replace, announce } from '../dom';
import type { MessageKey } from '../messages';
import { messages } from '../messages';
import { t } from '../i18n';
import { navigate, type PageContext } from '../router';
import { codeFromText, normalizeCode, resolve } from '../search';
import { errorBox, loading, notice, pageHeader } from '../ui/common';

type Decoded = { text: string } | null;

function decodeImageData(img: ImageData): Decoded {
  const r = jsQR(img.data, img.width, img.height, { inversionAttempts: 'attemptBoth' });
  return r ? { text: r.data } : null;
}

function drawScaled(source: CanvasImageSource, width: number, height: number, maxSide: number): ImageData {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const hgt = Math.max(1, Math.round(height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = hgt;
  const c = canvas.getContext('2d', { willReadFrequently: true })!;
  c.imageSmoothingEnabled = true;
  c.drawImage(source, 0, 0, w, hgt);
  return c.getImageData(0, 0, w, hgt);
}

async function loadImage(file: File): Promise<{ source: CanvasImageSource; width: number; height: number; close: () => void }> {
  if (typeof createImageBitmap === 'function') {
    try {
      const bmp = await createImageBitmap(file);
      return { source: bmp, width: bmp.width, height: bmp.height, close: () => bmp.close() };
    } catch {
      // fall through to <img> (formats createImageBitmap cannot read)
    }
  }
  const url = URL.createObjectURL(file);
  const img = new Image();
  img.src = url;
  await img.decode();
  return { source: img, width: img.naturalWidth, height: img.naturalHeight, close: () => URL.revokeObjectURL(url) };
}

// Photos are large and QR codes small in them: try a few sizes.
export async function decodeFile(file: File): Promise<Decoded> {
  const img = await loadImage(file);
  try {
    for (const side of [1600, 1000, 2400, 600]) {
      const found = decodeImageData(drawScaled(img.source, img.width, img.height, side));
      if (found) return found;
    }
    return null;
  } finally {
    img.close();
  }
}

export default function scanPage(ctx: PageContext): void {
  ctx.setTitle(t('scan.title'));
  const status = h('div', { class: 'scan-status', 'aria-live': 'polite' });
  const video = h('video', { playsinline: true, muted: true, 'aria-label': t('scan.camera_view') });
  const viewport = h('div', { class: 'scan-viewport', hidden: true }, video, h('div', { class: 'scan-frame', 'aria-hidden': 'true' }));
  const startBtn = h('button', { type: 'button', class: 'btn btn-primary btn-block' }, t('scan.start'));
  const stopBtn = h('button', { type: 'button', class: 'btn btn-ghost btn-block', hidden: true }, t('scan.stop'));
  const file = h('input', { id: 'scan-file', type: 'file', accept: 'image/*', class: 'file-input' });
  const fileLabel = h('label', { for: 'scan-file', class: 'btn btn-block file-label' }, t('scan.upload'));

  let stream: MediaStream | null = null;
  let timer: number | undefined;
  const stop = () => {
    if (timer !== undefined) window.clearTimeout(timer);
    timer = undefined;
    stream?.getTracks().forEach((tr) => tr.stop());
    stream = null;
    viewport.hidden = true;
    stopBtn.hidden = true;
    startBtn.hidden = false;
  };
  ctx.onCleanup(stop);

  const handle = (decoded: Decoded, from: 'camera' | 'photo'): boolean => {
    if (!decoded) return false;
    const code = codeFromText(decoded.text);
    if (code) {
      stop();
      announce(t('scan.found'));
      replace(status, notice('ok', t('scan.found')));
      navigate(`/r/${code}`);
      return true;
    }
    replace(status, notice('warn', t('scan.not_receipt'), h('p', h('code', { class: 'mono wrap' }, decoded.text.slice(0, 200)))));
    return from === 'photo';
  };

  const secure = window.isSecureContext && !!navigator.mediaDevices?.getUserMedia;
  startBtn.addEventListener('click', async () => {
    replace(status, t('scan.starting'));
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false });
      video.srcObject = stream;
      viewport.hidden = false;
      startBtn.hidden = true;
      stopBtn.hidden = false;
      await video.play();
      replace(status, t('scan.aim'));
      const tick = () => {
        if (!stream) return;
        if (video.readyState >= 2 && video.videoWidth > 0) {
          const found = decodeImageData(drawScaled(video, video.videoWidth, video.videoHeight, 720));
          if (handle(found, 'camera')) return;
        }
        timer = window.setTimeout(tick, 150);
      };
      tick();
    } catch (e) {
      stop();
      replace(status, notice('error', t('scan.camera_error'), h('p', cameraReason(e)), h('p', t('scan.use_upload'))));
    }
  });
  stopBtn.addEventListener('click', stop);

  file.addEventListener('change', async () => {
    const f = file.files?.[0];
    if (!f) return;
    replace(status, t('scan.decoding'));
    try {
      const decoded = await decodeFile(f);
      if (!decoded) {
        replace(status, notice('warn', t('scan.no_qr')));
        announce(t('scan.no_qr'));
      } else handle(decoded, 'photo');
    } catch (e) {
      replace(status, notice('error', t('scan.image_error'), h('p', (e as Error).message)));
    } finally {
      file.value = '';
    }
  });

  ctx.root.append(
    pageHeader(t('scan.title'), t('scan.subtitle')),
    h(
      'section',
      { class: 'card scan' },
      secure ? null : notice('info', t('scan.insecure')),
      viewport,
      secure ? startBtn : null,
      stopBtn,
      h('div', { class: 'or' }, t('scan.or')),
      file,
      fileLabel,
      h('p', { class: 'fine' }, t('scan.upload_hint')),
      status,
    ),
    manualEntry(ctx),
  );
}

// getUserMedia fails with a DOMException whose name is stable across browsers; its message is
// English (or the browser's language), so the reader gets our sentence for the known names.
function cameraReason(e: unknown): string {
  const key = `scan.cam.${(e as DOMException)?.name}` as MessageKey;
  return key in messages ? t(key) : String((e as Error)?.message ?? e);
}

// The code printed under the QR code, typed by hand: spaced, capitals or a 12-character prefix.
function manualEntry(ctx: PageContext): HTMLElement {
  const input = h('input', {
    id: 'manual-code',
    name: 'code',
    type: 'text',
    autocomplete: 'off',
    autocapitalize: 'off',
    spellcheck: 'false',
    enterkeyhint: 'go',
    placeholder: 'by7l y5pa o4ly',
    'aria-describedby': 'manual-hint',
  });
  const result = h('div', { class: 'manual-result', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'search' },
    h('label', { for: 'manual-code' }, t('scan.manual_label')),
    h('div', { class: 'search-row' }, input, h('button', { type: 'submit', class: 'btn' }, t('scan.manual_go'))),
    h('p', { id: 'manual-hint', class: 'fine' }, t('scan.manual_hint')),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const code = normalizeCode(input.value);
    if (!code) {
      replace(result, notice('warn', t('scan.manual_invalid')));
      return;
    }
    if (code.length === 52) return navigate(`/r/${code}`);
    replace(result, loading());
    try {
      const hits = await resolve(code);
      if (ctx.signal.aborted) return;
      const receipts = hits.filter((x) => x.href.startsWith('/r/'));
      if (receipts.length === 1) return navigate(receipts[0].href);
      if (receipts.length === 0) return replace(result, notice('info', t('scan.manual_none')));
      replace(result, h('ul', { class: 'list' }, receipts.map((x) => h('li', { class: 'list-item' }, h('a', { href: x.href, class: 'list-title mono' }, x.label)))));
    } catch (e) {
      replace(result, errorBox(e));
    }
  });
  return h('section', { class: 'card', id: 'manual' }, h('h2', t('scan.manual')), form, result);
}
