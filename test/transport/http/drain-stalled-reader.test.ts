import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../../helpers/eventually';
import { perTestHttpServers } from '../../helpers/http-server';

// A client that writes requests and does not read the answers: once the kernel's buffers are full,
// the server's socket holds the answers, and before, a draining server waited for them until the
// connection's 30 s idle timeout, past `serve`'s 10 s grace (serve exited 1).

/**
 * More answers of /chunk (16 KiB each: 32 MiB in all) than both kernels' buffers on loopback hold.
 * The reviewer's client sent 20,000 /healthz; so many small requests took a loaded machine more
 * than 20 s to answer before the buffers filled.
 */
const PIPELINED = 2_000;
const CHUNK_BYTES = 16 * 1024;
/** How long 50,000 small requests may take to fill the buffers (a CI run under load took more than 20 s). */
const QUEUED_WITHIN_MS = 60_000;
/** The drain's write deadline (end-connections-on-close.ts): a client whose answers do not move for this long is ended. */
const WRITE_STALL_MS = 2_000;
/** Far under `serve`'s 10 s grace and the 30 s idle timeout the drain waited for before. */
const DRAIN_BOUND_MS = WRITE_STALL_MS + 3_000;
/** Whether `promise` settles within `ms` (it is left running either way). */
const settlesWithin = (promise: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([promise.then(() => true, () => true), sleep(ms, false, { ref: false })]);

/** A raw-socket client that sent its requests and reads nothing until `read()`. */
interface NonReadingClient {
  /** Starts reading: everything the server sent, and sends from now on, is taken. */
  read(): void;
  /** Sends more (while the connection is open). */
  write(data: string): void;
  received(): string;
  /** Resolves when the connection closes (noticed only once the client reads). */
  closed: Promise<void>;
  /** Whether the connection ended with a reset (ECONNRESET) rather than the server's FIN. */
  resetByServer(): boolean;
  destroy(): void;
}

function nonReadingClient(port: number, requests: string): Promise<NonReadingClient> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let reset = false;
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(requests);
      resolve({
        read: () => socket.resume(),
        write: (data) => { if (!socket.destroyed && socket.writable) socket.write(data); },
        received: () => Buffer.concat(chunks).toString('latin1'),
        closed: new Promise<void>((done) => socket.once('close', () => done())),
        resetByServer: () => reset,
        destroy: () => socket.destroy(),
      });
    });
    socket.pause();
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET') reset = true;
      else reject(error);
    });
    // The server closed its side: this one closes too, as a client that was told `close` does.
    socket.once('end', () => socket.end());
  });
}

/** The status of each whole response in `received`, in order, and whether the last said Connection: close. */
function statuses(received: string): { statuses: number[]; closedByLast: boolean } {
  const found: number[] = [];
  let closedByLast = false;
  let at = 0;
  for (;;) {
    const end = received.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const head = received.slice(at, end);
    const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
    if (received.length < end + 4 + length) break;
    found.push(Number(head.split(' ')[1]));
    closedByLast = /\r\nconnection: close(\r\n|$)/i.test(head);
    at = end + 4 + length;
  }
  return { statuses: found, closedByLast };
}

const chunks = (count: number) => 'GET /chunk HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(count);
/**
 * /healthz requests (about 12 MB of answers, the reviewer's client sent 20,000): many are still
 * unread by the server when the buffers fill, and are read during the drain once the client reads.
 * On a loaded machine they take a while to answer before the buffers fill (QUEUED_WITHIN_MS).
 */
const SMALL_PIPELINED = 50_000;
const healthz = (count: number) => 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(count);

