/**
 * A contact: a person with any number of SIP addresses and telephone numbers,
 * each with a free label ('work', 'mobile'). All of them resolve to this one
 * contact in caller ID and history (caller-id.ts).
 */
import { z } from '../api/zod.ts';
import { sipAddressSchema } from './account.ts';
import { parseSipAddress, PHONE_NUMBER_TEXT, sameAddress } from './sip-address.ts';

export interface ContactAddress {
  label: string;
  uri: string;
}

export interface ContactNumber {
  label: string;
  /** As the user wrote it ("+55 48 4567-8901"); matching reads it with the numbering plan. */
  number: string;
}

export interface ContactFields {
  name: string;
  favorite: boolean;
  addresses: ContactAddress[];
  numbers: ContactNumber[];
}

export interface Contact extends ContactFields {
  readonly id: string;
}

export type ContactInput = Partial<ContactFields> & { name: string };
export type ContactPatch = Partial<ContactFields>;

export const CONTACT_DEFAULTS: Readonly<Omit<ContactFields, 'name'>> = Object.freeze({ favorite: false, addresses: [], numbers: [] });

const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;
const label = z.string().trim().max(40).regex(NO_CONTROL, 'contains a control character');

export const phoneNumberTextSchema = z
  .string()
  .trim()
  .min(1, 'is empty')
  .max(40)
  .refine((n) => PHONE_NUMBER_TEXT.test(n) && n.indexOf('+', 1) < 0, 'is not a telephone number (digits, an optional leading +, spaces - . ( ) * #)')
  .refine((n) => /[0-9]/.test(n), 'has no digits');

export const contactFieldsSchema: z.ZodType<ContactFields> = z
  .strictObject({
    name: z.string().trim().min(1, 'is empty').max(200).regex(NO_CONTROL, 'contains a control character'),
    favorite: z.boolean(),
    addresses: z.array(z.strictObject({ label, uri: sipAddressSchema(true) })).max(50),
    numbers: z.array(z.strictObject({ label, number: phoneNumberTextSchema })).max(50),
  })
  .superRefine((c, ctx) => {
    const seen: ReturnType<typeof parseSipAddress>[] = [];
    c.addresses.forEach((a, i) => {
      const p = parseSipAddress(a.uri);
      if (p.ok && seen.some((s) => s.ok && sameAddress(s.value, p.value))) {
        ctx.addIssue({ code: 'custom', path: ['addresses', i, 'uri'], message: `${a.uri} is listed twice` });
      }
      seen.push(p);
    });
    const numbers = new Set<string>();
    c.numbers.forEach((n, i) => {
      const compact = n.number.replace(/[\s\-.()]/g, '');
      if (numbers.has(compact)) ctx.addIssue({ code: 'custom', path: ['numbers', i, 'number'], message: `${n.number} is listed twice` });
      numbers.add(compact);
    });
  });
