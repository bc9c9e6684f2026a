/**
 * One shared, read-only empty Map for the parameters and URI headers that a
 * kept address has none of. The typed views the accessors build (fromOf,
 * toOf, contactsOf...) are shared by every reader of a message and a dialog
 * keeps its addresses for hours; most of their Maps are empty (a URI's
 * headers nearly always), and an empty Map costs an allocation and ≈ 190
 * bytes of hash table. Whoever wants to add to one copies it first (the
 * accessors' contract); this one throws instead of letting a change leak
 * into every other address.
 */
class FrozenEmptyMap<K, V> extends Map<K, V> {
  override set(_key: K, _value: V): this {
    throw new TypeError('a shared address is read-only: copy its parameters before changing them');
  }
  override delete(_key: K): boolean {
    throw new TypeError('a shared address is read-only: copy its parameters before changing them');
  }
  override clear(): void {
    throw new TypeError('a shared address is read-only: copy its parameters before changing them');
  }
}

export const EMPTY_PARAMS: Map<string, string | null> = new FrozenEmptyMap();
export const EMPTY_HEADERS: Map<string, string> = new FrozenEmptyMap();
