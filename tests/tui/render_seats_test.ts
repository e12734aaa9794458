import { assertEquals } from "../assert.ts";
import { renderEvent } from "../../lib/tui/render.ts";
import type { ChatEvent, MemberView } from "../../lib/events.ts";

const member = (name: string, status: MemberView["status"], host = false): MemberView => ({
  name,
  host,
  since: "2026-11-21T10:00:00.000Z",
  fingerprint: "FP",
  status,
});

Deno.test("your own key on another seat is named so, in the list and when it joins", () => {
  const who: ChatEvent = {
    type: "who",
    members: [member("hana", "you", true), member("hana2", "your-key")],
  };
  assertEquals(renderEvent(who), "2 in the room: hana (host, you), hana2 (your key)");
  const joined: ChatEvent = {
    type: "joined",
    name: "hana2",
    time: "2026-11-21T10:05:00.000Z",
    fingerprint: "FP",
    status: "your-key",
  };
  assertEquals(renderEvent(joined, { timestamps: false }), "→ hana2 joined · your key · FP");
});
