import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import TextField from './TextField.svelte';

describe('TextField (the editor forms’ one text input)', () => {
  it('labels the input, describes it by its hint, and by its error instead once there is one', async () => {
    let value = '';
    const { rerender } = render(TextField, { props: { id: 'reg', label: 'Registrar', optional: true, value, hint: 'The address’s domain if empty.', placeholder: 'pbx.example.com' } });
    const input = screen.getByLabelText(/^Registrar/) as HTMLInputElement;
    expect(input.id).toBe('reg');
    expect(input.placeholder).toBe('pbx.example.com');
    expect(screen.getByText('optional')).toBeTruthy();
    expect(input.getAttribute('aria-describedby')).toBe('reg-hint');
    expect(input.getAttribute('aria-invalid')).toBeNull();
    await fireEvent.input(input, { target: { value: 'pbx_1' } });
    value = input.value;
    await rerender({ id: 'reg', label: 'Registrar', optional: true, value, hint: 'The address’s domain if empty.', error: 'is not a host name' });
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toBe('reg-err');
    expect(document.getElementById('reg-err')?.textContent).toBe('is not a host name');
    expect(document.getElementById('reg-hint')).toBeNull();
  });

  it('is a password field when asked, with nothing under it without hint or error', () => {
    render(TextField, { props: { id: 'pw', label: 'Password', type: 'password', value: '' } });
    const input = screen.getByLabelText('Password') as HTMLInputElement;
    expect(input.type).toBe('password');
    expect(input.getAttribute('aria-describedby')).toBeNull();
  });
});
