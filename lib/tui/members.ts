/**
 * Who is in the room, as the terminal needs it: the names Tab completes, and the user's own.
 * Pure: follows the events shown.
 *
 * @module
 */
import type { ChatEvent } from "../events.ts";
import { sanitize } from "./sanitize.ts";

/** The names of the room's members, kept up to date from the events shown. */
export class MemberNames {
  /** Names by their lower case: a name comes back as the host last spelled it. */
  readonly #names = new Map<string, string>();
  #self: string | null = null;

  /** The user's own name, once the room has welcomed them. */
  get self(): string | null {
    return this.#self;
  }

  /** Takes in an event: a welcome, someone joining or leaving, a list of who is here. */
  track(event: ChatEvent): void {
    if (event.type === "welcome") {
      this.#self = event.name;
      for (const m of event.members) this.#add(m.name);
    } else if (event.type === "joined") this.#add(event.name);
    else if (event.type === "left") this.#names.delete(event.name.toLowerCase());
    else if (event.type === "who") {
      this.#names.clear();
      for (const m of event.members) this.#add(m.name);
    }
  }

  /** The names of the others (not the user), made safe to print. */
  others(): string[] {
    return [...this.#names.values()].filter((name) => name !== this.#self).map(sanitize);
  }

  #add(name: string): void {
    this.#names.set(name.toLowerCase(), name);
  }
}
