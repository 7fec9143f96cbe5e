import pino, { type Logger } from 'pino';
import { Writable } from 'node:stream';

/** A pino logger whose JSON lines are kept in memory, so tests can assert on what was logged. */
export function captureLogger(level: pino.Level = 'info'): { logger: Logger; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ level }, stream);
  const text = () => chunks.join('');
  return { logger, text, lines: () => text().split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

/** A logger that writes nothing. */
export const silentLogger: Logger = pino({ level: 'silent' });
