/**
 * Contacts in the store: the `contacts` row and its ordered `contact_entries`
 * (kind 'sip' for addresses, 'tel' for numbers), written together in one
 * transaction. `addMany` imports a whole address book atomically.
 */
import { randomUUID } from 'node:crypto';
import { CONTACT_DEFAULTS, contactFieldsSchema, type Contact, type ContactFields, type ContactInput, type ContactPatch } from '../contact.ts';
import type { Row, Store } from './store.ts';
import { StoreError } from './store-error.ts';
import { likeContains, plainInput, requireId, validate } from './validate.ts';

export interface ContactQuery {
  favoritesOnly?: boolean;
  /** Case-insensitive "contains" over the name, addresses and numbers. */
  search?: string;
}

export class ContactsRepository {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /** Contacts by name (case-insensitive), favourites not moved: the UI groups them. */
  list(query: ContactQuery = {}): Contact[] {
    const where: string[] = [];
    const params: string[] = [];
    if (query.favoritesOnly) where.push('c.favorite = 1');
    if (query.search !== undefined && query.search.trim() !== '') {
      const like = likeContains(query.search.trim());
      where.push(`(c.name LIKE ? ESCAPE '\\' OR c.id IN (SELECT contact_id FROM contact_entries WHERE value LIKE ? ESCAPE '\\'))`);
      params.push(like, like);
    }
    const rows = this.#store.all(
      `SELECT c.id, c.name, c.favorite FROM contacts c ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY c.name COLLATE NOCASE, c.id`,
      ...params,
    );
    const entries = this.#entriesFor(rows.length === this.count() ? undefined : rows.map((r) => String(r.id)));
    return rows.map((r) => this.#fromRow(r, entries.get(String(r.id))));
  }

  count(): number {
    return Number(this.#store.get('SELECT count(*) AS n FROM contacts')?.n ?? 0);
  }

  get(id: string): Contact | undefined {
    requireId(id, 'contact');
    const row = this.#store.get('SELECT id, name, favorite FROM contacts WHERE id = ?', id);
    return row ? this.#fromRow(row, this.#entriesFor([id]).get(id)) : undefined;
  }

  require(id: string): Contact {
    const contact = this.get(id);
    if (!contact) throw new StoreError('not-found', `no contact with id ${id}`);
    return contact;
  }

  add(input: ContactInput): Contact {
    return this.addMany([input])[0]!;
  }

  /** Adds all or none: every input is validated first, then all rows go in one transaction. */
  addMany(inputs: readonly ContactInput[]): Contact[] {
    if (!Array.isArray(inputs)) throw new StoreError('invalid', 'contacts: expected a list', { issues: [{ path: '', message: 'expected a list' }] });
    const contacts = inputs.map((input, i) => ({
      id: randomUUID(),
      ...validate(contactFieldsSchema, { ...CONTACT_DEFAULTS, ...plainInput(input, `contact ${i}`) }, inputs.length === 1 ? 'contact' : `contact ${i}`),
    }));
    this.#store.transaction(() => {
      for (const c of contacts) {
        this.#store.run('INSERT INTO contacts (id, name, favorite) VALUES (?, ?, ?)', c.id, c.name, c.favorite ? 1 : 0);
        this.#writeEntries(c.id, c);
      }
    });
    return contacts;
  }

  /** Applies `patch`; `addresses` / `numbers`, when given, replace the whole list. */
  update(id: string, patch: ContactPatch): Contact {
    return this.#store.transaction(() => {
      const { id: _, ...current } = this.require(id);
      const fields = validate(contactFieldsSchema, { ...current, ...plainInput(patch, 'contact') }, 'contact');
      this.#store.run('UPDATE contacts SET name = ?, favorite = ? WHERE id = ?', fields.name, fields.favorite ? 1 : 0, id);
      this.#store.run('DELETE FROM contact_entries WHERE contact_id = ?', id);
      this.#writeEntries(id, fields);
      return { id, ...fields };
    });
  }

  setFavorite(id: string, favorite: boolean): Contact {
    return this.update(id, { favorite });
  }

  /** Deletes the contact; history rows keep the call with the contact cleared. */
  remove(id: string): Contact {
    return this.#store.transaction(() => {
      const contact = this.require(id);
      this.#store.run('DELETE FROM contacts WHERE id = ?', id);
      return contact;
    });
  }

  #writeEntries(id: string, c: ContactFields): void {
    const insert = 'INSERT INTO contact_entries (contact_id, kind, position, label, value) VALUES (?, ?, ?, ?, ?)';
    c.addresses.forEach((a, i) => this.#store.run(insert, id, 'sip', i, a.label, a.uri));
    c.numbers.forEach((n, i) => this.#store.run(insert, id, 'tel', i, n.label, n.number));
  }

  /** Entries grouped by contact; `ids` undefined = all contacts. */
  #entriesFor(ids: string[] | undefined): Map<string, Row[]> {
    const rows =
      ids === undefined
        ? this.#store.all('SELECT contact_id, kind, label, value FROM contact_entries ORDER BY contact_id, kind, position')
        : ids.flatMap((id) => this.#store.all('SELECT contact_id, kind, label, value FROM contact_entries WHERE contact_id = ? ORDER BY kind, position', id));
    const byContact = new Map<string, Row[]>();
    for (const r of rows) {
      const id = String(r.contact_id);
      let list = byContact.get(id);
      if (!list) byContact.set(id, (list = []));
      list.push(r);
    }
    return byContact;
  }

  #fromRow(r: Row, entries: Row[] = []): Contact {
    return {
      id: String(r.id),
      name: String(r.name),
      favorite: r.favorite === 1,
      addresses: entries.filter((e) => e.kind === 'sip').map((e) => ({ label: String(e.label), uri: String(e.value) })),
      numbers: entries.filter((e) => e.kind === 'tel').map((e) => ({ label: String(e.label), number: String(e.value) })),
    };
  }
}

