/**
 * Parts -> DOM. Media bytes arrive as message buffers (DataView) and are shown through Blob URLs,
 * which each page owns (`BlobUrls`) and revokes when it leaves the cache or the view is cleaned up.
 *
 * Text is only ever set with `textContent`: captions and metadata are data, never HTML.
 */

import { make } from "./dom";
import type { Part } from "./protocol";

/** Attribute JupyterLab / Notebook 7 look for before stealing keys from a focused element. */
export const SUPPRESS = "data-lm-suppress-shortcuts";

/**
 * Blob URLs made from one message's buffers, created on first use and revoked together; also
 * keeps the images decoded ahead from them (`keepImage`), to be shown as they are.
 */
export class BlobUrls {
  private readonly urls = new Map<string, string>();
  /**
   * url -> the <img> that preloaded it. Holding the element keeps Chromium's decoded image alive:
   * its memory cache is weak, so after a garbage collection a new <img> of the same Blob URL
   * fetched the blob again and decoded it again (50–100 ms for a page of 12, instead of a frame).
   */
  private readonly images = new Map<string, HTMLImageElement>();
  private isRevoked = false;

  constructor(private readonly buffers: readonly DataView[]) {}

  /** The object URL for buffer `index` with this MIME type, or null when the buffer is missing. */
  url(index: number | undefined, mime: string): string | null {
    if (index === undefined || index === null || this.isRevoked) return null;
    const buffer = this.buffers[index];
    if (!buffer) return null;
    const key = `${index}\u0000${mime}`;
    let url = this.urls.get(key);
    if (url === undefined) {
      // BlobPart typing rejects DataView<ArrayBufferLike> (SharedArrayBuffer); these come from a socket.
      url = URL.createObjectURL(new Blob([buffer as unknown as ArrayBufferView<ArrayBuffer>], { type: mime }));
      this.urls.set(key, url);
    }
    return url;
  }

  /** The raw buffer (waveform peaks). */
  buffer(index: number | undefined): DataView | null {
    if (index === undefined || index === null) return null;
    return this.buffers[index] ?? null;
  }

  get size(): number {
    return this.urls.size;
  }

  /** Keep the element that preloads `url`, to be shown by `renderPart` instead of a new one. */
  keepImage(url: string, img: HTMLImageElement): void {
    if (!this.isRevoked) this.images.set(url, img);
  }

  /**
   * The kept element of `url` when no tile holds it (an element is in one place only: a page that
   * shows one buffer twice gets a new element the second time). Callers detach the images of the
   * tiles they discard (`releaseImages`) so that a page shown again gets its elements back.
   */
  takeImage(url: string): HTMLImageElement | null {
    const img = this.images.get(url);
    return img && img.parentNode === null ? img : null;
  }

  revokeAll(): void {
    for (const url of this.urls.values()) URL.revokeObjectURL(url);
    this.urls.clear();
    this.images.clear();
    this.isRevoked = true;
  }

  /** True once revokeAll ran: no more URLs are made. */
  get revoked(): boolean {
    return this.isRevoked;
  }
}

/** Little-endian float32 peaks (numpy's layout on every platform Jupyter runs on) from a buffer. */
export function readPeaks(view: DataView): Float32Array {
  const count = Math.floor(view.byteLength / 4);
  const peaks = new Float32Array(count);
  for (let i = 0; i < count; i += 1) peaks[i] = view.getFloat32(i * 4, true);
  return peaks;
}

/** Draw peaks (0..1) as mirrored bars; a no-op where canvas has no 2D context (happy-dom). */
export function drawWaveform(canvas: HTMLCanvasElement, peaks: Float32Array): void {
  let context: CanvasRenderingContext2D | null = null;
  try {
    context = canvas.getContext("2d");
  } catch {
    context = null;
  }
  if (!context || peaks.length === 0) return;
  const { width, height } = canvas;
  const color = getComputedStyle(canvas).color || "#888";
  context.clearRect(0, 0, width, height);
  context.fillStyle = color;
  const barWidth = width / peaks.length;
  const middle = height / 2;
  for (let i = 0; i < peaks.length; i += 1) {
    const amplitude = Math.min(Math.max(peaks[i], 0), 1) * middle;
    context.fillRect(i * barWidth, middle - amplitude, Math.max(barWidth, 1), Math.max(amplitude * 2, 1));
  }
}

/**
 * Draw again once the canvas is in the page: before that it has no computed colour, and the bars
 * came out in the fallback grey instead of the theme's brand colour.
 */
function redrawWhenShown(canvas: HTMLCanvasElement, peaks: Float32Array, frames = 20): void {
  if (typeof requestAnimationFrame !== "function") return;
  requestAnimationFrame(() => {
    if (canvas.isConnected) drawWaveform(canvas, peaks);
    else if (frames > 1) redrawWhenShown(canvas, peaks, frames - 1);
  });
}

function errorPart(reason: string, part: Part): HTMLElement {
  const box = make("div", "xmw-part xmw-error");
  box.setAttribute("role", "note");
  // what the part was meant to be: Space on a tile whose audio failed names that failure
  if (part.original_kind) box.dataset.originalKind = part.original_kind;
  const title = make("strong", "xmw-error-title", `${part.original_kind ?? "media"} not shown (${part.column})`);
  const text = make("span", "xmw-error-reason", reason);
  if (part.detail) text.title = part.detail;
  box.append(title, text);
  return box;
}

