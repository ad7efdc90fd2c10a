/**
 * The tickets' push after a failure: a sale does not cut its backoff short (a server that is
 * away is not hammered), the server seen again does (the tickets flow at once when the network
 * returns). The backoff here is an hour, so only a wake can bring the page up within the test;
 * what is asserted is the order of events, never a duration. A real till store (in memory); the
 * server is the `send` function, refusing while "down".
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cashSale, openTestTill, type TestTill } from '../test/support/test-till.ts';
import { TicketPusher } from './ticket-push.ts';

const HOUR = 3_600_000;

async function until(what: string, fn: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let till: TestTill | null = null;
let pusher: TicketPusher | null = null;
afterEach(async () => {
  await pusher?.stop();
  await till?.close();
  pusher = null;
  till = null;
});

describe('the tickets push after a failure', () => {
  it('keeps its backoff through a sale, and pushes at once when the server is seen again', async () => {
    till = await openTestTill();
    const events: string[] = [];
    let serverUp = false;
    pusher = new TicketPusher({
      store: till.store,
      retryDelay: () => HOUR,
      send: async (tickets) => {
        events.push(`send ${tickets.map((t) => t.number).join(',')}: ${serverUp ? 'accepted' : 'refused'}`);
        if (!serverUp) throw new Error('connect ECONNREFUSED');
      },
    });
    await cashSale(till.svc);
    pusher.start();
    await until('the first try', () => events.length === 1);

    // A sale while the push waits out its hour: it wakes the loop, which keeps waiting.
    await cashSale(till.svc);
    pusher.wake();
    events.push('sale 2');
    // Time for a wrongly woken loop to read the store and send (a few ms); nothing is sent.
    await new Promise((r) => setTimeout(r, 200));

    serverUp = true;
    events.push('server seen again');
    pusher.serverBack();
    await pusher.awaitInSync();
    expect(events).toEqual(['send 1: refused', 'sale 2', 'server seen again', 'send 1,2: accepted']);
  });

  it('the server seen again during a failing request gives one more try at once, then the backoff holds', async () => {
    till = await openTestTill();
    const events: string[] = [];
    pusher = new TicketPusher({
      store: till.store,
      retryDelay: () => HOUR,
      send: async (tickets) => {
        events.push(`send ${tickets.map((t) => t.number).join(',')}`);
        // The health probe saw the server just as this request failed: one more try, at once.
        if (events.length === 1) pusher!.serverBack();
        if (events.length <= 2) throw new Error('HTTP 503');
      },
    });
    await cashSale(till.svc);
    pusher.start();
    await until('two tries', () => events.length === 2);
    // The second failure waits its hour: no third try until the server is seen again.
    await new Promise((r) => setTimeout(r, 200));
    expect(events).toEqual(['send 1', 'send 1']);
    pusher.serverBack();
    await pusher.awaitInSync();
    expect(events).toEqual(['send 1', 'send 1', 'send 1']);
  });
});
