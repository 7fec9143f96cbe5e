import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderErrorsDoc } from '../src/transport/errors-doc.generator';

describe('ERRORS.md', () => {
  const committed = readFileSync(join(__dirname, '..', 'ERRORS.md'), 'utf8');

  test('holds the tables the source defines (run `npm run errors-doc` after changing an error table)', () => {
    expect(committed).toBe(renderErrorsDoc(committed));
  });

  test('a table edited by hand is written back from the source', () => {
    const edited = committed.replace('| `NOT_FOUND` | 404 | no |', '| `NOT_FOUND` | 410 | no |');
    expect(edited).not.toBe(committed);
    expect(renderErrorsDoc(edited)).toBe(committed);
  });

  test('a page that lost a table\'s markers is refused, not silently left stale', () => {
    const unmarked = committed.replace(/<!-- \/generated:user-codes -->/, '');
    expect(() => renderErrorsDoc(unmarked)).toThrow('generated:user-codes');
  });
});
