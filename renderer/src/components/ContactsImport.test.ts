import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { harness } from '../test-support/app-harness.ts';
import { contact } from '../test-support/fixtures.ts';
import ContactsImport from './ContactsImport.svelte';

const VCF = ['BEGIN:VCARD', 'VERSION:4.0', 'FN:Alice Martin', 'TEL;VALUE=text;TYPE=mobile:+554845678901', 'TEL;VALUE=text;TYPE=work:200', 'END:VCARD', 'BEGIN:VCARD', 'VERSION:4.0', 'FN:Eve', 'IMPP:sip:eve@example.com', 'END:VCARD', ''].join('\r\n');

describe('ContactsImport (issue 15 §2)', () => {
  it('previews an import with its merges, then saves new contacts and merged numbers', async () => {
    const h = harness();
    h.store.setContacts([contact({ id: 'c-1', name: 'Alice Martin', addresses: [], numbers: [{ number: '+55 48 4567-8901' }] }), contact({ id: 'c-2', name: 'Eve', addresses: [{ uri: 'sip:eve@example.com' }], numbers: [] })]);
    h.transport
      .handle('contacts.update', (p) => ({ ok: true, result: { ...h.store.contacts[0]!, ...(p as { changes: object }).changes } }))
      .handle('contacts.add', (p) => ({ ok: true, result: { id: 'new', favorite: false, addresses: [], numbers: [], ...(p as object) } }));
    render(ContactsImport, { context: h.context });
    const input = screen.getByLabelText('Import contacts from a vCard or CSV file') as HTMLInputElement;
    await fireEvent.change(input, { target: { files: [new File([VCF], 'phone.vcf', { type: 'text/vcard' })] } });
    await new Promise((r) => setTimeout(r, 20));
    const plan = screen.getByTestId('import-plan');
    expect(plan.textContent).toContain('0 new · 1 merged into contacts you have · 1 already there');
    expect(within(plan).getByText('merge into Alice Martin')).toBeTruthy();
    await fireEvent.click(within(plan).getByRole('button', { name: 'Import 1' }));
    await new Promise((r) => setTimeout(r, 20));
    expect(h.transport.requests).toEqual([{ cmd: 'contacts.update', params: { id: 'c-1', changes: { numbers: [{ number: '+55 48 4567-8901' }, { label: 'work', number: '200' }], addresses: [] } } }]);
  });

  it('says what is wrong with a CSV that is not MicroSIP’s', async () => {
    const h = harness();
    render(ContactsImport, { context: h.context });
    await fireEvent.change(screen.getByLabelText('Import contacts from a vCard or CSV file'), { target: { files: [new File(['a,b\n1,2\n'], 'x.csv')] } });
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.getByRole('alert').textContent).toMatch(/Name and Number/);
  });
});
