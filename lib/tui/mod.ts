/**
 * The user's side: events, their rendering, and the terminal and `--json` interfaces.
 *
 * @module
 */
export * from "../events.ts";
export * from "./json_ui.ts";
export * from "./render.ts";
export * from "./sanitize.ts";
export * from "./text_ui.ts";
export * from "./ui.ts";
