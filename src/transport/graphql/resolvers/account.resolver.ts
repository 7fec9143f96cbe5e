import { Arg, Ctx, Directive, FieldResolver, ID, Int, Resolver, Root } from 'type-graphql';
import { HISTORY_SCAN_ROWS, MARKETS, type Account } from '../../../domain';
import { ApiKeyNotFoundError, UnknownMarketError } from '../../../errors';
import type { GraphQLContext } from '../context';
import { OrderStatusEnum } from '../types/enums';
import { AccountType, ApiKeyType, BalanceType, ValuationType } from '../types/models';
import { FillConnection, OrderConnection, TransferConnection } from '../types/connections';
import { Dec } from '../../../domain';
import { balanceValue, requestQuote } from './valuation';
import { connection, pageArgs } from './pagination';

/** A market filter: undefined when omitted; UNKNOWN_MARKET when it names no listed market (a typo would otherwise list nothing). */
function listedMarket(market: string | null | undefined): string | undefined {
  if (market === undefined || market === null) return undefined;
  if (!MARKETS.has(market)) throw new UnknownMarketError(market);
  return market;
}

/**
 * A key filter: undefined when omitted; the key's id as stored when it names one of the account's
 * keys (revoked ones included); API_KEY_NOT_FOUND otherwise (a typo would otherwise list nothing,
 * and "the leaked key did nothing" is the wrong thing to read during an incident).
 */
async function listedApiKeyId(ctx: GraphQLContext, account: Account, apiKeyId: string | null | undefined): Promise<string | undefined> {
  if (apiKeyId === undefined || apiKeyId === null) return undefined;
  const key = await ctx.services.apiKeys.findOwnedApiKey(account.id, apiKeyId);
  if (key === null) throw new ApiKeyNotFoundError();
  return key.id;
}

const API_KEY_FILTER = (listed: string, made = `this API key of your account made (\`apiKeyId\` of each; revoked keys included)`) =>
  `Only the ${listed} ${made}: what a leaked key did. Not one of your keys: API_KEY_NOT_FOUND. Reads your history from the newest back, a bounded number of rows per page, so a key with few ${listed} among many takes more pages.`;

/** What a filtered page of a history listing reads (stores/postgres/history-scan.ts), as its field's description says it. */
const SCANNED_PAGE = (filters: string, rows: string) =>
  `With ${filters}, a page reads at most ${HISTORY_SCAN_ROWS.toLocaleString('en-US')} of your ${rows} from its cursor, so however long your history a page may hold fewer than \`first\`, even none, with \`hasNextPage\` true: go on from \`pageInfo.endCursor\` until \`hasNextPage\` is false.`;

/** Fields of an account. Each can fail on its own: it is nullable so its siblings still arrive. */
@Resolver(() => AccountType)
export class AccountResolver {
  @FieldResolver(() => [BalanceType], { nullable: true, description: 'One balance per asset (every asset, zero when never funded), ordered by asset code.' })
  balances(@Root() account: Account, @Ctx() ctx: GraphQLContext) {
    return ctx.services.accounts.listBalances(account.id);
  }

  @FieldResolver(() => ValuationType, { nullable: true, description: 'USD value of all balances; null with PRICE_UNAVAILABLE when prices cannot be had.' })
  async valuation(@Root() account: Account, @Ctx() ctx: GraphQLContext) {
    const [quote, balances] = await Promise.all([requestQuote(ctx), ctx.services.accounts.listBalances(account.id)]);
    const total = balances.reduce((sum, b) => sum.plus(balanceValue(quote, b)), new Dec(0));
    return { totalUsd: total.toFixed(2), asOf: quote.asOf };
  }

