/**
 * The toy domain of the notes example: notes kept in memory, nothing else. Each change tells
 * `journal` how to undo it, so a transaction that fails takes its note back (see
 * `createMemoryTransactionRunner` of `@signet/idempotency`); a test counts the notes to see
 * that twenty duplicate `addNote` calls wrote one.
 */

/** One note. */
export interface Note {
  readonly id: string;
  /** Who wrote it: the account of the key that signed the request. */
  readonly author: string;
  readonly text: string;
  /** ISO 8601 instant. */
  readonly createdAt: string;
}

/** Longest note accepted, in characters. */
export const MAX_NOTE_LENGTH = 1000;

/** Registers how to undo a change just made, for the transaction it was made in (if any). */
export type Journal = (undo: () => void) => void;

/** The notes of every author, in the order they were written. */
export class Notebook {
  readonly #notes: Note[] = [];
  /** Like a database sequence: an id taken by a rolled-back note is not given again. */
  #lastId = 0;
  #writes = 0;

  constructor(
    private readonly journal: Journal = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** How many notes the notebook holds (written and not rolled back). */
  get size(): number {
    return this.#notes.length;
  }

  /** How many times `add` wrote a note, rolled back or not. */
  get writes(): number {
    return this.#writes;
  }

  /** Writes a note; refuses empty or overlong text. */
  add(author: string, text: string): Note {
    if (text.trim() === '' || text.length > MAX_NOTE_LENGTH) throw new RangeError(`a note has 1 to ${MAX_NOTE_LENGTH} characters`);
    this.#lastId += 1;
    const note: Note = { id: String(this.#lastId), author, text, createdAt: new Date(this.now()).toISOString() };
    this.#notes.push(note);
    this.#writes += 1;
    this.journal(() => this.#notes.splice(this.#notes.indexOf(note), 1));
    return note;
  }

  /** The notes, oldest first. */
  list(): readonly Note[] {
    return [...this.#notes];
  }
}
