import { ValidationError, type CollectionBeforeValidateHook, type CollectionConfig } from 'payload'

/** U+0000: PostgreSQL refuses it in `text` and `jsonb` (the write failed with a 500 there). */
const NUL = '\u0000'

/** The paths (`content.root.children.0.text`) of every string in `value` that holds a U+0000. */
export const pathsWithNul = (value: unknown, at = ''): string[] => {
  if (typeof value === 'string') return value.includes(NUL) ? [at] : []
  if (Array.isArray(value))
    return value.flatMap((v, i) => pathsWithNul(v, at ? `${at}.${i}` : `${i}`))
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => pathsWithNul(v, at ? `${at}.${k}` : k))
  }
  return []
}

/**
 * Refuses a write whose data holds a U+0000 anywhere (a field, a link in rich text, an upload's
 * alt text), with a 400 naming each path, before any database sees it: the same answer on SQLite
 * and PostgreSQL, on every door (REST, GraphQL, the admin, the Local API). The importer removes the
 * character while it cleans a file's text (src/importer/clean.ts), so its writes never get here
 * with one.
 */
export const refuseNulCharacters: CollectionBeforeValidateHook = ({ collection, data, req }) => {
  const paths = pathsWithNul(data)
  if (paths.length > 0) {
    throw new ValidationError({
      collection: collection.slug,
      errors: paths.slice(0, 20).map((path) => ({
        path,
        message: 'Contains a NUL character (U+0000), which cannot be stored. Remove it.',
      })),
      req,
    })
  }
  return data
}

/** A collection with the NUL check first among its `beforeValidate` hooks. */
export const withNulCheck = (collection: CollectionConfig): CollectionConfig => ({
  ...collection,
  hooks: {
    ...collection.hooks,
    beforeValidate: [refuseNulCharacters, ...(collection.hooks?.beforeValidate ?? [])],
  },
})
