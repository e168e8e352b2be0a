/**
 * The one ESM bundle of every xmwidgets widget: the shell (js/src/shell/) and the task bodies
 * (js/src/tasks/). The kernel's `task` trait says which body a widget shows.
 *
 * One bundle rather than one per widget: the shell (header, keys, pages, acks, notices, media) is
 * most of the code and each task body is small, so the browser loads, parses and caches one module
 * for all of them, and an anywidget ESM cannot import a shared chunk by a relative URL anyway.
 */

import "./widgets.css";
import type { Initialize, Render } from "@anywidget/types";
import type { GridTraits } from "./shell/protocol";
import { renderGrid } from "./tasks/grade";
import { renderPair } from "./tasks/pair";

type Renderer = (props: Parameters<Render<GridTraits>>[0]) => () => void;

/** Task name (the kernel's `task` trait) -> the function that renders it. */
export const TASKS: Record<string, Renderer> = {
  grade: (props) => renderGrid(props),
  pair: (props) => renderPair(props),
};

const render: Render<GridTraits> = (props) => {
  const task = String(props.model.get("task") ?? "grade") || "grade";
  const renderTask = TASKS[task];
  if (!renderTask) {
    const problem = document.createElement("div");
    problem.className = "xmw-error-banner";
    problem.textContent = `xmwidgets: this front end has no task "${task}"; rebuild the bundle (npm run build in js/)`;
    props.el.append(problem);
    return () => problem.remove();
  }
  return renderTask(props);
};
const initialize: Initialize<GridTraits> = () => undefined;

export default { initialize, render };
