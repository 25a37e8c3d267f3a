import type { Id, RelatedCollection } from './writer'
import { JsonText } from './jsonText'
import { StoreSink } from './writer'

/**
 * The dry run: reads what exists like every sink and decides the same way (./plan.ts), so its report
 * says exactly what a real run would do, and writes nothing. What it would create gets a placeholder
 * id, so a second post by the same new author finds that author, as a real run would.
 */
export class DryRunSink extends StoreSink {
  readonly kind = 'dry-run' as const
  private next = 0

  /** No transaction: nothing is written. */
  protected override async begin() {}
  /** Nothing changed: no reader's cache ends. */
  protected override async announceChange() {}

  /** Nothing is stored: the content stays text. */
  protected override contentValue(text: string): unknown {
    return new JsonText(text)
  }

  protected async insert(collection: RelatedCollection): Promise<Id> {
    return `dry-run:${collection}:${++this.next}`
  }
  protected async insertPost(): Promise<undefined> {
    return undefined
  }
  protected async updatePost(): Promise<void> {}
  protected async saveDraftVersion(): Promise<void> {}
  protected async updateSourceHosts(): Promise<void> {}
}
