import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  expiresAt: number | undefined;
}

/**
 * A Map-backed `oidc-provider` adapter for the demo's upstream IdP, which runs in one process. It exists only so the
 * provider does not print its development-adapter warning into the demo's output; it is not an oauth-store bridge.
 */
export function memoryAdapterFactory(): (model: string) => Adapter {
  const entries = new Map<string, Entry>();
  const live = (key: string) => {
    const entry = entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  return (model) => {
    const key = (id: string) => `${model}:${id}`;
    const findBy = (field: 'uid' | 'userCode', value: string) => {
      for (const [name, entry] of entries) {
        if (name.startsWith(`${model}:`) && entry.payload[field] === value && live(name)) return entry.payload;
      }
      return undefined;
    };
    return {
      async upsert(id, payload, expiresIn) {
        entries.set(key(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
      },
      async find(id) {
        return live(key(id))?.payload;
      },
      async findByUid(uid) {
        return findBy('uid', uid);
      },
      async findByUserCode(userCode) {
        return findBy('userCode', userCode);
      },
      async consume(id) {
        const entry = live(key(id));
        if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        entries.delete(key(id));
      },
      async revokeByGrantId(grantId) {
        for (const [name, entry] of entries) if (entry.payload.grantId === grantId) entries.delete(name);
      },
    };
  };
}