describe('a draining server and a client that does not read its answers', () => {
  const servers = perTestHttpServers();
  const start = async () => {
    // A request in flight until the test answers it.
    let heldStarted: () => void = () => undefined;
    const held = new Promise<void>((resolve) => { heldStarted = resolve; });
    let answerHeld: () => void = () => undefined;
    const heldMayAnswer = new Promise<void>((resolve) => { answerHeld = resolve; });
    servers.cleanups.push(answerHeld);
    // close() begun and the listener still open until the test says (Fastify closes it after the
    // preClose hooks): connections can arrive during the drain.
    let closeBegan: () => void = () => undefined;
    const began = new Promise<void>((resolve) => { closeBegan = resolve; });
    let endDrain: () => void = () => undefined;
    const drainMayEnd = new Promise<void>((resolve) => { endDrain = resolve; });
    servers.cleanups.push(endDrain);
    let holdingDrain = false;
    const { app, port } = await servers.start({}, (app) => {
      // An answer far larger than the kernel's buffers, at once.
      app.get('/big', async () => 'x'.repeat(32 * 1024 * 1024));
      // Answers that fill the buffers after a few hundred pipelined requests.
      app.get('/chunk', async () => 'x'.repeat(CHUNK_BYTES));
      app.get('/held', async () => {
        heldStarted();
        await heldMayAnswer;
        return { ok: true };
      });
      app.addHook('preClose', async () => {
        closeBegan();
        if (holdingDrain) await drainMayEnd;
      });
    });
    const sockets: Socket[] = [];
    app.server.on('connection', (socket: Socket) => sockets.push(socket));
    let parsed = 0;
    app.server.on('request', () => { parsed += 1; });
    /** Resolves once the server's side of the one connection holds answers its client has not taken. */
    const answersQueued = (withinMs = 20_000) => eventually(async () => {
      if (!(Number(sockets[0]?.writableLength) > 0)) throw new Error('no answer is queued on the server\'s socket yet');
    }, withinMs, 10);
    return {
      app, port, held, answerHeld, answersQueued,
      parsed: () => parsed, serverSide: () => sockets[0],
      holdDrain: () => { holdingDrain = true; return endDrain; }, closeBegan: began,
    };
  };
  const client = async (port: number, requests: string) => {
    const c = await nonReadingClient(port, requests);
    servers.cleanups.push(() => c.destroy());
    return c;
  };

  test('a client that pipelines requests and never reads the answers is ended after the write deadline, and close() resolves', async () => {
    const { app, port, answersQueued, serverSide } = await start();
    await client(port, chunks(PIPELINED));
    await answersQueued();
    const began = Date.now();
    const closing = app.close();
    expect(await settlesWithin(closing, DRAIN_BOUND_MS)).toBe(true);
    // Not at once: the client had the deadline to take its answers.
    expect(Date.now() - began).toBeGreaterThanOrEqual(WRITE_STALL_MS - 500);
    expect(serverSide().destroyed).toBe(true);
  }, 30_000);

  test.each([
    // Small answers: many requests are still unread by the server when the buffers fill, and are
    // read during the drain once the client reads.
    ['a client that starts reading again within the deadline gets every answer, in order, the last one closing the connection',
      healthz(SMALL_PIPELINED), QUEUED_WITHIN_MS, Infinity],
    // Big answers fill the buffers at once; thousands of small requests behind them are still in the
    // server's receive buffer when it closes. Closed at once, the socket sent a reset, and the
    // client's system dropped the answers it had not read yet, the one saying `close` among them.
    ['a client with requests still unread behind the closing answer gets every answer up to it: the server closes its side and lingers, it does not reset',
      chunks(PIPELINED) + healthz(20_000), 20_000, 5_000],
  ])('%s', async (_title, requests, queuedWithinMs, parsedNotAnsweredBelow) => {
    const { app, port, answersQueued, parsed } = await start();
    const c = await client(port, requests);
    await answersQueued(queuedWithinMs);
    // Read before the drain: each gets its 200.
    const answeredBefore = parsed();
    const closing = app.close();
    await sleep(WRITE_STALL_MS / 2);
    c.read();
    expect(await settlesWithin(c.closed, DRAIN_BOUND_MS)).toBe(true);
    expect(await settlesWithin(closing, DRAIN_BOUND_MS)).toBe(true);
    const answers = statuses(c.received());
    // Then the requests read during the drain are refused (503 SHUTTING_DOWN) up to the one whose
    // answer closes the connection; those behind it are not processed.
    const ok = answers.statuses.indexOf(503) < 0 ? answers.statuses.length : answers.statuses.indexOf(503);
    expect(ok).toBeGreaterThanOrEqual(answeredBefore);
    expect(answers.statuses.slice(ok).every((status) => status === 503)).toBe(true);
    expect(answers.closedByLast).toBe(true);
    expect(c.resetByServer()).toBe(false);
    // What the server reads while lingering is dropped, not parsed: parsed, each request behind the
    // closing answer became a request object, ran the hooks and was logged as aborted (tens of
    // thousands of log lines from one connection: 16,131 of the 20,000 here). What Node parsed
    // between the closing answer's decision and its end stays unanswered: a few reads of 64 KiB
    // (about 1,870 of these requests each) at most; 0 in the runs seen.
    expect(parsed() - answers.statuses.length).toBeLessThan(parsedNotAnsweredBelow);
  }, QUEUED_WITHIN_MS + 30_000);

  test('a client dripping a request head byte by byte is not taken for one receiving requests: the drain ends it with 408 at once', async () => {
    // A connection that read a whole request since the last look is left to finish; a dripping
    // head is not a request read, so it does not hold the drain (the header deadline stops when
    // closing begins).
    const { app, port, holdDrain, closeBegan } = await start();
    // It arrives during the drain: the first look, which ends every connection then without a
    // request in flight, has passed; the sweep's looks decide.
    const endDrain = holdDrain();
    const closing = app.close();
    await closeBegan;
    const dripper = connect(port, '127.0.0.1');
    let received = '';
    dripper.on('data', (chunk: Buffer) => { received += chunk.toString('latin1'); });
    dripper.on('error', () => undefined);
    await new Promise<void>((resolve) => dripper.once('connect', () => resolve()));
    dripper.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Drip: ');
    const drip = setInterval(() => { if (!dripper.destroyed) dripper.write('a'); }, 20);
    try {
      await eventually(async () => {
        if (!received.startsWith('HTTP/1.1 408 ')) throw new Error(`no 408 yet: ${JSON.stringify(received.slice(0, 40))}`);
      }, 1_500, 10);
      endDrain();
      expect(await settlesWithin(closing, 2_000)).toBe(true);
    } finally {
      clearInterval(drip);
      dripper.destroy();
    }
  }, 30_000);

  test('a client still sending requests behind the closing answer, reading only later, gets that answer and the server\'s FIN: the drain leaves the lingering connection to its linger', async () => {
    // Nothing behind the closing answer is parsed, so the connection looks quiet to the drain's
    // looks (no answer being written, no request read since): ended by them within 200 ms while the
    // client still sent, it reset, and the client lost the answer it had not read yet.
    const { app, port, held, answerHeld, closeBegan } = await start();
    // Behind it, the start of a head: Node's parser, taken off the input with it half read, was then
    // told the client's end of input and reported a client error the client never made (logged).
    const clientErrors: string[] = [];
    app.server.on('clientError', (error: NodeJS.ErrnoException) => clientErrors.push(String(error.code)));
    const c = await client(port, 'GET /held HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHo');
    await held;
    const closing = app.close();
    await closeBegan;
    answerHeld();
    const sending = setInterval(() => c.write(healthz(1)), 20);
    try {
      await sleep(1_000);
      c.read();
      expect(await settlesWithin(c.closed, DRAIN_BOUND_MS)).toBe(true);
    } finally {
      clearInterval(sending);
    }
    expect(await settlesWithin(closing, DRAIN_BOUND_MS)).toBe(true);
    expect(statuses(c.received())).toEqual({ statuses: [200], closedByLast: true });
    expect(c.resetByServer()).toBe(false);
    expect(clientErrors).toEqual([]);
  }, 30_000);

  test('a connection whose answer is not taken is kept while a request behind it is still processed, then ended after the deadline', async () => {
    const { app, port, held, answerHeld, answersQueued, serverSide } = await start();
    await client(port, 'GET /big HTTP/1.1\r\nHost: x\r\n\r\nGET /held HTTP/1.1\r\nHost: x\r\n\r\n');
    await held;
    await answersQueued();
    const closing = app.close();
    // Its handler still runs: the connection, and so the server, wait for it past the deadline.
    expect(await settlesWithin(closing, WRITE_STALL_MS + 1_000)).toBe(false);
    expect(serverSide().destroyed).toBe(false);
    answerHeld();
    expect(await settlesWithin(closing, DRAIN_BOUND_MS)).toBe(true);
    expect(serverSide().destroyed).toBe(true);
  }, 30_000);
});
