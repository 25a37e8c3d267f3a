import { ScrapedCleanup as ScrapedCleanup_40ac361d4b52200136b38f060922ee61 } from '../../../../src/admin/posts/ScrapedCleanup'
import { RscEntryLexicalCell as RscEntryLexicalCell_44fe37237e0ebf4470c9990d8cb7b07e } from '@payloadcms/richtext-lexical/rsc'
import { RscEntryLexicalField as RscEntryLexicalField_44fe37237e0ebf4470c9990d8cb7b07e } from '@payloadcms/richtext-lexical/rsc'
import { LexicalDiffComponent as LexicalDiffComponent_44fe37237e0ebf4470c9990d8cb7b07e } from '@payloadcms/richtext-lexical/rsc'
import { UploadFeatureClient as UploadFeatureClient_e70f5e05f09f93e00b997edb1ef0c864 } from '@payloadcms/richtext-lexical/client'
import { BlocksFeatureClient as BlocksFeatureClient_e70f5e05f09f93e00b997edb1ef0c864 } from '@payloadcms/richtext-lexical/client'
import { TableFeatureClient as TableFeatureClient_e70f5e05f09f93e00b997edb1ef0c864 } from '@payloadcms/richtext-lexical/client'
import { FixedToolbarFeatureClient as FixedToolbarFeatureClient_e70f5e05f09f93e00b997edb1ef0c864 } from '@payloadcms/richtext-lexical/client'
import { LinkFeatureClient as LinkFeatureClient_e70f5e05f09f93e00b997edb1ef0c864 } from '@payloadcms/richtext-lexical/client'
import { BoldFeatureClient as BoldFeatureClient_e70f5e05f09f93e00b997edb1ef0c864 } from '@payloadcms/richtext-lexical/client'
import { ItalicFeatureClient as ItalicFeatureClient_e70f5e05f09f93e00b997edb1ef0c864 } from '@payloadcms/richtext-lexical/client'
import { UnderlineFeatureClient as UnderlineFeatureClient_e70f5e05f09f93e00b997edb1ef0c864 } from '@payloadcms/richtext-lexical/client'
import { StrikethroughFeatureClient as StrikethroughFeatureClient_e70f5e05f09f93e00b997edb1ef0c864 } from '@payloadcms/richtext-lexical/client'
import { SubscriptFeatureClient as SubscriptFeatureClient_e70f5e05f09f93e00b997edb1ef0c864 } from '@payloadcms/richtext-lexical/client'
import { SuperscriptFeatureClient as SuperscriptFeatureClient_e70f5e05f09f93e00b997edb1ef0c864 } from '@payloadcms/richtext-lexical/client'
import { InlineCodeFeatureClient as InlineCodeFeatureClient_e70f5e05f09f93e00b997edb1ef0c864 } from '@payloadcms/richtext-lexical/client'
import { ParagraphFeatureClient as ParagraphFeatureClient_e70f5e05f09f93e00b997edb1ef0c864 } from '@payloadcms/richtext-lexical/client'
import { HeadingFeatureClient as HeadingFeatureClient_e70f5e05f09f93e00b997edb1ef0c864 } from '@payloadcms/richtext-lexical/client'
import { AlignFeatureClient as AlignFeatureClient_e70f5e05f09f93e00b997edb1ef0c864 } from '@payloadcms/richtext-lexical/client'
import { IndentFeatureClient as IndentFeatureClient_e70f5e05f09f93e00b997edb1ef0c864 } from '@payloadcms/richtext-lexical/client'
import { UnorderedListFeatureClient as UnorderedListFeatureClient_e70f5e05f09f93e00b997edb1ef0c864 } from '@payloadcms/richtext-lexical/client'
import { OrderedListFeatureClient as OrderedListFeatureClient_e70f5e05f09f93e00b997edb1ef0c864 } from '@payloadcms/richtext-lexical/client'
import { ChecklistFeatureClient as ChecklistFeatureClient_e70f5e05f09f93e00b997edb1ef0c864 } from '@payloadcms/richtext-lexical/client'
import { RelationshipFeatureClient as RelationshipFeatureClient_e70f5e05f09f93e00b997edb1ef0c864 } from '@payloadcms/richtext-lexical/client'
import { BlockquoteFeatureClient as BlockquoteFeatureClient_e70f5e05f09f93e00b997edb1ef0c864 } from '@payloadcms/richtext-lexical/client'
import { HorizontalRuleFeatureClient as HorizontalRuleFeatureClient_e70f5e05f09f93e00b997edb1ef0c864 } from '@payloadcms/richtext-lexical/client'
import { InlineToolbarFeatureClient as InlineToolbarFeatureClient_e70f5e05f09f93e00b997edb1ef0c864 } from '@payloadcms/richtext-lexical/client'
import { RelationshipNamesCell as RelationshipNamesCell_570752e6f1f0ad15857a36338dd89b42 } from '../../../../src/admin/posts/RelationshipNamesCell'
import { JsonViewer as JsonViewer_c9ef1b51a068c1bc3778b2fc20fb23cd } from '../../../../src/admin/JsonViewer'
import { ProvenancePanel as ProvenancePanel_67b6965e7e91415713cb2a98d401398e } from '../../../../src/admin/posts/ProvenancePanel'
import { EditorialLogRowLabel as EditorialLogRowLabel_2ab10cf80ea4342889bc0b3aed0cac57 } from '../../../../src/admin/posts/EditorialLogRowLabel'
import { FlaggedCell as FlaggedCell_c0024524eef7b4736da132400235c00e } from '../../../../src/admin/posts/FlaggedCell'
import { PostQuickFilters as PostQuickFilters_49f94f57df8e72e91b77c062e14edcb7 } from '../../../../src/admin/posts/QuickFiltersServer'
import { EditorialActions as EditorialActions_a17d93d29f8a5b9af827de2106bbd6fb } from '../../../../src/admin/posts/EditorialActions'
import { NewsroomPublishButton as NewsroomPublishButton_ec08e28a58d255c0bcf49806e86ea2b7 } from '../../../../src/admin/posts/PublishButton'
import { DiscoverFeeds as DiscoverFeeds_5d0b771069ea4bc7b68b43f92d2a0f61 } from '../../../../src/admin/sources/DiscoverFeeds'
import { SourcePostsLink as SourcePostsLink_407b3bb60c0aeec07eb60617c2ec1c83 } from '../../../../src/admin/sources/SourcePostsLink'
import { IngestHealthSummary as IngestHealthSummary_0dbf0c22e3950782b42012effba77421 } from '../../../../src/admin/sources/IngestHealthSummary'
import { MediaFileCell as MediaFileCell_65de420f4fe22bed0bbae721f0c974a5 } from '../../../../src/admin/mediaList/MediaFileCell'
import { ImportPanel as ImportPanel_13dde0762ec52d4f2c8710cc8aa7ef7f } from '../../../../src/admin/imports/ImportPanel'
import { DeskDashboardServer as DeskDashboardServer_bb783c14485a55367df2c0e8a2516299 } from '../../../../src/admin/Dashboard/DeskDashboardServer'
import { LanguagePreference as LanguagePreference_3dc2453883dfe5b418d82f878d735332 } from '../../../../src/admin/LanguagePreference'
import { CollectionCards as CollectionCards_f9c02e79a4aed9a3924487c0cd4cafb1 } from '@payloadcms/next/rsc'

