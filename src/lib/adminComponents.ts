/** Component paths are relative to `admin.importMap.baseDir` (the repository root). */
export const adminComponents = {
  deskDashboard: '/src/admin/Dashboard/DeskDashboardServer#DeskDashboardServer',
  languagePreference: '/src/admin/LanguagePreference#LanguagePreference',
  editorialActions: '/src/admin/posts/EditorialActions#EditorialActions',
  publishButton: '/src/admin/posts/PublishButton#NewsroomPublishButton',
  provenancePanel: '/src/admin/posts/ProvenancePanel#ProvenancePanel',
  postQuickFilters: '/src/admin/posts/QuickFiltersServer#PostQuickFilters',
  importPanel: '/src/admin/imports/ImportPanel#ImportPanel',
  editorialLogRowLabel: '/src/admin/posts/EditorialLogRowLabel#EditorialLogRowLabel',
  mediaFileCell: '/src/admin/mediaList/MediaFileCell#MediaFileCell',
  relationshipNamesCell: '/src/admin/posts/RelationshipNamesCell#RelationshipNamesCell',
  scrapedCleanup: '/src/admin/posts/ScrapedCleanup#ScrapedCleanup',
  flaggedCell: '/src/admin/posts/FlaggedCell#FlaggedCell',
  discoverFeeds: '/src/admin/sources/DiscoverFeeds#DiscoverFeeds',
  jsonViewer: '/src/admin/JsonViewer#JsonViewer',
  ingestHealthSummary: '/src/admin/sources/IngestHealthSummary#IngestHealthSummary',
  sourcePostsLink: '/src/admin/sources/SourcePostsLink#SourcePostsLink',
} as const