  @FieldResolver(() => OrderConnection, { nullable: true, description: `Orders, newest first. Filters combine (all must hold); keep them the same across the pages of one listing. ${SCANNED_PAGE('status (but OPEN and PARTIALLY_FILLED), market or apiKeyId, and without live: true', 'orders')}` })
  @Directive('@rateLimit(max: 300, window: "1m")')
  async orders(
    @Root() account: Account,
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 1-100; default 20.' }) first?: number,
    @Arg('after', () => String, { nullable: true, description: 'A cursor from this list (an edge cursor or pageInfo.endCursor): the page starts after it. Omit for the first page.' }) after?: string,
    @Arg('status', () => OrderStatusEnum, { nullable: true, description: 'Only orders in exactly this status; omit for all. OPEN leaves out PARTIALLY_FILLED orders, which can still fill: use live: true for every order that can.' }) status?: OrderStatusEnum,
    @Arg('live', () => Boolean, { nullable: true, description: 'true: only live orders (OPEN or PARTIALLY_FILLED), the ones that may still fill; false or omitted: no filter. Cheap however long the history.' }) live?: boolean,
    @Arg('market', () => String, { nullable: true, description: 'Only orders of this market, e.g. BTC-USD; omit for all.' }) market?: string,
    @Arg('apiKeyId', () => ID, { nullable: true, description: API_KEY_FILTER('orders', 'this API key of your account placed or ended (`apiKeyId` or `canceledByApiKeyId`; revoked keys included)') }) apiKeyId?: string,
  ) {
    const query = { ...pageArgs('orders', first, after), status, live: live ?? undefined, market: listedMarket(market) };
    const page = await ctx.services.orders.listOrders(account.id, { ...query, byApiKeyId: await listedApiKeyId(ctx, account, apiKeyId) });
    return connection('orders', page);
  }

  @FieldResolver(() => FillConnection, { nullable: true, description: `Fills of your orders (as maker and as taker), newest first. ${SCANNED_PAGE('market', 'fills')}` })
  @Directive('@rateLimit(max: 300, window: "1m")')
  async fills(
    @Root() account: Account,
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 1-100; default 20.' }) first?: number,
    @Arg('after', () => String, { nullable: true, description: 'A cursor from this list (an edge cursor or pageInfo.endCursor): the page starts after it. Omit for the first page.' }) after?: string,
    @Arg('market', () => String, { nullable: true, description: 'Only fills of this market, e.g. BTC-USD; omit for all. Keep it the same across the pages of one listing.' }) market?: string,
  ) {
    const page = await ctx.services.orders.listAccountFills(account.id, { ...pageArgs('fills', first, after), market: listedMarket(market) });
    return connection('fills', page, (fill) => fill.sequence);
  }

  @FieldResolver(() => TransferConnection, { nullable: true, description: `Transfers sent and received, newest first. With \`apiKeyId\`, keep it the same across the pages of one listing. ${SCANNED_PAGE('apiKeyId', 'sent transfers')}` })
  @Directive('@rateLimit(max: 300, window: "1m")')
  async transfers(
    @Root() account: Account,
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 1-100; default 20.' }) first?: number,
    @Arg('after', () => String, { nullable: true, description: 'A cursor from this list (an edge cursor or pageInfo.endCursor): the page starts after it. Omit for the first page.' }) after?: string,
    @Arg('apiKeyId', () => ID, { nullable: true, description: `${API_KEY_FILTER('transfers')} Received transfers never match: their key is the sender's.` }) apiKeyId?: string,
  ) {
    const query = pageArgs('transfers', first, after);
    return connection('transfers', await ctx.services.transfers.listTransfers(account.id, { ...query, sentByApiKeyId: await listedApiKeyId(ctx, account, apiKeyId) }));
  }

  @FieldResolver(() => [ApiKeyType], { nullable: true, description: 'API keys of the account, active and revoked.' })
  @Directive('@rateLimit(max: 60, window: "1m")')
  apiKeys(@Root() account: Account, @Ctx() ctx: GraphQLContext) {
    return ctx.services.apiKeys.listApiKeys(account.id);
  }
}