/**
 * One part as a DOM element.
 *
 * @param part the part to show
 * @param urls the Blob URLs of the page's buffers
 * @param itemId id of the record, used in the image's alt text
 * @param lazy load images only when they come near the viewport
 */
export function renderPart(part: Part, urls: BlobUrls, itemId: string, lazy = false): HTMLElement {
  switch (part.kind) {
    case "text": {
      const text = make("div", "xmw-part xmw-text", part.text ?? "");
      text.dataset.column = part.column;
      return text;
    }
    case "image": {
      const url = urls.url(part.data, part.mime ?? "image/jpeg");
      if (!url) return errorPart("the image bytes are missing from the page message", part);
      // The preloaded element is already fetched and decoded: showing it paints in the next frame.
      const kept = urls.takeImage(url);
      const img = kept ?? make("img", "xmw-part xmw-image");
      if (kept) img.className = "xmw-part xmw-image";
      img.decoding = "async";
      img.alt = `${part.column} of ${itemId}`;
      if (part.width) img.width = part.width;
      if (part.height) img.height = part.height;
      // Each <img> fetch of a blob URL costs ~0.5 ms of main thread; with 200 tiles, let the browser
      // fetch the ones scrolled out of view when they come near.
      if (lazy && !kept) img.loading = "lazy";
      if (!kept) img.src = url;
      img.draggable = false;
      return img;
    }
    case "audio": {
      const url = urls.url(part.data, part.mime ?? "audio/wav");
      if (!url) return errorPart("the audio bytes are missing from the page message", part);
      const box = make("div", "xmw-part xmw-audio");
      const peaks = urls.buffer(part.waveform);
      if (peaks) {
        const canvas = make("canvas", "xmw-waveform");
        canvas.width = 240;
        canvas.height = 40;
        canvas.setAttribute("aria-hidden", "true");
        const values = readPeaks(peaks);
        drawWaveform(canvas, values);
        redrawWhenShown(canvas, values);
        box.append(canvas);
      }
      const audio = make("audio", "xmw-audio-player");
      audio.controls = true;
      audio.preload = "metadata";
      audio.src = url;
      audio.setAttribute("aria-label", `${part.column} of ${itemId}`);
      audio.setAttribute(SUPPRESS, "true");
      box.append(audio);
      return box;
    }
    case "video": {
      const url = urls.url(part.data, part.mime ?? "video/mp4");
      if (!url) return errorPart("the video bytes are missing from the page message", part);
      const video = make("video", "xmw-part xmw-video");
      video.controls = true;
      video.preload = "none";
      const poster = urls.url(part.poster, "image/jpeg");
      if (poster) video.setAttribute("poster", poster);
      if (part.width) video.width = part.width;
      if (part.height) video.height = part.height;
      video.src = url;
      video.setAttribute("aria-label", `${part.column} of ${itemId}`);
      video.setAttribute(SUPPRESS, "true");
      return video;
    }
    case "error":
      return errorPart(part.error ?? "unknown error", part);
    default:
      return errorPart(`unknown part kind ${JSON.stringify((part as Part).kind)}`, part);
  }
}

/** All parts of a record (a bundle is several parts stacked). */
export function renderParts(parts: readonly Part[], urls: BlobUrls, itemId: string, lazy = false): HTMLElement {
  const box = make("div", "xmw-parts");
  for (const part of parts) box.append(renderPart(part, urls, itemId, lazy));
  return box;
}

/** Detach the images under `node` (tiles being replaced) so that `takeImage` can hand them out again. */
export function releaseImages(node: ParentNode): void {
  for (const img of node.querySelectorAll("img.xmw-image")) img.remove();
}

/**
 * Stop the audio and video players of a page's Blob URLs under `node` (tiles being replaced) from
 * loading: a player taken out of the page goes on reading its Blob URL (metadata, then ranges),
 * and once its page left the cache and the URL was revoked each read logged
 * "net::ERR_FILE_NOT_FOUND". With no src, `load()` aborts the fetch and frees the decoder. The
 * page shown again builds new players. (The rubric's example players, data: and http(s) URLs that
 * stay on screen, are left alone.)
 */
export function releaseMedia(node: ParentNode): void {
  for (const media of node.querySelectorAll<HTMLMediaElement>("audio, video")) {
    if (!media.getAttribute("src")?.startsWith("blob:")) continue;
    media.pause();
    media.removeAttribute("src");
    media.load();
  }
}

/** Images whose `decode()` has resolved: showing them needs no decode and no wait. */
const decodedImages = new WeakSet<HTMLImageElement>();

/** True when `img` was decoded ahead (`preloadImage`) and is still complete. */
export function isDecoded(img: HTMLImageElement): boolean {
  return img.complete && decodedImages.has(img);
}

/**
 * Decode an image off-screen so that showing it later paints at once; never rejects. With `urls`,
 * the element is kept there and shown by `renderPart` itself.
 */
export function preloadImage(url: string, urls?: BlobUrls): Promise<void> {
  if (typeof Image === "undefined") return Promise.resolve();
  const img = new Image();
  img.decoding = "async";
  img.src = url;
  urls?.keepImage(url, img);
  return decodeImage(img).then(() => {
    if (img.naturalWidth > 0) decodedImages.add(img);
  });
}

/** `img.decode()` where available, never rejecting (a broken image shows as broken, not as a hang). */
export function decodeImage(img: HTMLImageElement): Promise<void> {
  if (typeof img.decode !== "function") return Promise.resolve();
  try {
    return img.decode().catch(() => undefined);
  } catch {
    return Promise.resolve();
  }
}
