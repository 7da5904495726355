import { describe, expect, it } from 'vitest';
import { parseXfcc, xfccSpiffeId, XfccSyntaxError } from './xfcc';

describe('x-forwarded-client-cert', () => {
  it('reads Istio’s element: keys in lower case, the quoted Subject unquoted', () => {
    const header = 'By=spiffe://cluster.local/ns/tollgate/sa/gateway;Hash=4d2f0e;Subject="";URI=spiffe://cluster.local/ns/shop/sa/checkout';
    expect(parseXfcc(header)).toEqual([
      [
        ['by', 'spiffe://cluster.local/ns/tollgate/sa/gateway'],
        ['hash', '4d2f0e'],
        ['subject', ''],
        ['uri', 'spiffe://cluster.local/ns/shop/sa/checkout'],
      ],
    ]);
    expect(xfccSpiffeId(header)).toBe('spiffe://cluster.local/ns/shop/sa/checkout');
  });

  it('keeps , ; = and escaped quotes inside a quoted value literal', () => {
    const header = 'Hash=aa;Subject="CN=checkout, O=\\"Shop; Inc\\", C=NL";URI=spiffe://prod.example/ns/a/sa/b,By=spiffe://x/y;URI=spiffe://x/z';
    const [first, second] = parseXfcc(header);
    expect(first).toEqual([
      ['hash', 'aa'],
      ['subject', 'CN=checkout, O="Shop; Inc", C=NL'],
      ['uri', 'spiffe://prod.example/ns/a/sa/b'],
    ]);
    expect(second).toEqual([
      ['by', 'spiffe://x/y'],
      ['uri', 'spiffe://x/z'],
    ]);
  });

  it('takes the last element only: the one the proxy nearest the gateway wrote', () => {
    // The first element is what the outer proxy was told by its own client: anyone could have written it.
    const header = 'By=spiffe://td/ns/edge/sa/ingress;URI=spiffe://td/ns/evil/sa/forged,By=spiffe://td/ns/tollgate/sa/gw;Hash=ff;URI=spiffe://td/ns/edge/sa/ingress';
    expect(xfccSpiffeId(header)).toBe('spiffe://td/ns/edge/sa/ingress');
    // Node joins a repeated header with ", ": the later line is still the last element.
    expect(xfccSpiffeId('URI=spiffe://td/a/one, URI=spiffe://td/a/two')).toBe('spiffe://td/a/two');
  });

  it('takes the first spiffe URI of the element, whatever the key’s case, skipping other URIs', () => {
    expect(xfccSpiffeId('Hash=1;uri=https://example.com/not-spiffe;URI=spiffe://td/ns/a/sa/one;Uri=spiffe://td/ns/a/sa/two')).toBe('spiffe://td/ns/a/sa/one');
    expect(xfccSpiffeId('Hash=1;URI="spiffe://td/ns/quoted/sa/q"')).toBe('spiffe://td/ns/quoted/sa/q');
  });

  it('answers null when the last element has no SPIFFE URI, even if an earlier one does', () => {
    expect(xfccSpiffeId('URI=spiffe://td/ns/a/sa/b,Hash=abc;Subject="CN=legacy";DNS=legacy.example.com')).toBeNull();
    expect(xfccSpiffeId('')).toBeNull();
    expect(xfccSpiffeId(' , ')).toBeNull();
  });

  it.each([
    ['an unterminated quote', 'Subject="CN=x;URI=spiffe://td/a', /quoted value of subject is not closed/],
    ['text after a quoted value', 'Subject="CN=x"junk;URI=spiffe://td/a', /text follows the quoted value of subject/],
    ['a pair without =', 'Hash=1;garbage;URI=spiffe://td/a', /"garbage" is not a Key=Value pair/],
  ])('refuses %s, naming it', (_, header, message) => {
    expect(() => parseXfcc(header)).toThrow(XfccSyntaxError);
    expect(() => parseXfcc(header)).toThrow(message);
  });
});
