import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { ContactFields } from '../api/types.ts';
import ContactEditor from './ContactEditor.svelte';

describe('ContactEditor (issue 15 §1.11)', () => {
  it('starts in the name field, marks bad addresses and numbers inline, and sends addresses as sip: URIs', async () => {
    const saved: ContactFields[] = [];
    render(ContactEditor, { props: { contact: undefined, onsave: async (f: ContactFields) => (saved.push(f), true), oncancel: () => {} } });
    expect(document.activeElement).toBe(screen.getByLabelText('Name'));
    await fireEvent.input(screen.getByLabelText('Name'), { target: { value: 'Bob' } });
    await fireEvent.input(screen.getByLabelText('Address 1'), { target: { value: 'bob example.com' } });
    await fireEvent.input(screen.getByLabelText('Number 1'), { target: { value: '55+12' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save contact' }));
    expect(saved).toEqual([]);
    expect(screen.getByLabelText('Address 1').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('Number 1').getAttribute('aria-invalid')).toBe('true');
    await new Promise((r) => setTimeout(r, 0));
    expect(document.activeElement).toBe(screen.getByLabelText('Address 1'));
    await fireEvent.input(screen.getByLabelText('Address 1'), { target: { value: 'bob@example.com' } });
    await fireEvent.input(screen.getByLabelText('Number 1'), { target: { value: '200' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save contact' }));
    expect(saved[0]).toMatchObject({ name: 'Bob', addresses: [{ label: 'work', uri: 'sip:bob@example.com' }], numbers: [{ label: 'mobile', number: '200' }] });
  });

  it('shows the phone’s refusal under the row it concerns, and cancels with Escape', async () => {
    let cancelled = 0;
    render(ContactEditor, {
      props: {
        contact: undefined,
        draft: { name: 'Carol', addresses: [{ uri: 'carol@example.com' }, { uri: 'carol@example.com' }], numbers: [], favorite: false },
        onsave: async () => ({ 'addresses.1.uri': 'Sip:carol@example.com is listed twice.' }),
        oncancel: () => cancelled++,
      },
    });
    expect((screen.getByLabelText('Name') as HTMLInputElement).value).toBe('Carol');
    await fireEvent.click(screen.getByRole('button', { name: 'Save contact' }));
    await new Promise((r) => setTimeout(r, 0));
    expect(screen.getByLabelText('Address 2').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Sip:carol@example.com is listed twice.')).toBeTruthy();
    await fireEvent.keyDown(screen.getByLabelText('Name'), { key: 'Escape' });
    expect(cancelled).toBe(1);
  });
});
