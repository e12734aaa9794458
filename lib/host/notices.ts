/**
 * Gives the host's operator its notices: at a bounded rate for connections that have not proven
 * the password, each with what is known about its address, one after another in the order they
 * were given.
 *
 * @module
 */
import { describeError, isProgrammingError, Serial } from "../util/mod.ts";
import { type AddressInfo, formatAddressInfo } from "./address_info.ts";
import { type HostNotice, type HostOptions, ONION_ADDRESS } from "./host_options.ts";
import { NoticeRate } from "./notice_rate.ts";
import type { Say } from "./notice_text.ts";

/** What is known about an address, or the bug that kept it from being known. */
interface Described {
  info?: AddressInfo;
  bug?: unknown;
}

/** The host's notices, on their way to `onNotice`. */
export class Notices {
  readonly #serial = new Serial();
  readonly #rate: NoticeRate;
  readonly #describe: HostOptions["describe"];
  readonly #onNotice: HostOptions["onNotice"];

  constructor(options: Pick<HostOptions, "describe" | "onNotice">, rate = new NoticeRate()) {
    this.#describe = options.describe;
    this.#onNotice = options.onNotice;
    this.#rate = rate;
  }

  /**
   * Queues notices; each is given once its address is described (a second or two at most).
   * A failure of `onNotice` is the caller's bug: it is left to surface, not caught here.
   */
  give(...says: Say[]): void {
    for (const say of says) for (const passed of this.#rate.pass(say)) this.#queue(passed);
  }

  /** Resolves once every notice given so far has been delivered. */
  get idle(): Promise<void> {
    return this.#serial.idle;
  }

  #queue(say: Say): void {
    const describe = say.plain || say.address === ONION_ADDRESS ? undefined : this.#describe;
    // Described at once, in parallel; delivered in order.
    const described: Promise<Described | undefined> = describe
      ? describe(say.address).then(
        (info) => ({ info }),
        // An address that cannot be described is said without; a bug is said as one.
        (error) => (isProgrammingError(error) ? { info: {}, bug: error } : { info: {} }),
      )
      : Promise.resolve(undefined);
    void this.#serial.run(async () => {
      const known = await described;
      this.#deliver(say, known?.info);
      if (known?.bug) {
        this.#deliver({
          code: "internal",
          text: `Describing ${say.address} failed: ${describeError(known.bug)}`,
          address: say.address,
        });
      }
    });
  }

  #deliver(say: Say, info?: AddressInfo): void {
    const details = info ? formatAddressInfo(info) : "";
    const notice: HostNotice = {
      code: say.code,
      text: details ? `${say.text} [${details}]` : say.text,
      address: say.address,
      ...(info && Object.keys(info).length > 0 ? { info } : {}),
    };
    this.#onNotice(notice);
  }
}
