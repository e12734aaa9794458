/** Two ends of a real TCP connection on loopback, for transport tests. */
import { connectTcp, listenTcp } from "../../lib/transport/tcp.ts";

/** A connected pair: `client` and `server`, and the address the server saw. */
export async function socketPair() {
  const listening = listenTcp({ bind: "127.0.0.1", port: 0 });
  const accepts = listening.accept()[Symbol.asyncIterator]();
  const [client, accepted] = await Promise.all([
    connectTcp("127.0.0.1", listening.port),
    accepts.next(),
  ]);
  listening.close();
  await accepts.return?.();
  return { client, server: accepted.value!.conn, address: accepted.value!.address };
}