/** @type import('payload').ImportMap */
export const importMap = {
  "/src/admin/posts/ScrapedCleanup#ScrapedCleanup": ScrapedCleanup_40ac361d4b52200136b38f060922ee61,
  "@payloadcms/richtext-lexical/rsc#RscEntryLexicalCell": RscEntryLexicalCell_44fe37237e0ebf4470c9990d8cb7b07e,
  "@payloadcms/richtext-lexical/rsc#RscEntryLexicalField": RscEntryLexicalField_44fe37237e0ebf4470c9990d8cb7b07e,
  "@payloadcms/richtext-lexical/rsc#LexicalDiffComponent": LexicalDiffComponent_44fe37237e0ebf4470c9990d8cb7b07e,
  "@payloadcms/richtext-lexical/client#UploadFeatureClient": UploadFeatureClient_e70f5e05f09f93e00b997edb1ef0c864,
  "@payloadcms/richtext-lexical/client#BlocksFeatureClient": BlocksFeatureClient_e70f5e05f09f93e00b997edb1ef0c864,
  "@payloadcms/richtext-lexical/client#TableFeatureClient": TableFeatureClient_e70f5e05f09f93e00b997edb1ef0c864,
  "@payloadcms/richtext-lexical/client#FixedToolbarFeatureClient": FixedToolbarFeatureClient_e70f5e05f09f93e00b997edb1ef0c864,
  "@payloadcms/richtext-lexical/client#LinkFeatureClient": LinkFeatureClient_e70f5e05f09f93e00b997edb1ef0c864,
  "@payloadcms/richtext-lexical/client#BoldFeatureClient": BoldFeatureClient_e70f5e05f09f93e00b997edb1ef0c864,
  "@payloadcms/richtext-lexical/client#ItalicFeatureClient": ItalicFeatureClient_e70f5e05f09f93e00b997edb1ef0c864,
  "@payloadcms/richtext-lexical/client#UnderlineFeatureClient": UnderlineFeatureClient_e70f5e05f09f93e00b997edb1ef0c864,
  "@payloadcms/richtext-lexical/client#StrikethroughFeatureClient": StrikethroughFeatureClient_e70f5e05f09f93e00b997edb1ef0c864,
  "@payloadcms/richtext-lexical/client#SubscriptFeatureClient": SubscriptFeatureClient_e70f5e05f09f93e00b997edb1ef0c864,
  "@payloadcms/richtext-lexical/client#SuperscriptFeatureClient": SuperscriptFeatureClient_e70f5e05f09f93e00b997edb1ef0c864,
  "@payloadcms/richtext-lexical/client#InlineCodeFeatureClient": InlineCodeFeatureClient_e70f5e05f09f93e00b997edb1ef0c864,
  "@payloadcms/richtext-lexical/client#ParagraphFeatureClient": ParagraphFeatureClient_e70f5e05f09f93e00b997edb1ef0c864,
  "@payloadcms/richtext-lexical/client#HeadingFeatureClient": HeadingFeatureClient_e70f5e05f09f93e00b997edb1ef0c864,
  "@payloadcms/richtext-lexical/client#AlignFeatureClient": AlignFeatureClient_e70f5e05f09f93e00b997edb1ef0c864,
  "@payloadcms/richtext-lexical/client#IndentFeatureClient": IndentFeatureClient_e70f5e05f09f93e00b997edb1ef0c864,
  "@payloadcms/richtext-lexical/client#UnorderedListFeatureClient": UnorderedListFeatureClient_e70f5e05f09f93e00b997edb1ef0c864,
  "@payloadcms/richtext-lexical/client#OrderedListFeatureClient": OrderedListFeatureClient_e70f5e05f09f93e00b997edb1ef0c864,
  "@payloadcms/richtext-lexical/client#ChecklistFeatureClient": ChecklistFeatureClient_e70f5e05f09f93e00b997edb1ef0c864,
  "@payloadcms/richtext-lexical/client#RelationshipFeatureClient": RelationshipFeatureClient_e70f5e05f09f93e00b997edb1ef0c864,
  "@payloadcms/richtext-lexical/client#BlockquoteFeatureClient": BlockquoteFeatureClient_e70f5e05f09f93e00b997edb1ef0c864,
  "@payloadcms/richtext-lexical/client#HorizontalRuleFeatureClient": HorizontalRuleFeatureClient_e70f5e05f09f93e00b997edb1ef0c864,
  "@payloadcms/richtext-lexical/client#InlineToolbarFeatureClient": InlineToolbarFeatureClient_e70f5e05f09f93e00b997edb1ef0c864,
  "/src/admin/posts/RelationshipNamesCell#RelationshipNamesCell": RelationshipNamesCell_570752e6f1f0ad15857a36338dd89b42,
  "/src/admin/JsonViewer#JsonViewer": JsonViewer_c9ef1b51a068c1bc3778b2fc20fb23cd,
  "/src/admin/posts/ProvenancePanel#ProvenancePanel": ProvenancePanel_67b6965e7e91415713cb2a98d401398e,
  "/src/admin/posts/EditorialLogRowLabel#EditorialLogRowLabel": EditorialLogRowLabel_2ab10cf80ea4342889bc0b3aed0cac57,
  "/src/admin/posts/FlaggedCell#FlaggedCell": FlaggedCell_c0024524eef7b4736da132400235c00e,
  "/src/admin/posts/QuickFiltersServer#PostQuickFilters": PostQuickFilters_49f94f57df8e72e91b77c062e14edcb7,
  "/src/admin/posts/EditorialActions#EditorialActions": EditorialActions_a17d93d29f8a5b9af827de2106bbd6fb,
  "/src/admin/posts/PublishButton#NewsroomPublishButton": NewsroomPublishButton_ec08e28a58d255c0bcf49806e86ea2b7,
  "/src/admin/sources/DiscoverFeeds#DiscoverFeeds": DiscoverFeeds_5d0b771069ea4bc7b68b43f92d2a0f61,
  "/src/admin/sources/SourcePostsLink#SourcePostsLink": SourcePostsLink_407b3bb60c0aeec07eb60617c2ec1c83,
  "/src/admin/sources/IngestHealthSummary#IngestHealthSummary": IngestHealthSummary_0dbf0c22e3950782b42012effba77421,
  "/src/admin/mediaList/MediaFileCell#MediaFileCell": MediaFileCell_65de420f4fe22bed0bbae721f0c974a5,
  "/src/admin/imports/ImportPanel#ImportPanel": ImportPanel_13dde0762ec52d4f2c8710cc8aa7ef7f,
  "/src/admin/Dashboard/DeskDashboardServer#DeskDashboardServer": DeskDashboardServer_bb783c14485a55367df2c0e8a2516299,
  "/src/admin/LanguagePreference#LanguagePreference": LanguagePreference_3dc2453883dfe5b418d82f878d735332,
  "@payloadcms/next/rsc#CollectionCards": CollectionCards_f9c02e79a4aed9a3924487c0cd4cafb1
}
