import { describe, expect, it } from 'vitest';
import { account } from '../test-support/fixtures.ts';
import { accountToForm, codecList, formToFields, move, validateAccountForm } from './account-form.ts';

describe('account form', () => {
  it('round-trips an account without changing it', () => {
    const a = account({ registrar: 'sip:reg.example.com', identityRules: [{ match: { prefix: '0', maxDigits: 11 }, identity: 'sip:45678901@sipa.example.com' }] });
    const fields = formToFields(accountToForm(a));
    expect(fields).toEqual({
      displayName: 'John Doe',
      aor: 'sip:johndoe@sipa.example.com',
      authUser: null,
      registrar: 'sip:reg.example.com',
      outboundProxy: null,
      transport: 'udp',
      codecs: ['opus', 'PCMU'],
      srtp: 'optional',
      dtmf: 'rfc4733',
      autoAnswer: false,
      enabled: true,
      aliases: ['sip:+554845678901@sipa.example.com', 'sip:45678901@sipa.example.com'],
      identityRules: [{ match: { prefix: '0', maxDigits: 11 }, identity: 'sip:45678901@sipa.example.com' }],
      registerExpires: 3600,
      usePreferredIdentity: true,
      tlsCaFile: null,
      tlsPin: null,
      sdesInClear: false,
      privacy: 'none',
      stunServer: null,
      turnServer: null,
    });
    expect('password' in fields).toBe(false);
  });

  it('keeps a distinct auth user, sends a typed password untrimmed, drops empty aliases', () => {
    const form = accountToForm(account({ authUser: 'jd-auth' }));
    expect(form.authUser).toBe('jd-auth');
    form.password = ' secret ';
    form.aliases.push('  ');
    const fields = formToFields(form);
    expect(fields.password).toBe(' secret ');
    expect(fields.aliases).toHaveLength(2);
    expect(fields.authUser).toBe('jd-auth');
  });

  it('adds the sip: scheme people leave out, and keeps sips:', () => {
    const form = accountToForm(undefined);
    form.aor = ' ann@sip.example.com ';
    form.aliases = ['+15550100@sip.example.com', 'sips:ann@secure.example.com'];
    form.registrar = '127.0.0.1:5060';
    form.outboundProxy = 'proxy.example.com;lr';
    form.identityRules = [{ prefix: '+1', regex: '', minDigits: '', maxDigits: '', identity: '+15550100@sip.example.com' }];
    const fields = formToFields(form);
    expect(fields.aor).toBe('sip:ann@sip.example.com');
    expect(fields.aliases).toEqual(['sip:+15550100@sip.example.com', 'sips:ann@secure.example.com']);
    expect(fields.registrar).toBe('sip:127.0.0.1:5060');
    expect(fields.outboundProxy).toBe('sip:proxy.example.com;lr');
    expect(fields.identityRules).toEqual([{ match: { prefix: '+1' }, identity: 'sip:+15550100@sip.example.com' }]);
  });

  it('lists enabled codecs first in their order, then the rest disabled', () => {
    expect(codecList(['PCMA', 'opus'])).toEqual([
      { name: 'PCMA', enabled: true },
      { name: 'opus', enabled: true },
      { name: 'G722', enabled: false },
      { name: 'PCMU', enabled: false },
    ]);
  });

  it('says what is wrong, field by field', () => {
    const form = accountToForm(undefined);
    form.aor = 'not an address';
    form.aliases = ['ok@example.com', 'bad alias'];
    form.registerExpires = '10';
    form.codecs = form.codecs.map((c) => ({ ...c, enabled: false }));
    form.identityRules = [
      { prefix: '', regex: '(', minDigits: '', maxDigits: '', identity: 'a@b' },
      { prefix: '', regex: '', minDigits: '', maxDigits: '', identity: 'a@b' },
      { prefix: '', regex: '', minDigits: '9', maxDigits: '4', identity: 'a@b' },
    ];
    const errors = validateAccountForm(form);
    expect(Object.keys(errors).sort()).toEqual(['aliases.1', 'aor', 'codecs', 'identityRules.0', 'identityRules.1', 'identityRules.2', 'registerExpires']);
    expect(errors['identityRules.0']).toMatch(/regular expression/);
    expect(errors['identityRules.2']).toMatch(/above/);
    form.aor = 'sip:alice@example.com';
    expect(validateAccountForm(form).aor).toBeUndefined();
  });

  it('moves list items and refuses to move past the ends', () => {
    expect(move(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
    expect(move(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
  });

  it('TLS trust: a pinned fingerprint is checked, a CA file path kept; SDES without TLS is an explicit choice', () => {
    const form = accountToForm(account({ transport: 'tls' }));
    expect(form.sdesInClear).toBe(false);
    form.tlsPin = 'not a fingerprint';
    expect(validateAccountForm(form).tlsPin).toMatch(/SHA-256 fingerprint/);
    form.tlsPin = 'AB:'.repeat(31) + 'AB';
    form.tlsCaFile = ' /etc/provider-ca.pem ';
    expect(validateAccountForm(form).tlsPin).toBeUndefined();
    const fields = formToFields(form);
    expect(fields.tlsPin).toBe('AB:'.repeat(31) + 'AB');
    expect(fields.tlsCaFile).toBe('/etc/provider-ca.pem');
  });

  it('STUN and TURN servers: checked as the engine checks them; the TURN password goes only when typed', () => {
    const form = accountToForm(account({ stunServer: 'stun.example.org:3478', turnServer: 'alice@turn.example.org', hasTurnPassword: true }));
    expect(form.turnPassword).toBe('');
    let fields = formToFields(form);
    expect(fields.stunServer).toBe('stun.example.org:3478');
    expect(fields.turnServer).toBe('alice@turn.example.org');
    expect('turnPassword' in fields).toBe(false);
    form.turnPassword = ' pw ';
    fields = formToFields(form);
    expect(fields.turnPassword).toBe(' pw ');
    form.stunServer = 'stun:stun.example.org';
    form.turnServer = 'turn.example.org:3478';
    const errors = validateAccountForm(form);
    expect(errors.stunServer).toMatch(/host:port/);
    expect(errors.turnServer).toMatch(/user@host:port/);
    form.stunServer = ' ';
    form.turnServer = '';
    expect(validateAccountForm(form).stunServer).toBeUndefined();
    expect(formToFields(form).stunServer).toBeNull();
  });
});
