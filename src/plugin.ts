import type { CollectionConfig, Config, Plugin, TaskConfig } from 'payload'

import { Authors } from '../collections/Authors'
import { Categories } from '../collections/Categories'
import { ImportRuns } from '../collections/ImportRuns'
import { Media } from '../collections/Media'
import { Posts } from '../collections/Posts'
import { Sources } from '../collections/Sources'
import { Users } from '../collections/Users'
import { withEditLockGuard } from './auth/editLocks'
import { withSharedKv } from './auth/sharedKv'
import { importArchiveTask } from './importer/task'
import { withFeedIngest } from './ingest/task'
import { withScheduledPublishing, type ScheduledPublishingOptions } from './jobs/config'
import { withNewsroomAdmin } from './admin/config'
import { withNulCheck } from './lib/nulCharacters'
import { acceptStoragePluginVersion } from './config'

export type NewsroomPluginOptions = {
  /**
   * Set to false to leave the host config untouched (e.g. to turn the plugin off per environment).
   * @default true
   */
  enabled?: boolean
  /** The jobs runner, its cron and the time zones of the schedule drawer (src/jobs/config.ts). */
  scheduling?: ScheduledPublishingOptions
}

/** Every collection the plugin brings, in admin order. */
export const newsroomCollections: CollectionConfig[] = [
  Posts,
  Authors,
  Sources,
  Categories,
  Media,
  Users,
  ImportRuns,
] as CollectionConfig[]

/**
 * The newsroom plugin: adds posts, authors, sources, categories, media and users with their access
 * rules, hooks and jobs to a Payload config. It appends to what the host has (collections, jobs,
 * hooks, onInit) and never replaces it; a host collection with one of our slugs is a configuration
 * error named at start-up.
 */
export const newsroomPlugin =
  (options: NewsroomPluginOptions = {}): Plugin =>
  (incoming: Config): Config => {
    if (options.enabled === false) return incoming
    // The plugin brings @payloadcms/storage-s3, which has no release of payload's exact version:
    // Payload's start-up version check would fail every host app outside production.
    acceptStoragePluginVersion()
    const hostCollections = incoming.collections ?? []
    const clash = hostCollections.filter((c) => newsroomCollections.some((n) => n.slug === c.slug))
    if (clash.length > 0) {
      throw new Error(
        `newsroomPlugin: the host config already defines the collection(s) ${clash
          .map((c) => `"${c.slug}"`)
          .join(', ')}, which the plugin provides. Remove them from the host config.`,
      )
    }
    const withCollections = withNewsroomAdmin({
      ...incoming,
      admin: {
        ...incoming.admin,
        user: incoming.admin?.user ?? Users.slug,
      },
      collections: [...hostCollections, ...newsroomCollections].map(withNulCheck),
      jobs: {
        ...incoming.jobs,
        tasks: [...(incoming.jobs?.tasks ?? []), importArchiveTask as TaskConfig],
      },
    })
    return withSharedKv(
      withEditLockGuard(
        withScheduledPublishing(withFeedIngest(withCollections), options.scheduling),
      ),
    )
  }
