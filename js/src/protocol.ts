/**
 * The contract between the Python widget (xmwidgets/grid.py) and this front end.
 *
 * State lives in traits; commands and bulk media travel as custom messages with binary buffers.
 * Data flows one way: a keystroke updates the view at once (optimistic), a message carries the
 * judgement to the kernel, the kernel writes it to the store and acknowledges, and only then does the
 * view mark the candidate "saved".
 *
 * Traits (kernel -> browser unless noted):
 *   scale: ScaleSpec               the relevance scale
 *   n_queries: number              number of queries in the campaign
 *   query_index: number            the query on screen (browser -> kernel too; saved with the notebook)
 *   progress: Progress             judged / total counts, updated after every acknowledged judgement
 *   annotator: string
 *   show_sources: boolean          blind by default: show source/rank/score only when true
 *   tile_size: number              CSS px width of a candidate tile (default 240)
 *   error: string                  a kernel-side problem to show in a banner ("" = none)
 *
 * Custom messages browser -> kernel: BrowserMessage. Kernel -> browser: KernelMessage; a "page"
 * message carries the media of the page as buffers, referenced by index from the parts.
 */

export type Kind = "text" | "image" | "audio" | "video" | "error";

export interface Level {
  value: number;
  name: string;
  definition: string;
  key: string | null;
  examples: string[];
}

export interface ScaleSpec {
  name: string;
  version: string;
  levels: Level[]; // sorted by value; empty for a continuous scale
  flags: string[];
  continuous: boolean;
  minimum: number | null;
  maximum: number | null;
  step: number | null;
}

export interface Progress {
  judged: number; // candidates of this annotator with a relevance
  total: number; // candidates in the campaign
  queries_done: number; // queries whose every candidate is judged (or marked none relevant)
  n_queries: number;
}

/** One content cell of a record, ready to show. `data`, `poster`, `waveform` index the message buffers. */
export interface Part {
  column: string;
  kind: Kind;
  text?: string; // kind "text": shown as text, never as HTML
  mime?: string; // image/jpeg, image/png, audio/wav, video/webm, ...
  data?: number; // buffer index of the media bytes
  width?: number; // display width/height in px (image, video poster)
  height?: number;
  duration?: number; // seconds (audio, video)
  poster?: number; // video: buffer index of a JPEG poster frame
  waveform?: number; // audio: buffer index of Float32 peak amplitudes (0..1), ~200 values
  error?: string; // kind "error": the reason, shown on the error tile
  original_kind?: Kind; // kind "error": what the cell should have been
}

export interface Candidate {
  item_id: string;
  shown_position: number; // 0-based order in which this annotator sees the candidates
  parts: Part[];
  relevance: number | null; // current judgement from the store (null = unjudged)
  best: boolean; // current best-match pick
  meta?: { sources?: string[]; rank?: number | null; score?: number | null }; // only when show_sources
}

export interface Page {
  index: number; // query position 0..n_queries-1
  query_id: string;
  query: { parts: Part[] };
  candidates: Candidate[]; // in shown order
  none_relevant: boolean;
}

export type BrowserMessage =
  | { type: "ready" }
  | { type: "page"; request_id: number; index: number }
  | {
      type: "grade";
      request_id: number;
      query_id: string;
      item_id: string;
      relevance: number; // a level value, or a magnitude on a continuous scale
      shown_position: number;
      duration_ms: number; // since the page was shown (or since the previous judgement on it)
    }
  | {
      type: "pick";
      request_id: number;
      query_id: string;
      item_id: string | null; // null with none_relevant
      best: boolean; // true: this is the best match (any previous best on the query is cleared)
      none_relevant: boolean; // true: "none relevant" for the query (clears any best)
      shown: string[]; // item ids in shown order
      shown_position: number | null;
      duration_ms: number;
    }
  | { type: "undo"; request_id: number };

/** State of one candidate after the store has it. */
export interface SavedState {
  query_id: string;
  item_id: string;
  relevance: number | null;
  best: boolean;
}

export type KernelMessage =
  | { type: "page"; request_id: number | null; index: number; page: Page }
  | {
      type: "ack"; // the judgement (or undo) is durable in the store
      request_id: number;
      query_id: string;
      states: SavedState[]; // the candidates whose state this changed, as stored
      none_relevant: boolean; // the query's none-relevant mark, as stored
    }
  | { type: "error"; request_id: number | null; message: string };
