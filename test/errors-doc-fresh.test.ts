import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderErrorsDoc } from '../src/transport/errors-doc.generator';
import { SDK_ERROR_CODES_PATH, renderSdkErrorCodes } from '../src/transport/sdk-error-codes.generator';

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

describe('the SDK\'s error-code lists', () => {
  test('are what the tables write (run `npm run errors-doc` after changing an error table)', () => {
    expect(readFileSync(join(__dirname, '..', SDK_ERROR_CODES_PATH), 'utf8')).toBe(renderSdkErrorCodes());
  });
});
