/**
 * The toy domain of the notes example: notes kept in memory, nothing else. It counts how often
 * `add` ran, so a test can see that twenty duplicate `addNote` calls wrote one note.
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

/** The notes of every author, in the order they were written. */
export class Notebook {
  readonly #notes: Note[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** How many notes were written (each call of `add` that returned). */
  get executions(): number {
    return this.#notes.length;
  }

  /** Writes a note; refuses empty or overlong text. */
  add(author: string, text: string): Note {
    if (text.trim() === '' || text.length > MAX_NOTE_LENGTH) throw new RangeError(`a note has 1 to ${MAX_NOTE_LENGTH} characters`);
    const note: Note = { id: String(this.#notes.length + 1), author, text, createdAt: new Date(this.now()).toISOString() };
    this.#notes.push(note);
    return note;
  }

  /** The notes, oldest first. */
  list(): readonly Note[] {
    return [...this.#notes];
  }
}
