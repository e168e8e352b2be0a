/**
 * The contract between the Python widget (xmwidgets/grid.py) and this front end.
 *
 * State lives in traits; commands and bulk media travel as custom messages with binary buffers.
 * Data flows one way: a keystroke updates the view at once (optimistic), a `judge` batch carries the
 * judgement to the kernel, the kernel applies its rules, writes the batch in one store transaction and
 * sends one ack; only then does the view mark the candidate "saved", adopting the stored states (the
 * kernel wins: a refused action is reverted, a side effect such as "none relevant" cleared by a
 * grade is shown) and showing each result's notice.
 *
 * Traits (kernel -> browser unless noted):
 *   scale: ScaleSpec               the relevance scale
 *   n_queries: number              number of queries in the campaign
 *   query_index: number            the query on screen (browser -> kernel too; saved with the notebook)
 *   progress: Progress             judged / total counts (each ack carries them too, and wins)
 *   annotator: string
 *   show_sources: boolean          blind by default: show source/rank/score only when true
 *   tile_size: number              CSS px width of a candidate tile (default 240)
 *   error: string                  a kernel-side problem to show in a banner ("" = none)
 *   advance_on_grade: boolean      after a grade key the focus goes on to the next open candidate
 *   goto_query_ids?: string[]      optional: lets `g` find any query by id (without it, only the
 *                                  queries this view has seen, and numbers)
 *
 * Custom messages browser -> kernel: BrowserMessage. Kernel -> browser: KernelMessage; a "page"
 * message carries the media of the page as buffers, referenced by index from the parts.
 */

/** The synced traits (see the list above); the two optional ones may be absent from older kernels. */
export interface GridTraits {
  /** Which task body the widget shows (`grade`, `pick`, ...); set by the kernel class. */
  task?: string;
  scale: ScaleSpec;
  n_queries: number;
  query_index: number;
  progress: Progress;
  annotator: string;
  show_sources: boolean;
  tile_size: number;
  error: string;
  /** Optional: after a grade, move focus to the next unjudged candidate. Default true. */
  advance_on_grade?: boolean;
  /** Optional: the campaign's query ids in order, so that `g` finds a query by id anywhere. */
  goto_query_ids?: string[];
  /** Pick task: after a best pick, show the next query at once. Default true. */
  advance_on_pick?: boolean;
}

export type Kind = "text" | "image" | "audio" | "video" | "error";

/** A worked example of a level (xmwidgets.rubric.Example.to_dict); all its text is shown as text. */
interface ExampleCommon {
  caption: string;
  query: string;
}
export type Example = ExampleCommon &
  (
    | { kind: "text"; text: string }
    | { kind: "image"; src: string; mime: string | null; width: number | null; height: number | null }
    | { kind: "audio"; src: string; mime: string | null; duration: number | null }
    | {
        kind: "video";
        src: string;
        mime: string | null;
        poster: string | null;
        width: number | null;
        height: number | null;
        duration: number | null;
      }
    // media the kernel could not show: what it should have been and why
    | { kind: "error"; media: string; error: string }
  );

export interface Level {
  value: number;
  name: string;
  definition: string;
  /** One-line matching rule ("" when the rubric has none; absent from older kernels). */
  rule?: string;
  key: string | null;
  /** Worked examples (older kernels sent plain strings). */
  examples: Array<Example | string>;
}

/** Where a flag can be set: on a candidate, on the query, or on either. */
export type FlagTarget = "candidate" | "query" | "both";

/** A flag of the rubric (xmwidgets.rubric.Flag.to_dict). */
export interface FlagSpec {
  name: string;
  key: string | null;
  definition: string;
  applies_to: FlagTarget;
}

export interface ScaleSpec {
  name: string;
  version: string;
  /** Heading of the rubric panel (the name when absent). */
  title?: string;
  /** A paragraph at the top of the rubric panel. */
  description?: string;
  /** Whether annotators may write notes (absent: true). */
  notes?: boolean;
  levels: Level[]; // sorted by value; empty for a continuous scale
  flags: string[];
  /** Each flag of `flags`, described (same order); absent from older kernels. */
  flag_specs?: FlagSpec[];
  continuous: boolean;
  minimum: number | null;
  maximum: number | null;
  step: number | null;
}

/** The scale before the kernel has sent one. */
export const EMPTY_SCALE: ScaleSpec = {
  name: "",
  version: "",
  levels: [],
  flags: [],
  continuous: false,
  minimum: null,
  maximum: null,
  step: null,
};

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
  detail?: string; // kind "error": what the decoders said, in the reason's tooltip
  original_kind?: Kind; // kind "error": what the cell should have been
}

export interface Candidate {
  item_id: string;
  shown_position: number; // 0-based order in which this annotator sees the candidates
  parts: Part[];
  relevance: number | null; // current judgement from the store (null = unjudged)
  best: boolean; // current best-match pick
  flags?: string[]; // stored flags, e.g. ["broken-media"] (absent from kernels older than the judge batch)
  rank?: number | null; // pick task: 1 = best, 2 = second best, null = not picked
  note?: string | null; // the annotator's note on the pair (null or absent: none)
  meta?: { sources?: string[]; rank?: number | null; score?: number | null }; // only when show_sources
  /** Review (adjudication): what each annotator said about this pair. */
  reviews?: Review[];
}

