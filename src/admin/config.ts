import type { Config } from 'payload'

import { importReadinessEndpoint, startImportEndpoint } from '../importer/endpoint'
import { adminComponents } from '../lib/adminComponents'
import { collectionWithDateFormat, DESK_DATE_FORMAT } from './dateFormat'
import { deskVersionEndpoint, importReportEndpoint } from './deskEndpoints'
import { newsroomTranslations } from './translations'

type Translations = NonNullable<NonNullable<Config['i18n']>['translations']>

/** Adds our strings to the host's translations, language by language, never replacing the host's. */
const mergeTranslations = (host: Translations | undefined): Translations => {
  const merged: Record<string, Record<string, unknown>> = {
    ...(host as Record<string, Record<string, unknown>>),
  }
  for (const [language, strings] of Object.entries(newsroomTranslations)) {
    merged[language] = { ...merged[language], ...strings }
  }
  return merged as Translations
}

/**
 * The newsroom desk in the admin: the dashboard above the collection cards, the per-user admin
 * language, our translated strings, the endpoints that start an import and page through its report,
 * and the desk's version counter. Appends to the host's
 * admin config. Dates show in one format everywhere: the host's `admin.dateFormat`, else the desk's,
 * in lists, the editor's date fields and our own components (./dateFormat.ts).
 */
export const withNewsroomAdmin = (config: Config): Config => {
  const dateFormat = config.admin?.dateFormat ?? DESK_DATE_FORMAT
  return {
    ...config,
    collections: config.collections?.map((c) => collectionWithDateFormat(c, dateFormat)),
    admin: {
      ...config.admin,
      dateFormat,
      components: {
        ...config.admin?.components,
        beforeDashboard: [
          ...(config.admin?.components?.beforeDashboard ?? []),
          adminComponents.deskDashboard,
        ],
        providers: [
          ...(config.admin?.components?.providers ?? []),
          adminComponents.languagePreference,
        ],
      },
    },
    i18n: {
      ...config.i18n,
      translations: mergeTranslations(config.i18n?.translations),
    },
    endpoints: [
      ...(config.endpoints ?? []),
      startImportEndpoint,
      importReadinessEndpoint,
      deskVersionEndpoint,
      importReportEndpoint,
    ],
  }
}
