import { assertEquals } from "../assert.ts";
import type { MemberView } from "../../lib/events.ts";
import { MemberNames } from "../../lib/tui/members.ts";

const TIME = "2025-01-01T00:00:00.000Z";
const FINGERPRINT = "00000 00000 00000 00000 00000 00000";
const member = (name: string): MemberView => ({
  name,
  host: false,
  since: TIME,
  fingerprint: FINGERPRINT,
  status: "new",
});

Deno.test("the names Tab completes follow welcomes, joins, leaves and /who", () => {
  const names = new MemberNames();
  assertEquals(names.self, null);
  names.track({
    type: "welcome",
    name: "me",
    host: false,
    fingerprint: FINGERPRINT,
    members: [member("bob"), member("me")],
  });
  assertEquals(names.self, "me");
  assertEquals(names.others(), ["bob"]);
  names.track({
    type: "joined",
    name: "Carol",
    time: TIME,
    fingerprint: FINGERPRINT,
    status: "new",
  });
  assertEquals(names.others(), ["bob", "Carol"]);
  names.track({ type: "left", name: "BOB", reason: "quit", time: TIME });
  assertEquals(names.others(), ["Carol"]);
  names.track({ type: "who", members: [member("me"), member("dave")] });
  assertEquals(names.others(), ["dave"]);
  names.track({ type: "notice", text: "hello", time: TIME } as never);
  assertEquals(names.others(), ["dave"]);
});

Deno.test("a name the host sends with escapes comes back inert", () => {
  const names = new MemberNames();
  names.track({
    type: "joined",
    name: "eve\x1b[2J",
    time: TIME,
    fingerprint: FINGERPRINT,
    status: "new",
  });
  assertEquals(names.others().some((name) => name.includes("\x1b")), false);
});