/** One annotator's judgement of a pair, shown to the adjudicator. */
export interface Review {
  annotator: string;
  relevance: number | null;
  flags: string[];
  note: string | null;
  guideline_version: string | null;
}

export interface Page {
  index: number; // query position 0..n_queries-1
  query_id: string;
  query: { parts: Part[] };
  candidates: Candidate[]; // in shown order
  none_relevant: boolean;
  query_flags?: string[]; // the query's own flags (e.g. "ambiguous-query"); absent from older kernels
  query_note?: string | null; // the annotator's note on the query
  /** The guideline's concepts this query mentions, with their definitions (shown above it). */
  concepts?: Array<{ name: string; definition: string }>;
}

/**
 * One judgement in a `judge` batch. Every action has its own `request_id`.
 *
 * `duration_ms` is *active* time: the milliseconds since the previous judgement on this page (or
 * since the page was shown and the widget had the keyboard focus) during which the widget had the
 * focus, the tab was visible, and the annotator was not idle. Idle means no key or pointer event in
 * the widget for more than 30 s: the clock stops 30 s after the last such event and starts again at
 * the next one, so a coffee break in front of an open grid adds at most 30 s. Time with the focus
 * elsewhere (another cell, another window) or the tab hidden is not counted. See activity.ts.
 */
export type JudgeAction =
  | {
      op: "grade";
      request_id: number;
      query_id: string;
      item_id: string;
      relevance: number; // a level value (discrete scale) or a finite magnitude within range
      duration_ms: number;
    }
  | { op: "best"; request_id: number; query_id: string; item_id: string; best: boolean; duration_ms: number }
  | { op: "none"; request_id: number; query_id: string; none_relevant: boolean; duration_ms: number }
  | {
      op: "flag";
      request_id: number;
      query_id: string;
      item_id: string | null; // null: the query's own flag (one whose applies_to is "query" or "both")
      flag: string; // one of scale.flags that applies there
      on: boolean;
      duration_ms: number;
    }
  // pick task: rank 1 = best, 2 = second best, null = clear this candidate's pick
  | { op: "pick"; request_id: number; query_id: string; item_id: string; rank: 1 | 2 | null; duration_ms: number }
  | {
      op: "note";
      request_id: number;
      query_id: string;
      item_id: string | null; // null: the note on the query
      note: string; // at most MAX_NOTE characters; "" removes the note
      duration_ms: number;
    }
  | { op: "undo"; request_id: number }; // undoes this session's last accepted action

/** Longest note the kernel keeps (xmwidgets.widgets._input.MAX_NOTE). */
export const MAX_NOTE = 10_000;

/** The flag the UI sets with `m` and the tile's broken-media button. */
export const BROKEN_MEDIA = "broken-media";

/**
 * Browser -> kernel. Judgements travel in batches (group commit): the view sends an action at once
 * when no `judge` message is in flight, else queues it and sends every queued action in one message
 * when the in-flight one is acknowledged (batch.ts). The kernel knows what it showed; the browser
 * sends no shown_position or shown list.
 */
export type BrowserMessage =
  | { type: "ready" }
  | { type: "page"; request_id: number; index: number }
  | { type: "judge"; actions: JudgeAction[] };

/** The outcome of one action of a batch. */
export interface Result {
  request_id: number;
  status: "saved" | "refused";
  query_id: string;
  /** A short sentence for the annotator ("" = nothing to say): refusals, side effects, "query 7 done". */
  notice: string;
  /** Undo only: what was undone, so that the view can go to it. */
  undone?: { query_id: string; index: number; item_id: string | null };
}

/** A candidate's state as stored, after the batch. */
export interface StoredState {
  item_id: string;
  relevance: number | null;
  best: boolean;
  flags: string[];
  /** Pick task: 1 = best, 2 = second best, null = not picked. */
  rank?: number | null;
  note?: string | null; // absent from older kernels
}

/** A query touched by a batch: the stored states that changed (the view adopts them: the kernel wins). */
export interface QueryAck {
  index: number;
  states: StoredState[];
  none_relevant: boolean;
  query_flags?: string[]; // the query's own flags and note after the batch (absent: older kernel)
  query_note?: string | null;
  done: boolean;
  judged: number;
  total: number;
}

export type KernelMessage =
  | { type: "page"; request_id: number | null; index: number; page: Page }
  | {
      type: "ack"; // ONE per judge batch, sent once its events are durable in the store
      results: Result[];
      queries: Record<string, QueryAck>;
      progress: Progress;
    }
  | { type: "error"; request_id: number | null; message: string }
  // candidates were added to these queries (add_candidates): their cached pages are out of date
  | { type: "invalidate"; indices: number[] | "all" };
