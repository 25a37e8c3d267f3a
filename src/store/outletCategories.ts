import type { Payload, PayloadRequest } from 'payload'

import { bumpContentEpoch } from './epoch'

/**
 * Imported posts whose categories name their own outlet. The importer used to keep the archive's
 * `categories: [ <outlet> ]` as a category of the post: every imported post's only category was its
 * source's name, and the desk's Category filter repeated the Source filter. It now keeps topics only
 * (`topicCategories`, src/importer/transform.ts); this takes the outlet (and the mirror's generic
 * labels, "news") out of the posts a database already holds, as a data migration does once.
 *
 * Only posts an import or ingest made (`provenance.importedAt` set) change, each in its row and its
 * latest version (what the desk and readers see; older versions keep their history). A category left
 * with no post, version or child category that has a source's name, or a generic label's, is
 * deleted; one that staff still use stays. SQL for SQLite and PostgreSQL alike; `run` executes one
 * statement in the caller's transaction and returns its rows.
 */
export type RunStatement = (statement: string) => Promise<Array<Record<string, unknown>>>

export type OutletCategoriesReport = {
  /** Posts that lost one or more outlet categories (in their row or their latest version). */
  posts: number
  /** Relations removed: post rows plus latest versions. */
  relations: number
  /** Categories deleted, by name. */
  deleted: string[]
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`

/** The category's name, trimmed and in lower case, is one of the generic labels. */
const genericName = (category: string, generic: string[]) =>
  generic.length
    ? `lower(trim(${category})) IN (${generic.map((g) => quote(g.toLowerCase())).join(', ')})`
    : 'FALSE'

/** The category's name is its post's outlet's (letters in any case) or a generic label. */
const outletName = (category: string, source: string, generic: string[]) =>
  `(lower(trim(${category})) = lower(trim(${source})) OR ${genericName(category, generic)})`

export const outletCategoryStatements = (generic: readonly string[]) => {
  const labels = [...generic]
  return {
    posts: `DELETE FROM posts_rels WHERE id IN (
  SELECT r.id FROM posts_rels r
  JOIN posts p ON p.id = r.parent_id
  JOIN categories c ON c.id = r.categories_id
  LEFT JOIN sources s ON s.id = p.source_id
  WHERE r.path = 'categories' AND p.provenance_imported_at IS NOT NULL
    AND ${outletName('c.name', 's.name', labels)}
) RETURNING parent_id AS post`,
    versions: `DELETE FROM _posts_v_rels WHERE id IN (
  SELECT r.id FROM _posts_v_rels r
  JOIN _posts_v v ON v.id = r.parent_id
  JOIN categories c ON c.id = r.categories_id
  LEFT JOIN sources s ON s.id = v.version_source_id
  WHERE r.path = 'version.categories' AND v.latest AND v.version_provenance_imported_at IS NOT NULL
    AND ${outletName('c.name', 's.name', labels)}
) RETURNING (SELECT v.parent_id FROM _posts_v v WHERE v.id = _posts_v_rels.parent_id) AS post`,
    categories: `DELETE FROM categories WHERE id IN (
  SELECT c.id FROM categories c
  WHERE (EXISTS (SELECT 1 FROM sources s WHERE lower(trim(s.name)) = lower(trim(c.name)))
      OR ${genericName('c.name', labels)})
    AND NOT EXISTS (SELECT 1 FROM posts_rels r WHERE r.categories_id = c.id)
    AND NOT EXISTS (SELECT 1 FROM _posts_v_rels r WHERE r.categories_id = c.id)
    AND NOT EXISTS (SELECT 1 FROM categories child WHERE child.parent_id = c.id)
) RETURNING name`,
  }
}

export const dropOutletCategories = async (
  run: RunStatement,
  generic: readonly string[],
): Promise<OutletCategoriesReport> => {
  const sql = outletCategoryStatements(generic)
  const fromPosts = await run(sql.posts)
  const fromVersions = await run(sql.versions)
  const posts = new Set([...fromPosts, ...fromVersions].map((row) => String(row.post)))
  const deleted = (await run(sql.categories)).map((row) => String(row.name))
  return { posts: posts.size, relations: fromPosts.length + fromVersions.length, deleted }
}

/**
 * The data migration's body (migrations/ and migrations-postgres/, `topic_categories`): drops the
 * outlet categories, bumps the content epoch in the same transaction when anything changed (cached
 * responses name the old categories), and logs what it did.
 */
export const migrateOutletCategories = async (
  payload: Payload,
  req: Partial<PayloadRequest>,
  run: RunStatement,
  generic: readonly string[],
): Promise<OutletCategoriesReport> => {
  const report = await dropOutletCategories(run, generic)
  if (report.relations > 0 || report.deleted.length > 0) await bumpContentEpoch(payload, req)
  payload.logger.info(
    `topic_categories migration: ${report.posts} imported post(s) no longer list their outlet as a category (${report.relations} relation(s) in posts and latest versions); ${report.deleted.length} unused outlet categor${report.deleted.length === 1 ? 'y' : 'ies'} deleted${report.deleted.length ? `: ${report.deleted.slice(0, 30).join(', ')}${report.deleted.length > 30 ? ', ...' : ''}` : ''}`,
  )
  return report
}
