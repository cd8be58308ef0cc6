import { stringAt } from './json-fields';
import { readHeader } from './request-headers';
import { constantTimeEqual, hexBodyHmacMatches, hubSignatureHex, someChecked } from './signature-checks';

describe('someChecked', () => {
  it('checks every item even after one matched, so the time does not tell which secret matched', () => {
    const checked: string[] = [];
    const result = someChecked(['first', 'second', 'third'], (item) => {
      checked.push(item);
      return item === 'first';
    });
    expect(result).toBe(true);
    expect(checked).toEqual(['first', 'second', 'third']);
    expect(someChecked([], () => true)).toBe(false);
  });
});

describe('constantTimeEqual', () => {
  it('compares strings of any length', () => {
    expect(constantTimeEqual('secret', 'secret')).toBe(true);
    expect(constantTimeEqual('secret', 'secre')).toBe(false);
    expect(constantTimeEqual('', 'secret')).toBe(false);
    expect(constantTimeEqual('secret', 'Secret')).toBe(false);
  });
});

describe('hexBodyHmacMatches and hubSignatureHex', () => {
  it('matches GitHub\'s published test vector and nothing near it', () => {
    const body = Buffer.from('Hello, World!', 'utf8');
    const hex = '757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    expect(hexBodyHmacMatches(hex, body, ["It's a Secret to Everybody"])).toBe(true);
    expect(hexBodyHmacMatches(hex.slice(0, 63), body, ["It's a Secret to Everybody"])).toBe(false);
    expect(hexBodyHmacMatches(`${hex}00`, body, ["It's a Secret to Everybody"])).toBe(false);
    expect(hubSignatureHex(`sha256=${hex}`)).toBe(hex);
    expect(hubSignatureHex(`SHA256=${hex}`)).toBe(hex);
    expect(hubSignatureHex(hex)).toBeUndefined();
  });
});

describe('readHeader', () => {
  it('reads a string or the first of an array, and treats blank as absent', () => {
    expect(readHeader({ 'x-a': ' value ' }, 'X-A')).toBe('value');
    expect(readHeader({ 'x-a': ['first', 'second'] }, 'x-a')).toBe('first');
    expect(readHeader({ 'x-a': '   ' }, 'x-a')).toBeUndefined();
    expect(readHeader({ 'x-a': [] }, 'x-a')).toBeUndefined();
    expect(readHeader({}, 'x-a')).toBeUndefined();
  });
});

describe('stringAt', () => {
  it('reads a string along a path, and null for anything else', () => {
    const body = { object_attributes: { action: 'open', iid: 3 }, list: ['a'] };
    expect(stringAt(body, 'object_attributes', 'action')).toBe('open');
    expect(stringAt(body, 'object_attributes', 'iid')).toBeNull();
    expect(stringAt(body, 'missing', 'action')).toBeNull();
    expect(stringAt(body, 'list', '0')).toBeNull();
    expect(stringAt(null, 'action')).toBeNull();
  });
});
