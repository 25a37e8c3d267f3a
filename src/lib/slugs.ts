/**
 * The slug of each collection, for code that names one (`payload.find({ collection: POSTS })`,
 * `relationTo: AUTHORS`). The collections in collections/ take their slug from here; this file sits
 * in the lowest layer so every layer can name a collection without importing its config.
 */
export const POSTS = 'posts' as const
export const AUTHORS = 'authors' as const
export const CATEGORIES = 'categories' as const
export const SOURCES = 'sources' as const
export const MEDIA = 'media' as const
export const USERS = 'users' as const
export const IMPORT_RUNS = 'import-runs' as const

/** The collections readers see: posts and what is populated into them or listed beside them. */
export const DELIVERED_COLLECTIONS = [POSTS, SOURCES, CATEGORIES, AUTHORS, MEDIA] as const

/** The delivered collections populated into posts: few, small, rarely changed. */
export const DIRECTORY_COLLECTIONS = [SOURCES, CATEGORIES, AUTHORS, MEDIA] as const
