import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeControlCharacters } from '../src-main/log.js';

describe('log lines', () => {
  it('are one line whatever a file name holds: controls and line separators escaped, other text kept', () => {
    assert.equal(escapeControlCharacters('a\nERROR forged\r\tb\u0000c\u2028d\u0085 é ✓'), 'a\\nERROR forged\\r\\tb\\u0000c\\u2028d\\u0085 é ✓');
  });
});
