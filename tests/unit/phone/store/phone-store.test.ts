import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openPhoneStore } from '../../../../electron/phone/store/phone-store.ts';
import { FileSecretStore } from '../../../../electron/phone/store/file-secret-store.ts';
import { CallerIdResolver } from '../../../../electron/phone/caller-id.ts';
import { removeTempDirs, tempDir } from '../temp-dir.ts';
import { expectStoreError } from './expect-store-error.ts';

after(removeTempDirs);

test('openPhoneStore wires the repositories to one database and the given SecretStore', async () => {
  const dir = tempDir();
  const phone = openPhoneStore(dir, { secrets: new FileSecretStore(dir) });
  const account = phone.accounts.add({ aor: 'sip:johndoe@sipA.test' });
  await phone.accounts.setPassword(account.id, 'pw');
  const maria = phone.contacts.add({ name: 'Maria', numbers: [{ label: 'mobile', number: '+55 48 4567-8901' }] });
  phone.settings.set('numberingPlan', { countryCode: '55', trunkPrefix: '0', internationalPrefix: '00', minMatchDigits: 8 });
  // The model pieces meet here: resolve a caller with the stored contacts and plan, record the call.
  const match = new CallerIdResolver(phone.contacts.list(), phone.settings.get('numberingPlan')).resolve('sip:04845678901@gw.example');
  assert.equal(match?.contactId, maria.id);
  phone.history.add({ direction: 'in', peerUri: 'sip:04845678901@gw.example', startedAt: 1, contactId: match!.contactId, accountId: account.id });
  phone.close();

  const again = openPhoneStore(dir, { secrets: new FileSecretStore(dir) });
  assert.equal(await again.accounts.getPassword(account.id), 'pw');
  assert.equal(again.history.list({ contactId: maria.id }).length, 1);
  again.close();
});

test('openPhoneStore reports a damaged database as StoreError', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'parley.db'), 'garbage'.repeat(200));
  expectStoreError(() => openPhoneStore(dir, { secrets: new FileSecretStore(dir) }), 'corrupt');
});
