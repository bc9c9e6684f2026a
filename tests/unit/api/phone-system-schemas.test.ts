/** The phoneSystem.* commands' params: user names, aliases and the domain as people type them; ports and passwords bounded. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMMAND_SCHEMAS } from '../../../electron/api/schemas.ts';

const ok = (name: keyof typeof COMMAND_SCHEMAS, value: unknown) => assert.equal(COMMAND_SCHEMAS[name].safeParse(value).success, true, `${name} should accept ${JSON.stringify(value)}`);
const bad = (name: keyof typeof COMMAND_SCHEMAS, value: unknown) => assert.equal(COMMAND_SCHEMAS[name].safeParse(value).success, false, `${name} should refuse ${JSON.stringify(value)}`);

test('phoneSystem.update: domain names, loopback/network, ports 1024–65535, nothing else', () => {
  ok('phoneSystem.update', {});
  ok('phoneSystem.update', { enabled: true, domain: 'office.example', exposure: 'network', port: 5070, redirect: true });
  ok('phoneSystem.update', { domain: 'home.arpa' });
  assert.equal((COMMAND_SCHEMAS['phoneSystem.update'].parse({ domain: ' Office.Example ' }) as { domain: string }).domain, 'office.example');
  for (const domain of ['', 'a b', '-x.example', 'x..example', 'x_y.example', `${'a'.repeat(64)}.example`, 'sip:office.example']) bad('phoneSystem.update', { domain });
  for (const port of [0, 80, 1023, 65536, 5070.5, '5070']) bad('phoneSystem.update', { port });
  bad('phoneSystem.update', { exposure: 'internet' });
  bad('phoneSystem.update', { bind: '0.0.0.0' });
});

test('phoneSystem.users.*: user parts without escapes, aliases once each, a password that is not empty', () => {
  ok('phoneSystem.users.add', { username: 'johndoe', password: 's3cret', aliases: ['+554845678901', '45678901'], displayName: 'John Doe', thisComputer: true });
  ok('phoneSystem.users.add', { username: '+554845678901', password: ' spaces count ' });
  for (const username of ['', 'john doe', 'john@doe', '<script>', '.john', 'a'.repeat(65), 'jo%20hn']) bad('phoneSystem.users.add', { username, password: 'x' });
  bad('phoneSystem.users.add', { username: 'john', password: '' });
  bad('phoneSystem.users.add', { username: 'john', password: 'a\u0000b' });
  bad('phoneSystem.users.add', { username: 'john', password: 'x', aliases: ['200', '200'] });
  bad('phoneSystem.users.add', { username: 'john', password: 'x', aliases: Array.from({ length: 33 }, (_, i) => `${i}`) });
  bad('phoneSystem.users.add', { username: 'john' });
  ok('phoneSystem.users.update', { username: 'john', displayName: null, aliases: [] });
  bad('phoneSystem.users.update', { username: 'john', password: '' });
  ok('phoneSystem.users.remove', { username: 'john' });
  bad('phoneSystem.users.remove', { username: 'john', password: 'x' });
});
