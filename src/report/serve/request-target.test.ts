import { describe, expect, it } from 'vitest';
import { parseRequestTarget } from './request-target.ts';

function segments(raw: string): string[] {
  const r = parseRequestTarget(raw);
  if (!r.ok) throw new Error(`refused ${raw}: ${r.reason}`);
  return r.target.segments;
}

describe('parseRequestTarget', () => {
  it('accepts ordinary paths and keeps the query apart', () => {
    expect(segments('/')).toEqual(['']);
    expect(segments('/runs/3/d/ab/abcdef.html')).toEqual(['runs', '3', 'd', 'ab', 'abcdef.html']);
    expect(segments('/runs/3/')).toEqual(['runs', '3', '']);
    expect(segments('/policies/v6.0-rc1.html')).toEqual(['policies', 'v6.0-rc1.html']);
    const r = parseRequestTarget('/diff?a=1&b=2');
    expect(r.ok && r.target.query.get('b')).toBe('2');
    expect(segments('/a%20b')).toEqual(['a b']);
  });

  it.each([
    ['/../etc/passwd'],
    ['/runs/../../etc/passwd'],
    ['/assets/..'],
    ['/./assets/report.css'],
    ['/%2e%2e/etc/passwd'],
    ['/%2E%2E/%2e%2e/etc/passwd'],
    ['/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd'],
    ['/assets/..%2f..%2fetc%2fpasswd'],
    ['/%252e%252e/etc/passwd'],
    ['/%25252e%25252e/etc/passwd'],
    ['/assets/.%2e/x'],
    ['/assets/..\\..\\etc\\passwd'],
    ['/assets/%5c..%5cx'],
    ['/assets/report.css%00.html'],
    ['//etc/passwd'],
    ['/assets//etc/passwd'],
    ['/assets/%2Fetc%2Fpasswd'],
    ['/C:/Windows/win.ini'],
    ['/assets/c:%5cwindows'],
    ['http://127.0.0.1/../etc/passwd'],
    ['*'],
    ['etc/passwd'],
    ['/%zz'],
    ['/%E0%A4%A'],
  ])('refuses %s', (raw) => {
    const r = parseRequestTarget(raw);
    expect(r.ok).toBe(false);
  });

  it('refuses an empty or missing target', () => {
    expect(parseRequestTarget(undefined).ok).toBe(false);
    expect(parseRequestTarget('').ok).toBe(false);
  });
});
