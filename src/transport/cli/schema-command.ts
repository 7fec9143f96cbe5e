import { writeFileSync } from 'node:fs';
import { printSignetSchema } from '../graphql/print-schema';

/** `signet schema [--out file]`: the SDL that `schema/schema.graphql` must equal. */
export function writeSchema(out?: string): void {
  const sdl = printSignetSchema();
  if (out) writeFileSync(out, sdl);
  else process.stdout.write(sdl);
}
