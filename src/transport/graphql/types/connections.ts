import { Field, ObjectType } from 'type-graphql';
import { FillType, OrderType, TradeType, TransferType } from './models';

/** Cursor pagination state (Relay `PageInfo`, forward pagination only). */
@ObjectType({ description: 'Where a page starts and ends, and whether more follow. Pagination is forward only: `first` and `after`.' })
export class PageInfo {
  @Field({ description: 'True when items follow this page: pass endCursor as `after` to get them.' }) hasNextPage!: boolean;
  @Field({ description: 'Always false: pagination is forward only (the Relay spec allows false when paging with first/after). Go back by keeping earlier cursors.' })
  hasPreviousPage!: boolean;
  @Field(() => String, { nullable: true, description: 'Cursor of the first item of this page; null when the page is empty.' }) startCursor!: string | null;
  @Field(() => String, { nullable: true, description: 'Cursor of the last item of this page, to pass as `after` for the next page; null when the page is empty.' }) endCursor!: string | null;
}

/** One order of a page, with its cursor. */
@ObjectType({ description: 'An order and its position in the list.' })
export class OrderEdge {
  @Field({ description: 'Opaque cursor of this order: pass it as `after` to continue after it.' }) cursor!: string;
  @Field(() => OrderType, { description: 'The order.' }) node!: OrderType;
}

/** A page of orders. */
@ObjectType({ description: 'A page of orders, newest first.' })
export class OrderConnection {
  @Field(() => [OrderEdge], { description: 'The orders of this page with their cursors, in the same order as nodes.' }) edges!: OrderEdge[];
  @Field(() => [OrderType], { description: 'The orders of this page, newest first (the edges\' nodes, without cursors).' }) nodes!: OrderType[];
  @Field(() => PageInfo, { description: 'Cursors and whether more pages follow.' }) pageInfo!: PageInfo;
}

/** One transfer of a page, with its cursor. */
@ObjectType({ description: 'A transfer and its position in the list.' })
export class TransferEdge {
  @Field({ description: 'Opaque cursor of this transfer: pass it as `after` to continue after it.' }) cursor!: string;
  @Field(() => TransferType, { description: 'The transfer.' }) node!: TransferType;
}

/** A page of transfers. */
@ObjectType({ description: 'A page of transfers (sent and received), newest first.' })
export class TransferConnection {
  @Field(() => [TransferEdge], { description: 'The transfers of this page with their cursors, in the same order as nodes.' }) edges!: TransferEdge[];
  @Field(() => [TransferType], { description: 'The transfers of this page, newest first (the edges\' nodes, without cursors).' }) nodes!: TransferType[];
  @Field(() => PageInfo, { description: 'Cursors and whether more pages follow.' }) pageInfo!: PageInfo;
}

/** One fill of a page, with its cursor. */
@ObjectType({ description: 'A fill and its position in the list.' })
export class FillEdge {
  @Field({ description: 'Opaque cursor of this fill: pass it as `after` to continue after it.' }) cursor!: string;
  @Field(() => FillType, { description: 'The fill.' }) node!: FillType;
}

/** A page of fills. */
@ObjectType({ description: 'A page of fills, newest first (by sequence).' })
export class FillConnection {
  @Field(() => [FillEdge], { description: 'The fills of this page with their cursors, in the same order as nodes.' }) edges!: FillEdge[];
  @Field(() => [FillType], { description: 'The fills of this page, newest first (the edges\' nodes, without cursors).' }) nodes!: FillType[];
  @Field(() => PageInfo, { description: 'Cursors and whether more pages follow.' }) pageInfo!: PageInfo;
}

/** One public trade of a page, with its cursor. */
@ObjectType({ description: 'A trade and its position in the list.' })
export class TradeEdge {
  @Field({ description: 'Opaque cursor of this trade: pass it as `after` to continue after it.' }) cursor!: string;
  @Field(() => TradeType, { description: 'The trade.' }) node!: TradeType;
}

/** A page of public trades. */
@ObjectType({ description: 'A page of a market\'s trades, newest first (by sequence, which never changes: pages are stable while trades happen).' })
export class TradeConnection {
  @Field(() => [TradeEdge], { description: 'The trades of this page with their cursors, in the same order as nodes.' }) edges!: TradeEdge[];
  @Field(() => [TradeType], { description: 'The trades of this page, newest first (the edges\' nodes, without cursors).' }) nodes!: TradeType[];
  @Field(() => PageInfo, { description: 'Cursors and whether more pages follow.' }) pageInfo!: PageInfo;
}
